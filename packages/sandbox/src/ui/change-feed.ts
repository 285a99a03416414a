// Tells the dashboard's open pages that something in the sandbox changed, over Server-Sent Events. It watches the
// store's own write counter (`total_changes()`, every write of this process) and SQLite's `data_version` (a commit by
// another process on the same data directory, e.g. the CLI), and the fault settings' change count (they live in
// memory), only while a page listens: with nobody listening the sandbox does no work for it at all, and no write path
// pays anything (the red packet hot path stays as it is).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Faults } from '../faults.js';
import type { Store } from '../store.js';

/** How often a listened-to store is looked at: well within the second a change must take to show. */
const pollMs = 200;
/** A comment line now and then keeps idle connections (and proxies) from timing out. */
const keepAliveMs = 15_000;

export class ChangeFeed {
  readonly #store: Store;
  readonly #faults: Faults;
  readonly #listeners = new Set<ServerResponse>();
  #timer: NodeJS.Timeout | undefined;
  #seen = '';
  #sequence = 0;
  #sinceKeepAlive = 0;

  constructor(store: Store, faults: Faults) {
    this.#store = store;
    this.#faults = faults;
  }

  /** Takes over the response: an event stream that gets `event: change` whenever the sandbox's state changes. */
  listen(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    // Browsers reconnect after this long when the stream drops (a sandbox restart).
    res.write('retry: 1000\n\n');
    this.#listeners.add(res);
    req.once('close', () => {
      this.#listeners.delete(res);
      if (this.#listeners.size === 0) this.#stop();
    });
    if (this.#timer === undefined) {
      this.#seen = this.#version() ?? '';
      this.#timer = setInterval(() => this.#poll(), pollMs);
      this.#timer.unref();
    }
  }

  close(): void {
    this.#stop();
    for (const res of this.#listeners) res.end();
    this.#listeners.clear();
  }

  #poll(): void {
    const version = this.#version();
    if (version === undefined) {
      this.close();
      return;
    }
    this.#sinceKeepAlive += pollMs;
    if (version !== this.#seen) {
      this.#seen = version;
      this.#broadcast();
    } else if (this.#sinceKeepAlive >= keepAliveMs) {
      this.#sinceKeepAlive = 0;
      for (const res of this.#listeners) res.write(': keep-alive\n\n');
    }
  }

  #broadcast(): void {
    this.#sequence += 1;
    this.#sinceKeepAlive = 0;
    const event = `event: change\ndata: ${this.#sequence}\n\n`;
    for (const res of this.#listeners) res.write(event);
  }

  /**
   * This connection's write count, the database's version as others see it and the fault settings' change count;
   * undefined once the store is closed.
   */
  #version(): string | undefined {
    if (!this.#store.db.open) return undefined;
    const writes = this.#store.statement<[], { n: number }>('SELECT total_changes() AS n').get()?.n;
    const others = this.#store.db.pragma('data_version', { simple: true });
    return `${String(writes)}/${String(others)}/${this.#faults.changes}`;
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

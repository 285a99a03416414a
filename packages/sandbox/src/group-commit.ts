// Group commit: the API requests handled in one turn of the event loop share one SQLite transaction, committed before
// any of their replies leaves. A commit writes every page its transaction changed to the WAL, and requests of one
// turn change mostly the same pages (the merchant's balance, the day's totals, the right ends of the indexes), so one
// commit for all of them costs little more than one for each. Every reply still waits for its own commit.
import type Database from 'better-sqlite3';
import type { Store } from './store.js';

interface Group {
  readonly waiting: (() => void)[];
  readonly failing: ((error: Error) => void)[];
  /** SQLite ended the transaction on its own (a full disk or an I/O error rolls back everything). */
  lost: boolean;
}

export class GroupCommit {
  readonly #store: Store;
  readonly #begin: Database.Statement<[]>;
  readonly #commit: Database.Statement<[]>;
  readonly #rollback: Database.Statement<[]>;
  #current: Group | undefined;

  constructor(store: Store) {
    this.#store = store;
    // IMMEDIATE: the turn takes the write lock up front, as each request's own transaction did before.
    this.#begin = store.statement<[], unknown>('BEGIN IMMEDIATE');
    this.#commit = store.statement<[], unknown>('COMMIT');
    this.#rollback = store.statement<[], unknown>('ROLLBACK');
  }

  /**
   * Runs `work` inside this turn's transaction and resolves with its result once that transaction is committed.
   * `work` runs as a savepoint: when it throws, its own writes are undone and `run` throws at once.
   */
  run<T>(work: () => T): Promise<T> {
    const group = this.#join();
    const result = this.#store.transaction(work);
    return new Promise<T>((resolve, reject) => {
      group.waiting.push(() => resolve(result));
      group.failing.push(reject);
    });
  }

  /** Resolves once everything written so far is committed: at once when no turn's transaction is open. */
  settled(): Promise<void> {
    const group = this.#current;
    if (group === undefined) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      group.waiting.push(resolve);
      group.failing.push(reject);
    });
  }

  #join(): Group {
    const open = this.#current;
    if (open !== undefined) {
      if (this.#store.db.inTransaction) return open;
      open.lost = true;
    }
    this.#begin.run();
    const group: Group = { waiting: [], failing: [], lost: false };
    this.#current = group;
    // After the I/O callbacks of this turn (setImmediate runs once the poll phase is done), so that every request
    // whose bytes arrived together joins the same commit.
    setImmediate(() => this.#finish(group));
    return group;
  }

  #finish(group: Group): void {
    if (this.#current === group) this.#current = undefined;
    let failure: Error | undefined;
    if (group.lost || !this.#store.db.inTransaction) {
      failure = new Error('the transaction of these requests was rolled back by SQLite; nothing of them was kept');
    } else {
      try {
        this.#commit.run();
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
        if (this.#store.db.inTransaction) this.#rollback.run();
      }
    }
    if (failure === undefined) for (const resolve of group.waiting) resolve();
    else for (const reject of group.failing) reject(failure);
  }
}

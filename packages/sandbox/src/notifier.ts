// APIv3 notification delivery: seal the resource into WeChat Pay's envelope, store it, POST it signed to the merchant
// (loopback addresses only: nothing leaves this machine), and re-send failures on WeChat Pay's schedule in sandbox
// time, logging every attempt. `tick()` delivers what is due; the clock's registry of due work (src/due-work.ts)
// decides when to call it.
import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import { createSecureContext, rootCertificates } from 'node:tls';
import { formatRfc3339China, type SandboxClock } from './clock.js';
import type { NotifyFn } from './context.js';
import { newNotificationId } from './ids.js';
import type { Pem } from './pki.js';
import type { NotificationAttempt, NotificationRow, Store } from './store.js';
import { createSigner, type Signer } from './v3/reply.js';
import { encryptAesGcm } from './wire/aes-gcm.js';
import { createNonce } from './wire/nonce.js';

/**
 * Seconds to wait after each failed attempt (the 1st failure waits 15 s, ...), as the global payment notification page
 * gives it (15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h, 24h4m in all: docs/endpoints.md#notifications, the
 * same as the mainland one); after the last, the notification is given up. Sandbox seconds: advancing the sandbox
 * clock makes retries due.
 */
export const retrySchedule: readonly number[] = [
  15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
];

/**
 * The ids of undelivered notifications due by a moment (unix seconds), earliest first, at most so many: the terms
 * match the partial index `notifications_by_next_attempt_at` (store/schema.ts), so only due rows are visited.
 */
export const dueNotificationsSql =
  'SELECT id FROM notifications WHERE delivered_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?';

/** How many due notifications one batch of a tick reads and attempts at once. */
const dueBatchSize = 100;

/** How much of a receiver's reply body each attempt keeps: enough to read a refusal, never a flood. */
const maxReplyKept = 2048;

/** The merchant must answer within this long, or the attempt fails (WeChat Pay's 5 s). */
const defaultTimeoutMs = 5000;

export interface NotifierDeps {
  store: Store;
  clock: SandboxClock;
  /** The sandbox CA: https receivers are trusted if they chain to it or to a system root. */
  ca: Pick<Pem, 'certPem'>;
  /**
   * The `Wechatpay-*` signature headers for a merchant and body, made afresh for every attempt. Defaults to the
   * signing replies use (the merchant's key at sandbox time).
   */
  signer?: Signer;
  /** How long a receiver has to answer, real ms (default 5000). */
  timeoutMs?: number;
}

export type NotificationInput = Parameters<NotifyFn>[0];

/** One notification with its delivery history, as `log()` reports it. */
export interface Delivery {
  id: string;
  mchid: string;
  url: string;
  eventType: string;
  /** The envelope exactly as POSTed. */
  body: string;
  /** Unix seconds, sandbox time. */
  createdAt: number;
  deliveredAt: number | null;
  /** When the next attempt is due; null once delivered or given up. */
  nextAttemptAt: number | null;
  state: 'pending' | 'delivered' | 'given_up';
  attempts: NotificationAttempt[];
}

export interface DeliveryFilter {
  mchid?: string;
  id?: string;
  eventType?: string;
  state?: Delivery['state'];
}

export class Notifier {
  readonly #deps: Required<NotifierDeps>;
  /**
   * For https receivers: trusts system roots plus the sandbox CA, parsed once (per POST it would dominate delivery).
   * No keep-alive: an idle kept socket would hold the receiver's server open.
   */
  readonly #httpsAgent: https.Agent;
  /** Ticks run one after another, so a notification is never POSTed twice at once. */
  #queue: Promise<void> = Promise.resolve();

  constructor(deps: NotifierDeps) {
    this.#deps = {
      ...deps,
      signer: deps.signer ?? createSigner(deps.store, deps.clock),
      timeoutMs: deps.timeoutMs ?? defaultTimeoutMs,
    };
    const secureContext = createSecureContext({ ca: [...rootCertificates, deps.ca.certPem] });
    this.#httpsAgent = new https.Agent({ keepAlive: false, secureContext });
  }

  /**
   * Seals `resource` with the merchant's APIv3 key into the envelope and stores it, due now. Usable as the
   * context's `notify`; returns the notification id.
   */
  readonly enqueue = (input: NotificationInput): string => {
    const { store, clock } = this.#deps;
    const merchant = store.merchants.get({ mchid: input.mchid });
    if (merchant === undefined) throw new Error(`cannot notify: merchant ${input.mchid} does not exist`);
    const nonce = createNonce(12);
    const associatedData = input.originalType;
    const id = newNotificationId();
    const now = clock.now();
    const envelope = {
      id,
      create_time: formatRfc3339China(now),
      event_type: input.eventType,
      resource_type: 'encrypt-resource',
      summary: input.summary,
      resource: {
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: encryptAesGcm({
          key: merchant.config.apiv3Key,
          nonce,
          associatedData,
          plaintext: JSON.stringify(input.resource),
        }),
        nonce,
        associated_data: associatedData,
        original_type: input.originalType,
      },
    };
    const at = Math.floor(now / 1000);
    store.notifications.insert({
      id,
      mchid: input.mchid,
      url: input.url,
      event_type: input.eventType,
      body: JSON.stringify(envelope),
      next_attempt_at: at,
      created_at: at,
    });
    return id;
  };

  /** Delivers every notification due by sandbox now, in parallel; resolves when all attempts are recorded. */
  tick(): Promise<void> {
    const run = this.#queue.then(() => this.#deliverDue());
    // One failed tick (the store closed under it) must not wedge every later one.
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Resolves once every tick started so far has recorded its attempts. */
  idle(): Promise<void> {
    return this.#queue;
  }

  /** Notifications and their attempts, newest first. */
  log(filter: DeliveryFilter = {}): Delivery[] {
    const rows = this.#deps.store.notifications.list(
      { mchid: filter.mchid, id: filter.id, event_type: filter.eventType },
      { orderBy: 'created_at', descending: true },
    );
    return rows.map(toDelivery).filter((delivery) => filter.state === undefined || delivery.state === filter.state);
  }

  async #deliverDue(): Promise<void> {
    const { store, clock } = this.#deps;
    const now = clock.nowSeconds();
    // Only the due rows are read, a batch at a time, through the partial index on `next_attempt_at` (the table helper
    // has no form for a range): a backlog of notifications due later costs a tick nothing. An attempt moves its row's
    // next_attempt_at past `now` or clears it, so the next batch holds new rows; a notification is still attempted
    // once per tick at most, should the sandbox clock be set back while one runs.
    const dueIds = store.statement<[number, number], { id: string }>(dueNotificationsSql);
    const attempted = new Set<string>();
    for (;;) {
      const batch = dueIds.all(now, dueBatchSize).filter(({ id }) => !attempted.has(id));
      for (const { id } of batch) attempted.add(id);
      const rows = batch.flatMap(({ id }) => store.notifications.get({ id }) ?? []);
      await Promise.all(rows.map((row) => this.#attempt(row)));
      if (batch.length < dueBatchSize) return;
    }
  }

  async #attempt(row: NotificationRow): Promise<void> {
    let status: number | null = null;
    let error: string | null = null;
    let reply: string | null = null;
    try {
      ({ status, reply } = await this.#post(row));
      if (status < 200 || status > 299) error = `HTTP ${status}`;
    } catch (failure) {
      error = failure instanceof Error ? failure.message : String(failure);
    }
    const { clock, store } = this.#deps;
    const at = clock.nowSeconds();
    const attempts = row.attempts + 1;
    const delay = retrySchedule[attempts - 1];
    const delivered = error === null;
    store.notifications.update(
      { id: row.id },
      {
        attempts,
        last_status: status,
        // Kept only when there was one: most receivers answer 200 with nothing.
        log: [...row.log, { at, status, error, ...(reply ? { reply } : {}) }],
        delivered_at: delivered ? at : null,
        next_attempt_at: delivered || delay === undefined ? null : at + delay,
      },
    );
  }

  /**
   * One signed POST; resolves with the HTTP status and the start of the reply's body (what the dashboard shows of
   * each attempt) once the reply has ended. Only loopback literals are ever
   * contacted: any other host is refused here, before a DNS lookup or a connection, and recorded as a failed attempt.
   */
  #post(row: NotificationRow): Promise<{ status: number; reply: string }> {
    const url = URL.canParse(row.url) ? new URL(row.url) : undefined;
    if (url === undefined) return Promise.reject(new Error('refused: notify_url is not a URL'));
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return Promise.reject(new Error(`refused: unsupported scheme ${url.protocol}`));
    }
    const address = loopbackAddress(url.hostname);
    if (address === undefined) {
      return Promise.reject(
        new Error('refused: the sandbox delivers only to loopback addresses (127.0.0.0/8, [::1], localhost)'),
      );
    }
    const headers = {
      ...this.#deps.signer(row.mchid, row.body),
      Host: url.host,
      'Content-Type': row.content_type,
      'Content-Length': String(Buffer.byteLength(row.body)),
      'User-Agent': 'Mozilla/4.0 (wxpay-sandbox notifier)',
      'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
    };
    const { timeoutMs } = this.#deps;
    return new Promise((resolve, reject) => {
      const options = {
        method: 'POST',
        headers,
        signal: AbortSignal.timeout(timeoutMs),
        // Connect to the literal address: `localhost` is never looked up, and no lookup can happen at all.
        hostname: address,
        lookup: refuseLookup,
      };
      const onReply = (reply: http.IncomingMessage): void => {
        const chunks: Buffer[] = [];
        let kept = 0;
        reply.on('data', (chunk: Buffer) => {
          if (kept >= maxReplyKept) return;
          chunks.push(chunk);
          kept += chunk.length;
        });
        reply.once('end', () => {
          const text = Buffer.concat(chunks).subarray(0, maxReplyKept).toString('utf8');
          resolve({ status: reply.statusCode ?? 0, reply: text });
        });
        reply.once('error', reject);
      };
      // A fresh connection per attempt (no keep-alive): a kept socket would hold the receiver's server open.
      const request =
        url.protocol === 'https:'
          ? https.request(
              url,
              // The receiver's certificate is checked against the name in the URL (SNI cannot carry an IP literal).
              {
                ...options,
                agent: this.#httpsAgent,
                ...(url.hostname === 'localhost' ? { servername: 'localhost' } : {}),
              },
              onReply,
            )
          : http.request(url, { ...options, agent: false }, onReply);
      request.on('error', (failure: Error) => {
        reject(failure.name === 'AbortError' ? new Error(`no reply within ${timeoutMs} ms`) : failure);
      });
      request.end(row.body);
    });
  }
}

/**
 * The address to connect to for a loopback literal as the URL parser writes it (127.0.0.0/8, `[::1]`, `localhost`),
 * else undefined. A name that merely resolves to loopback does not count: that would need the DNS lookup this avoids.
 */
function loopbackAddress(hostname: string): string | undefined {
  if (hostname === 'localhost') return '127.0.0.1';
  if (hostname === '[::1]') return '::1';
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname) ? hostname : undefined;
}

/** Given as the sockets' `lookup`: connections here go to literal addresses, so a lookup would be a bug. */
const refuseLookup: LookupFunction = (hostname, _options, callback) => {
  process.nextTick(() => callback(new Error(`refused: no DNS lookups (${hostname})`), '', 0));
};

function toDelivery(row: NotificationRow): Delivery {
  const state = row.delivered_at !== null ? 'delivered' : row.next_attempt_at === null ? 'given_up' : 'pending';
  return {
    id: row.id,
    mchid: row.mchid,
    url: row.url,
    eventType: row.event_type,
    body: row.body,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
    nextAttemptAt: row.next_attempt_at,
    state,
    attempts: row.log,
  };
}

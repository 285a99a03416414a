// The engine: plans a batch, then sends its rows through the SDK with a journal entry before and after every send, so
// that a crash, a kill, a lost reply or a second process can never pay a row twice or skip it.
import { setMaxListeners } from 'node:events';
import type { Wxpay } from 'wxpay';
import { checkBatchId, defaultBatchId } from './batch-id.js';
import { type InputProblem, PayoutConfigError } from './errors.js';
import type { RowSource } from './input/source.js';
import type { BatchRecord, ClaimedRow, Journal, Settlement, StateCounts } from './journal/journal.js';
import { toStateCounts } from './journal/rows.js';
import { payoutKinds } from './kinds/index.js';
import {
  type BatchSettings,
  type PayoutKind,
  type PayoutKindName,
  payoutKindNames,
  type RowData,
} from './kinds/kind.js';
import { nextChinaMidnight, Pacer, retryDelay, sleep } from './pacer.js';
import { PlanningStopped, planBatch } from './plan.js';
import type { ColumnDefaults } from './row-data.js';
import { classifySendError } from './send-outcome.js';
import { forgetDeadWorkersOfThisHost, newWorkerId, rateShare } from './worker-id.js';

export interface RunPayoutsOptions {
  /** The merchant's client; its `mchid` is the paying merchant. */
  wxpay: Wxpay;
  journal: Journal;
  kind: PayoutKindName;
  source: RowSource;
  /** Default: derived from the source's file name. */
  batchId?: string;
  /** `wxappid` / `appid` of the requests (the WeCom corp id for `workwx` and `pocket`). */
  appid: string;
  /** `client_ip` / `spbill_create_ip` (default 127.0.0.1); fixed per batch, since resends must be identical. */
  clientIp?: string;
  /** Values for columns a row leaves out or empty: `wishing`, `act_name`, `remark`, `send_name`, `desc`, ... */
  defaults?: ColumnDefaults;
  /**
   * Sends a second for the merchant (default 30, the documented frequency limit), shared by the live workers of the
   * journal: with three processes running, each sends at a third of it.
   */
  rate?: number;
  /** Sends in flight at once (default 4). */
  concurrency?: number;
  /** How long a worker counts as alive after its last heartbeat; its claims are freed after that (default 30 s). */
  leaseMs?: number;
  /** Pay input that another batch of this journal already paid. */
  allowRepeat?: boolean;
  /** Called with every bad row as it is found, before the run throws PayoutInputError (which keeps the first 100). */
  onInputProblem?: (problem: InputProblem) => void;
  /** Stops cleanly: no new send starts; sends in flight finish and are journaled. */
  signal?: AbortSignal;
  onProgress?: (progress: PayoutProgress) => void;
  /** Default 1000. */
  progressIntervalMs?: number;
  now?: () => number;
}

export type StopReason = 'stopped' | 'notenough' | 'config' | 'held' | 'unreachable';

export interface PayoutProgress {
  batchId: string;
  phase: 'checking' | 'sending' | 'waiting' | 'done';
  total: number;
  counts: StateCounts;
  /** Rows settled a second by this process, over the last few seconds. */
  rate: number;
  /** Seconds until every row is settled at this rate, when known. */
  etaSeconds: number | undefined;
}

export interface RunPayoutsResult {
  batchId: string;
  /** Every row is `sent` or `failed`. */
  complete: boolean;
  /** Why rows are left, when they are. */
  reason: StopReason | undefined;
  message: string;
  counts: StateCounts;
}

const CONNECT_TRIES = 6;
/**
 * Outcomes are handed to the journal together, at most this long after the first of them, so that they share a commit
 * (a commit per outcome cost more than its send). Senders do not wait for them: the claim committed before each send
 * is what keeps a row from being paid twice; an outcome lost to a crash leaves its row `sending`, resolved later by a
 * query or an identical resend.
 */
const SETTLE_DELAY_MS = 20;
/** Outcomes handed over at once at most (sooner than SETTLE_DELAY_MS when this many are waiting). */
const SETTLE_GROUP = 64;
/** Outcomes waiting for the journal at most: a sender waits for the journal beyond this. */
const MAX_UNSETTLED = 256;
/** A row waiting longer than this ends the run (`held`): run the same command again later. */
const MAX_WAIT_MS = 60_000;

export async function runPayouts(options: RunPayoutsOptions): Promise<RunPayoutsResult> {
  if (!payoutKindNames.includes(options.kind)) {
    throw new PayoutConfigError(`kind must be one of ${payoutKindNames.join(', ')}`);
  }
  const kind = payoutKinds[options.kind];
  const mchid = options.wxpay.toJSON().mchid;
  if (!mchid) throw new PayoutConfigError('mchid: required in the client options');
  const batchId = options.batchId ?? defaultBatchId(options.source.name);
  const badId = checkBatchId(batchId);
  if (badId) throw new PayoutConfigError(badId);
  const concurrency = options.concurrency ?? 4;
  if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 256)) {
    throw new PayoutConfigError('concurrency must be an integer 1..256');
  }
  const leaseMs = options.leaseMs ?? 30_000;
  if (!(Number.isInteger(leaseMs) && leaseMs >= 1000))
    throw new PayoutConfigError('leaseMs must be an integer >= 1000');
  const now = options.now ?? Date.now;
  const settings: BatchSettings = {
    kind: kind.name,
    mchid,
    appid: options.appid,
    clientIp: options.clientIp ?? '127.0.0.1',
  };
  if (!settings.appid) throw new PayoutConfigError('appid (--wxappid): required');
  const rate = options.rate ?? 30;
  const pacer = new Pacer({ rate, now });

  const emptyCounts = toStateCounts([], []);
  options.onProgress?.({ batchId, phase: 'checking', total: 0, counts: emptyCounts, rate: 0, etaSeconds: undefined });
  let batch: BatchRecord;
  try {
    batch = await planBatch({
      journal: options.journal,
      source: options.source,
      kind,
      settings,
      defaults: options.defaults ?? {},
      batchId,
      now: now(),
      ...(options.allowRepeat !== undefined && { allowRepeat: options.allowRepeat }),
      ...(options.onInputProblem && { onProblem: options.onInputProblem }),
      ...(options.signal && { signal: options.signal }),
    });
  } catch (error) {
    if (!(error instanceof PlanningStopped)) throw error;
    const counts = (await options.journal.batch(batchId)) ? await options.journal.counts(batchId) : emptyCounts;
    return {
      batchId,
      complete: false,
      reason: 'stopped',
      message: 'stopped while checking the input: nothing was sent',
      counts,
    };
  }
  const run = new BatchRun({
    ...options,
    kind,
    settings,
    batchId,
    concurrency,
    leaseMs,
    now,
    pacer,
    rate,
    total: batch.rowCount,
  });
  return run.go();
}

interface BatchRunContext extends Omit<RunPayoutsOptions, 'kind' | 'rate'> {
  rate: number;
  kind: PayoutKind;
  settings: BatchSettings;
  batchId: string;
  concurrency: number;
  leaseMs: number;
  now: () => number;
  pacer: Pacer;
  total: number;
}

class BatchRun {
  readonly #c: BatchRunContext;
  readonly #worker = newWorkerId();
  readonly #stop = stopController();
  readonly #endpoint;
  #reason: StopReason | undefined;
  #message = '';
  readonly #queue: ClaimedRow[] = [];
  #refill: Promise<void> | undefined;
  #exhausted = false;
  #counts: StateCounts | undefined;
  readonly #settledAt: number[] = [];
  /** Outcomes not yet handed to the journal, and the writes handed over and not yet done. */
  #outcomes: Array<{ row: ClaimedRow; outcome: Settlement }> = [];
  #settleTimer: NodeJS.Timeout | undefined;
  readonly #settling = new Set<Promise<void>>();
  #unsettled = 0;
  #settleError: { error: unknown } | undefined;

  constructor(context: BatchRunContext) {
    this.#c = context;
    this.#endpoint = context.wxpay.chain(context.kind.sendPath);
  }

  async go(): Promise<RunPayoutsResult> {
    const { journal, batchId, leaseMs, now } = this.#c;
    const onAbort = () => this.#requestStop('stopped', 'stopped: sends in flight finished and were journaled');
    if (this.#c.signal?.aborted) onAbort();
    this.#c.signal?.addEventListener('abort', onAbort, { once: true });
    await forgetDeadWorkersOfThisHost(journal);
    await journal.heartbeat(this.#worker, now() + leaseMs);
    const heartbeat = setInterval(
      () => {
        journal.heartbeat(this.#worker, now() + leaseMs).catch((error: unknown) => {
          // Without heartbeats the lease runs out and another worker may take these rows over: stop sending (the
          // same numbers make a double send harmless, but the rows are no longer surely this worker's).
          this.#settleError ??= { error };
          this.#requestStop('stopped', 'the journal could not be written');
        });
      },
      Math.floor(leaseMs / 3),
    );
    heartbeat.unref();
    const progress = setInterval(() => this.#report('sending'), this.#c.progressIntervalMs ?? 1000);
    progress.unref();
    try {
      await this.#sendUntilSettled();
    } finally {
      clearInterval(heartbeat);
      clearInterval(progress);
      this.#c.signal?.removeEventListener('abort', onAbort);
      // Every outcome is written before this worker lets go of its rows.
      await this.#flushSettles();
      const unsent = this.#queue.splice(0).map((row) => row.row);
      await journal.release(batchId, this.#worker, unsent, now());
      await journal.removeWorker(this.#worker);
    }
    if (this.#settleError) throw this.#settleError.error;
    const counts = await journal.counts(batchId);
    this.#counts = counts;
    this.#report('done');
    const complete = counts.pending + counts.unknown + counts.sending === 0;
    return {
      batchId,
      complete,
      reason: complete ? undefined : (this.#reason ?? 'stopped'),
      message: complete ? describeDone(counts) : this.#message || 'rows are left: run the same command again',
      counts,
    };
  }

  /** Renews this worker's claims and shares the merchant's rate with the workers alive now. */
  async #heartbeat(): Promise<void> {
    const { journal, leaseMs, now, pacer, rate } = this.#c;
    await journal.heartbeat(this.#worker, now() + leaseMs);
    pacer.setRate(rateShare(rate, await journal.workers(), now()));
  }

  async #sendUntilSettled(): Promise<void> {
    const { journal, batchId, now } = this.#c;
    this.#counts = await journal.counts(batchId);
    for (;;) {
      this.#exhausted = false;
      await this.#sendersDone();
      await this.#drainSettles();
      if (this.#reason !== undefined) return;
      const counts = await journal.counts(batchId);
      this.#counts = counts;
      if (counts.pending + counts.unknown + counts.sending === 0) return;
      // Rows are left that no claim could take: held by live workers elsewhere, or waiting for their time.
      const due = await journal.nextDue(batchId);
      let wait = counts.sending > 0 ? 1000 : due === undefined ? 1000 : due - now();
      if (counts.sending === 0 && wait > MAX_WAIT_MS) {
        const when = new Date(due as number).toISOString();
        this.#requestStop(
          'held',
          `rows wait for a daily limit or a retry time (next at ${when}): run the same command again then`,
        );
        return;
      }
      wait = Math.max(50, Math.min(wait, 1000));
      this.#report('waiting');
      await sleep(wait, this.#stop.signal);
      if (this.#reason !== undefined) return;
    }
  }

  /**
   * Runs the senders until none has a row left. One failing (the journal) stops the others, and the error is thrown
   * only once every one of them is done: a send still in flight must have its outcome queued before the run lets go.
   */
  async #sendersDone(): Promise<void> {
    const senders = Array.from({ length: this.#c.concurrency }, () =>
      this.#work().catch((error: unknown) => {
        this.#requestStop('stopped', 'the journal could not be read or written');
        throw error;
      }),
    );
    const failed = (await Promise.allSettled(senders)).find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async #work(): Promise<void> {
    for (;;) {
      if (this.#unsettled >= MAX_UNSETTLED) await this.#drainSettles();
      const row = await this.#next();
      if (row === undefined) return;
      await this.#handle(row);
    }
  }

  async #next(): Promise<ClaimedRow | undefined> {
    while (this.#reason === undefined) {
      const row = this.#queue.shift();
      if (row !== undefined) return row;
      if (this.#exhausted) return undefined;
      this.#refill ??= this.#claim().finally(() => {
        this.#refill = undefined;
      });
      await this.#refill;
    }
    return undefined;
  }

  async #claim(): Promise<void> {
    const { journal, batchId, concurrency, now } = this.#c;
    // Claiming several rows per sender saves transactions; claimed rows not sent are released on a clean stop and
    // resolved as ambiguous after a crash.
    const rows = await journal.claim(batchId, this.#worker, Math.min(concurrency * 4, 256), now());
    if (rows.length === 0) this.#exhausted = true;
    for (const row of rows) this.#count(row.ambiguous ? 'unknown' : 'pending', 'sending');
    this.#queue.push(...rows);
  }

  async #handle(row: ClaimedRow): Promise<void> {
    const { kind, settings, wxpay, pacer, now } = this.#c;
    const data = JSON.parse(row.data) as RowData;
    /** The query found the payout: the resend only fetches what the row keeps, and no refusal of it is final. */
    let exists = false;
    if (row.ambiguous && kind.query) {
      // A query is an API call too: it takes a slot of the merchant's rate like a send.
      if (!(await pacer.take(this.#stop.signal))) return this.#release(row);
      try {
        const answer = await kind.query(wxpay, data, settings, row.number);
        exists = answer.state === 'resend';
        if (answer.state === 'sent')
          return this.#settle(row, {
            state: 'sent',
            wxId: answer.wxId,
            status: answer.status ?? null,
            detail: answer.detail ?? null,
          });
        if (answer.state === 'failed') {
          return this.#settle(row, { state: 'failed', errCode: answer.code, errMessage: answer.message });
        }
        // Not found: the identical resend below either pays it once or is answered as the re-entry it is.
      } catch (error) {
        const failure = classifySendError(error);
        // A frequency limit (or no connection) tells nothing about the payout: everyone pauses, and the row's own
        // wait does not grow with it (it grows with answers that leave the payout in doubt).
        if (failure.kind === 'backoff') pacer.backoff();
        const wait = failure.kind === 'backoff' ? retryDelay(1) : retryDelay(row.attempts);
        return this.#settle(row, waiting('unknown', failure.code, failure.message, now() + wait));
      }
    }
    const request = kind.request(data, settings, row.number);
    const mayHaveHappened = row.ambiguous;
    const unsettled = mayHaveHappened ? 'unknown' : 'pending';
    let unreachable = 0;
    for (;;) {
      if (!(await pacer.take(this.#stop.signal))) return this.#release(row);
      try {
        const reply = kind.send
          ? await kind.send(wxpay, request)
          : ((await this.#endpoint.post({ xml: request })) as Record<string, unknown>);
        pacer.succeeded();
        const accepted = kind.accepted(reply);
        return this.#settle(
          row,
          accepted.state === 'sent'
            ? { state: 'sent', wxId: accepted.wxId, status: accepted.status ?? null, detail: accepted.detail ?? null }
            : { state: 'failed', errCode: accepted.code, errMessage: accepted.message },
        );
      } catch (error) {
        const failure = classifySendError(error);
        switch (failure.kind) {
          case 'failed':
            if (exists) {
              return this.#settle(
                row,
                waiting('unknown', failure.code, failure.message, now() + retryDelay(row.attempts)),
              );
            }
            return this.#settle(row, { state: 'failed', errCode: failure.code, errMessage: failure.message });
          case 'unknown':
            return this.#settle(
              row,
              waiting('unknown', failure.code, failure.message, now() + retryDelay(row.attempts)),
            );
          case 'hold':
            return this.#settle(row, waiting(unsettled, failure.code, failure.message, nextChinaMidnight(now())));
          case 'stop':
            this.#requestStop(
              failure.reason,
              failure.reason === 'notenough'
                ? `the merchant's balance is too low (${failure.code}): top up, then run the same command again`
                : `WeChat Pay refused the configuration (${failure.code}: ${failure.message}): fix it, then run the same command again`,
            );
            return this.#settle(row, waiting(unsettled, failure.code, failure.message, null));
          case 'backoff':
            pacer.backoff();
            if (failure.code.startsWith('E') || failure.code === 'CONNECTION') {
              if (++unreachable >= CONNECT_TRIES) {
                this.#requestStop(
                  'unreachable',
                  `WeChat Pay cannot be reached (${failure.message}): run the same command again`,
                );
                return this.#settle(row, waiting(unsettled, failure.code, failure.message, null));
              }
            }
        }
      }
    }
  }

  /** Queues the outcome for the journal (see SETTLE_DELAY_MS); the sender goes on to its next row. */
  #settle(row: ClaimedRow, outcome: Settlement): void {
    this.#outcomes.push({ row, outcome });
    this.#unsettled++;
    if (this.#outcomes.length >= SETTLE_GROUP) this.#writeOutcomes();
    else this.#settleTimer ??= setTimeout(() => this.#writeOutcomes(), SETTLE_DELAY_MS);
  }

  /** Hands every queued outcome to the journal at once (the SQLite journal commits them together). */
  #writeOutcomes(): void {
    clearTimeout(this.#settleTimer);
    this.#settleTimer = undefined;
    const { journal, batchId, now } = this.#c;
    const group = this.#outcomes.splice(0);
    if (group.length === 0) return;
    // One handler for the group, not a chain per outcome. allSettled: the group is done only when every write is, so
    // a worker never lets go of its rows while one is still being written.
    const write = Promise.allSettled(
      group.map(({ row, outcome }) => journal.settle(batchId, row.row, this.#worker, outcome, now())),
    ).then((results) => {
      this.#unsettled -= group.length;
      this.#settling.delete(write);
      results.forEach((result, i) => {
        if (result.status === 'rejected') {
          // The journal failed: nothing more is sent, and the run rejects with its error once senders are done.
          this.#settleError ??= { error: result.reason };
          this.#requestStop('stopped', 'the journal could not be written');
        } else if (result.value) {
          const { row, outcome } = group[i] as { row: ClaimedRow; outcome: Settlement };
          this.#count('sending', outcome.state, outcome.state === 'sent' ? row.amount : 0);
          this.#settledAt.push(now());
        }
      });
    });
    this.#settling.add(write);
  }

  /** Writes every queued outcome and waits until all are written (or failed). */
  async #flushSettles(): Promise<void> {
    this.#writeOutcomes();
    while (this.#settling.size > 0) await Promise.all(this.#settling);
  }

  /** As #flushSettles, then rethrows the journal's error if a write failed. */
  async #drainSettles(): Promise<void> {
    await this.#flushSettles();
    if (this.#settleError) throw this.#settleError.error;
  }

  async #release(row: ClaimedRow): Promise<void> {
    const { journal, batchId, now } = this.#c;
    await journal.release(batchId, this.#worker, [row.row], now());
    this.#count('sending', row.ambiguous ? 'unknown' : 'pending');
  }

  #count(from: keyof Omit<StateCounts, 'sentAmount' | 'byErrCode'>, to: typeof from, amount = 0): void {
    const counts = this.#counts;
    if (counts === undefined) return;
    counts[from]--;
    counts[to]++;
    counts.sentAmount += amount;
  }

  #requestStop(reason: StopReason, message: string): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#message = message;
    this.#stop.abort();
  }

  #report(phase: PayoutProgress['phase']): void {
    const counts = this.#counts;
    if (!this.#c.onProgress || counts === undefined) return;
    const now = this.#c.now();
    while (this.#settledAt.length > 0 && (this.#settledAt[0] as number) < now - 5000) this.#settledAt.shift();
    const rate = this.#settledAt.length / 5;
    const left = counts.pending + counts.unknown + counts.sending;
    this.#c.onProgress({
      batchId: this.#c.batchId,
      phase,
      total: this.#c.total,
      counts: { ...counts, byErrCode: { ...counts.byErrCode } },
      rate,
      etaSeconds: rate > 0 ? Math.ceil(left / rate) : undefined,
    });
  }
}

function waiting(
  state: 'pending' | 'unknown',
  errCode: string,
  errMessage: string,
  notBefore: number | null,
): Settlement {
  return { state, errCode, errMessage, notBefore };
}

function describeDone(counts: StateCounts): string {
  return `every row is settled: ${counts.sent} sent (${(counts.sentAmount / 100).toFixed(2)} yuan), ${counts.failed} failed`;
}

/** The run's stop signal: every waiting sender listens to it, so it may have more listeners than Node's default 10. */
function stopController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}

// Per-day totals behind the daily limits of red packets and WeCom payouts: read and bumped by primary key, in the
// write transaction that records the payment, so checking a limit costs the same on the first and the millionth day.
import type { SandboxContext } from '../context.js';
import type { DailyProduct } from '../store.js';

const daySeconds = 24 * 60 * 60;
/** China Standard Time is UTC+8 all year: the limits' "day" starts at 16:00 UTC. */
const chinaOffsetSeconds = 8 * 60 * 60;

/** What one recipient (or the merchant as a whole) got on one day. */
export interface DayTotal {
  count: number;
  fen: number;
}

/** Unix seconds of 00:00 in China on the day of `nowSeconds`. */
export function chinaDayStart(nowSeconds: number): number {
  return Math.floor((nowSeconds + chinaOffsetSeconds) / daySeconds) * daySeconds - chinaOffsetSeconds;
}

/** The day's totals of `openid` at the merchant and of the merchant as a whole, read together (one statement). */
export function dayTotals(
  ctx: SandboxContext,
  product: DailyProduct,
  mchid: string,
  openid: string,
  nowSeconds: number,
): { user: DayTotal; merchant: DayTotal } {
  const day = chinaDayStart(nowSeconds);
  // Two key lookups in one statement; rows as [who, count, fen] (raw), the user's first when it has one.
  const rows = ctx.store
    .statement<[DailyProduct, string, string, number, DailyProduct, string, number], [string, number, number]>(
      `SELECT openid, count, fen FROM daily_totals WHERE product = ? AND mchid = ? AND openid = ? AND day = ?
       UNION ALL
       SELECT openid, count, fen FROM daily_totals WHERE product = ? AND mchid = ? AND openid = '' AND day = ?`,
    )
    .raw(true)
    .all(product, mchid, openid, day, product, mchid, day);
  return { user: totalOf(rows, openid), merchant: totalOf(rows, '') };
}

function totalOf(rows: readonly [string, number, number][], who: string): DayTotal {
  const row = rows.find((each) => each[0] === who);
  return row === undefined ? { count: 0, fen: 0 } : { count: row[1], fen: row[2] };
}

/**
 * When `openid` was last paid by the merchant, looking at this day and the one before (the longest interval rule is
 * far shorter than a day), or undefined when not within that time.
 */
export function lastPaidAt(
  ctx: SandboxContext,
  product: DailyProduct,
  mchid: string,
  openid: string,
  nowSeconds: number,
): number | undefined {
  const today = chinaDayStart(nowSeconds);
  const row = ctx.store
    .statement<[DailyProduct, string, string, number, number], { last_at: number | null }>(
      'SELECT MAX(last_at) AS last_at FROM daily_totals WHERE product = ? AND mchid = ? AND openid = ? AND day IN (?, ?)',
    )
    .get(product, mchid, openid, today, today - daySeconds);
  return row?.last_at ?? undefined;
}

/**
 * Counts one payment of `fen` to `openid` in the day's totals of the recipient and of the merchant. Call it inside
 * the transaction that records the payment: a rolled-back payment then leaves no count behind.
 */
export function countPayment(
  ctx: SandboxContext,
  product: DailyProduct,
  mchid: string,
  openid: string,
  fen: number,
  nowSeconds: number,
): void {
  // Prepared once per database (store.statement), both rows in one statement: this runs on every red packet and payout.
  type Row = [DailyProduct, string, string, number, number, number];
  const add = ctx.store.statement<[...Row, ...Row]>(
    `INSERT INTO daily_totals (product, mchid, openid, day, count, fen, last_at)
     VALUES (?, ?, ?, ?, 1, ?, ?), (?, ?, ?, ?, 1, ?, ?)
     ON CONFLICT (product, mchid, openid, day)
     DO UPDATE SET count = count + 1, fen = fen + excluded.fen, last_at = MAX(last_at, excluded.last_at)`,
  );
  const day = chinaDayStart(nowSeconds);
  add.run(product, mchid, openid, day, fen, nowSeconds, product, mchid, '', day, fen, nowSeconds);
}

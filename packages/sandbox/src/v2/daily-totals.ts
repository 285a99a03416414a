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

/** The day's totals of `openid` at the merchant; `openid` '' gives the merchant's own total. */
export function dayTotal(
  ctx: SandboxContext,
  product: DailyProduct,
  mchid: string,
  openid: string,
  nowSeconds: number,
): DayTotal {
  const row = ctx.store
    .statement<[DailyProduct, string, string, number], DayTotal>(
      'SELECT count, fen FROM daily_totals WHERE product = ? AND mchid = ? AND openid = ? AND day = ?',
    )
    .get(product, mchid, openid, chinaDayStart(nowSeconds));
  return row ?? { count: 0, fen: 0 };
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
  // Prepared once per database (store.statement): this runs on every red packet and payout.
  const add = ctx.store.statement<[DailyProduct, string, string, number, number, number]>(
    `INSERT INTO daily_totals (product, mchid, openid, day, count, fen, last_at) VALUES (?, ?, ?, ?, 1, ?, ?)
     ON CONFLICT (product, mchid, openid, day)
     DO UPDATE SET count = count + 1, fen = fen + excluded.fen, last_at = MAX(last_at, excluded.last_at)`,
  );
  const day = chinaDayStart(nowSeconds);
  add.run(product, mchid, openid, day, fen, nowSeconds);
  add.run(product, mchid, '', day, fen, nowSeconds);
}

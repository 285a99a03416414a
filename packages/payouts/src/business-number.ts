// The business number of each row (mch_billno / partner_trade_no): fixed before the first attempt and never changed.
import { createHash } from 'node:crypto';

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Characters of the batch tag: 62^12 ≈ 3.2e21 tags, so two batches of one merchant practically never share one. */
const TAG_LENGTH = 12;
/** Digits of the row: up to 9,999,999,999 rows a batch. */
const ROW_DIGITS = 10;

/**
 * The tag every number of a batch starts with: derived from the merchant and the batch id alone, so the same batch
 * gets the same numbers on every run, on every machine, and another batch id gets other numbers.
 */
export function batchTag(mchid: string, batchId: string): string {
  const digest = createHash('sha256').update(`wxpay-payouts\0${mchid}\0${batchId}`).digest();
  let tag = '';
  for (let i = 0; i < TAG_LENGTH; i++) tag += base62[(digest[i] as number) % 62];
  return tag;
}

/**
 * The number of row `row` (1-based): the batch tag, then the row in ten digits — 22 characters of `[0-9A-Za-z]`,
 * within every kind's limit (mch_billno ≤ 28, partner_trade_no ≤ 32).
 */
export function businessNumber(tag: string, row: number): string {
  if (!(Number.isSafeInteger(row) && row >= 1 && row < 10 ** ROW_DIGITS)) {
    throw new RangeError(`row must be 1..${10 ** ROW_DIGITS - 1}`);
  }
  return tag + String(row).padStart(ROW_DIGITS, '0');
}

// Every identifier the sandbox hands out, made in one place: WeChat-style numbers (send_listid, payment_no, coupon_id,
// APIv3 order and refund ids, prepay_id), coupon stock ids, APIv3 Request-IDs, notification ids and stand-in openids.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { formatCompactChinaTime } from './clock.js';

/** How a kind of WeChat number is built: a fixed prefix, the China date (or date and time), then random characters. */
interface NumberShape {
  readonly prefix: string;
  /** `date`: yyyyMMdd; `datetime`: yyyyMMddHHmmss (China time). */
  readonly stamp: 'date' | 'datetime';
  /** Total length, prefix included. */
  readonly length: number;
  readonly random: 'digits' | 'hex';
}

/**
 * The numbers' shapes, after the real ones. The APIv2 ones are 31 digits (a 10-digit prefix, the date, 13 random
 * digits), within the S32 of their field tables; the APIv3 order and refund numbers 28 and 29 digits. All exceed 2^53,
 * so they only ever travel as strings.
 */
const shapes = {
  /** `send_listid` (and `detail_id`) of a red packet. */
  redpack: { prefix: '1000041701', stamp: 'date', length: 31, random: 'digits' },
  /** `payment_no` of a WeCom payment to staff. */
  payout: { prefix: '1000018301', stamp: 'date', length: 31, random: 'digits' },
  /** `coupon_id` of a sent coupon. */
  coupon: { prefix: '1000000001', stamp: 'date', length: 31, random: 'digits' },
  /** WeChat Pay's order number (`id`, `transaction_id`). */
  order: { prefix: '4200', stamp: 'datetime', length: 28, random: 'digits' },
  /** WeChat Pay's refund number (`id`). */
  refund: { prefix: '5030', stamp: 'datetime', length: 29, random: 'digits' },
  /** `prepay_id`: `wx`, the time, 20 hex characters. */
  prepay: { prefix: 'wx', stamp: 'datetime', length: 36, random: 'hex' },
} as const satisfies Record<string, NumberShape>;

export type WechatNumberKind = keyof typeof shapes;

/** A new WeChat-style number of `kind`, stamped with `nowSeconds` (sandbox time, unix seconds). */
export function newWechatNumber(kind: WechatNumberKind, nowSeconds: number): string {
  const shape: NumberShape = shapes[kind];
  const stamp = formatCompactChinaTime(nowSeconds * 1000);
  let number = shape.prefix + (shape.stamp === 'date' ? stamp.slice(0, 8) : stamp);
  const radix = shape.random === 'digits' ? 10 : 16;
  while (number.length < shape.length) number += randomInt(radix).toString(radix);
  return number;
}

/** Eight digits, like the short stock ids of WeChat's coupon examples (the caller makes sure it is unused). */
export function newCouponStockId(): string {
  return String(randomInt(10_000_000, 100_000_000));
}

/** An APIv3 `Request-ID`: 32 upper-case hex characters. */
export function newRequestId(): string {
  return randomUUID().replaceAll('-', '').toUpperCase();
}

/** A notification's `id` (a UUID, as WeChat Pay's are). */
export function newNotificationId(): string {
  return randomUUID();
}

/** An openid for a payer the operator did not name: `o` and 28 URL-safe characters, the shape of real ones. */
export function newSandboxOpenid(): string {
  return `o${randomBytes(21).toString('base64url')}`;
}

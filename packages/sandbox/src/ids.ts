// Every identifier the sandbox hands out, made in one place: WeChat-style numbers (send_listid, payment_no, coupon_id,
// APIv3 order and refund ids, prepay_id), coupon stock ids, APIv3 Request-IDs, notification ids and stand-in openids.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { formatCompactChinaTime } from './clock.js';
import { randomBelow } from './wire/random-pool.js';

/**
 * How a kind of WeChat number is built: a fixed prefix, the China date (or date and time), then a serial part
 * (digits) or random characters (hex).
 */
interface NumberShape {
  readonly prefix: string;
  /** `date`: yyyyMMdd; `datetime`: yyyyMMddHHmmss (China time). */
  readonly stamp: 'date' | 'datetime';
  /** Total length, prefix included. */
  readonly length: number;
  readonly tail: 'serial' | 'hex';
}

/**
 * The numbers' shapes, after the real ones. The APIv2 ones are 31 digits (a 10-digit prefix, the date, 13 more
 * digits), within the S32 of their field tables; the APIv3 order and refund numbers 28 and 29 digits. All exceed 2^53,
 * so they only ever travel as strings.
 */
const shapes = {
  /** `send_listid` (and `detail_id`) of a red packet. */
  redpack: { prefix: '1000041701', stamp: 'date', length: 31, tail: 'serial' },
  /** `payment_no` of a WeCom payment to staff. */
  payout: { prefix: '1000018301', stamp: 'date', length: 31, tail: 'serial' },
  /** `coupon_id` of a sent coupon. */
  coupon: { prefix: '1000000001', stamp: 'date', length: 31, tail: 'serial' },
  /** WeChat Pay's order number (`id`, `transaction_id`). */
  order: { prefix: '4200', stamp: 'datetime', length: 28, tail: 'serial' },
  /** WeChat Pay's refund number (`id`). */
  refund: { prefix: '5030', stamp: 'datetime', length: 29, tail: 'serial' },
  /** `transfer_bill_no` of a merchant transfer (商家转账), 34 digits like the pages' replies. */
  transferBill: { prefix: '1330000', stamp: 'date', length: 34, tail: 'serial' },
  /** `prepay_id`: `wx`, the time, 20 hex characters. */
  prepay: { prefix: 'wx', stamp: 'datetime', length: 36, tail: 'hex' },
} as const satisfies Record<string, NumberShape>;

export type WechatNumberKind = keyof typeof shapes;

/**
 * Counts every serial number this process hands out, from a random start: numbers made in the same second differ in
 * it, and a sandbox restarted within one second (or whose clock was set back) is most unlikely to repeat one.
 */
let serial = randomInt(0, 2 ** 47);

/**
 * A new WeChat-style number of `kind`, stamped with `nowSeconds` (sandbox time, unix seconds). Serial numbers grow
 * with time, as WeChat's do: after a `date` stamp come the second of the day (5 digits), then the serial count. So a
 * new number sorts after the ones before it, and the unique indexes on these numbers take each new one at their end
 * instead of on a random page (one page written per commit instead of one per number).
 */
export function newWechatNumber(kind: WechatNumberKind, nowSeconds: number): string {
  const shape: NumberShape = shapes[kind];
  const stamp = compactChinaTime(nowSeconds);
  let number = shape.prefix;
  if (shape.stamp === 'datetime') {
    number += stamp;
  } else {
    const secondOfDay = Number(stamp.slice(8, 10)) * 3600 + Number(stamp.slice(10, 12)) * 60 + Number(stamp.slice(12));
    number += stamp.slice(0, 8) + String(secondOfDay).padStart(5, '0');
  }
  const width = shape.length - number.length;
  if (shape.tail === 'hex') {
    for (let i = 0; i < width; i++) number += randomBelow(16).toString(16);
    return number;
  }
  serial += 1;
  // The count's last `width` digits: it wraps only after 10^width numbers, far beyond any second's.
  return number + String(serial % 10 ** width).padStart(width, '0');
}

/** The last second formatted: every number made within one second shares it. */
let formatted = { seconds: Number.NaN, stamp: '' };

function compactChinaTime(seconds: number): string {
  if (seconds !== formatted.seconds) formatted = { seconds, stamp: formatCompactChinaTime(seconds * 1000) };
  return formatted.stamp;
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

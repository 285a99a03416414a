// The pieces APIv2 and APIv3 share: the one id generator (the shapes of WeChat's numbers), the one request hash (whose
// bytes are stored, so they are pinned here against answers computed independently), and the one ledger of balances.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  newCouponStockId,
  newNotificationId,
  newRequestId,
  newSandboxOpenid,
  newWechatNumber,
  type WechatNumberKind,
} from '../src/ids.js';
import { balanceOf, credit, debit } from '../src/ledger.js';
import { requestHash, v2RequestHash } from '../src/request-hash.js';
import { openStore, type Store } from '../src/store.js';
import { merchantConfig } from './support/fixtures.js';

/** 2024-05-01 10:00:00 in Beijing. */
const nowSeconds = Date.UTC(2024, 4, 1, 2, 0, 0) / 1000;

describe('newWechatNumber', () => {
  const cases: [WechatNumberKind, RegExp][] = [
    ['redpack', /^1000041701 20240501 \d{13}$/],
    ['payout', /^1000018301 20240501 \d{13}$/],
    ['coupon', /^1000000001 20240501 \d{13}$/],
    ['order', /^4200 20240501100000 \d{10}$/],
    ['refund', /^5030 20240501100000 \d{11}$/],
    ['prepay', /^wx 20240501100000 [0-9a-f]{20}$/],
  ];
  it.each(cases)('makes %s numbers of the real shape', (kind, shape) => {
    const pattern = new RegExp(shape.source.replaceAll(' ', ''));
    const numbers = new Set(Array.from({ length: 20 }, () => newWechatNumber(kind, nowSeconds)));
    for (const number of numbers) expect(number).toMatch(pattern);
    // Twenty made in one second never collide.
    expect(numbers.size).toBe(20);
  });

  it.each(cases.filter(([kind]) => kind !== 'prepay'))(
    'makes %s numbers that sort after the ones made before, in the same second and later',
    (kind) => {
      const made = [
        ...Array.from({ length: 5 }, () => newWechatNumber(kind, nowSeconds)),
        ...Array.from({ length: 5 }, () => newWechatNumber(kind, nowSeconds + 1)),
        newWechatNumber(kind, nowSeconds + 3600),
      ];
      expect([...made].sort()).toEqual(made);
    },
  );

  it('puts the second of the China day after the date of an APIv2 number', () => {
    // 10:00:00 is second 36000 of the day.
    expect(newWechatNumber('redpack', nowSeconds)).toMatch(/^10000417012024050136000\d{8}$/);
    expect(newWechatNumber('coupon', nowSeconds + 59)).toMatch(/^10000000012024050136059\d{8}$/);
  });

  it('makes the sandbox’s own ids in their shapes', () => {
    expect(newCouponStockId()).toMatch(/^[1-9]\d{7}$/);
    expect(newRequestId()).toMatch(/^[0-9A-F]{32}$/);
    expect(newNotificationId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(newSandboxOpenid()).toMatch(/^o[A-Za-z0-9_-]{28}$/);
  });
});

describe('the request hash', () => {
  const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

  it('hashes an APIv2 request by its business fields in name order, as stored since the first version', () => {
    const fields = { total_amount: '100', mch_billno: 'B1', nonce_str: 'n1', sign: 'S', remark: '', workwx_sign: 'W' };
    expect(v2RequestHash(fields)).toBe(sha256('[["mch_billno","B1"],["total_amount","100"]]'));
    // Nonce, signatures and empty fields take no part; any business value does.
    expect(v2RequestHash({ ...fields, nonce_str: 'n2', sign: 'T', sign_type: 'MD5' })).toBe(v2RequestHash(fields));
    expect(v2RequestHash({ ...fields, total_amount: '101' })).not.toBe(v2RequestHash(fields));
  });

  it('hashes an APIv3 body as canonical JSON, as stored since the first version', () => {
    const body = { b: 1, a: { d: [2, { f: 'x', e: null }], c: 'y' } };
    expect(requestHash(body)).toBe(sha256('{"a":{"c":"y","d":[2,{"e":null,"f":"x"}]},"b":1}'));
    expect(requestHash({ a: { c: 'y', d: [2, { e: null, f: 'x' }] }, b: 1 })).toBe(requestHash(body));
    expect(requestHash({ ...body, b: 2 })).not.toBe(requestHash(body));
  });
});

describe('the ledger', () => {
  let store: Store;
  const pem = { certPem: '', keyPem: '', serial: '' };
  const move = { reason: 'top_up', reference: '', at: 0 } as const;

  beforeEach(() => {
    store = openStore(':memory:');
    store.merchants.insert({
      mchid: '10000001',
      kind: 'mainland',
      config: merchantConfig({ apiCert: pem }),
      balance: 500,
    });
  });

  afterEach(() => {
    store.close();
  });

  it('takes money only when it is all there, and gives it back', () => {
    expect(debit(store, '10000001', 300, move)).toBe(true);
    expect(debit(store, '10000001', 300, move)).toBe(false);
    expect(balanceOf(store, '10000001')).toBe(200);
    credit(store, '10000001', 300, move);
    expect(balanceOf(store, '10000001')).toBe(500);
  });

  it('moves whole fen only, for merchants that exist', () => {
    expect(() => debit(store, '10000001', 1.5, move)).toThrow(RangeError);
    expect(() => credit(store, '10000001', 0, move)).toThrow(RangeError);
    expect(() => credit(store, '10000002', 1, move)).toThrow(/no merchant 10000002/);
    expect(debit(store, '10000002', 1, move)).toBe(false);
    expect(balanceOf(store, '10000002')).toBeUndefined();
    expect(balanceOf(store, '10000001')).toBe(500);
  });
});

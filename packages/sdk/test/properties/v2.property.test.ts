// Properties of APIv2 reply reading and notification verification: near-misses of valid signed documents end in a
// typed error, and anything accepted verifies independently (nothing forged, nothing unsigned, no damaged result).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findV2Endpoint } from '../../src/catalog/v2.js';
import { encryptRefundReqInfo } from '../../src/crypto/aes.js';
import { Wxpay } from '../../src/index.js';
import { readV2Reply } from '../../src/v2/pipeline.js';
import {
  expectTypedFailure,
  jsonish,
  mutationOf,
  runs,
  settle,
  settleAsync,
  timeout,
  xmlish,
} from '../support/fuzz.js';
import { replyXml, verifyV2Sign, withV2Sign } from '../support/v2-sign.js';

const KEY = 'propertyTestApiv2Key000000000000';
const client = new Wxpay({ secret: KEY });

const signedStockReply = replyXml(
  withV2Sign(
    {
      return_code: 'SUCCESS',
      result_code: 'SUCCESS',
      coupon_stock_id: '1757',
      coupon_value: '500',
      coupon_stock_status: '4',
    },
    KEY,
  ),
);
const unsignedSendReply = replyXml({
  return_code: 'SUCCESS',
  result_code: 'SUCCESS',
  mch_billno: '100000982026113000000001',
  send_listid: '1000041701201811253000000000001',
});

function read(body: string, path: string, signed: boolean) {
  return readV2Reply(
    { status: 200, headers: {}, body: Buffer.from(body, 'utf8') },
    { secret: KEY, meta: findV2Endpoint(path), signType: 'MD5', signed },
  );
}

describe('APIv2 replies', () => {
  it(
    'accept a near-miss of a signed reply only when it still verifies, flat and exactly SUCCESS',
    () => {
      fc.assert(
        fc.property(mutationOf(signedStockReply), (body) => {
          const read2 = settle(() => read(body, 'v2/mmpaymkttransfers/query_coupon_stock', true), [KEY]);
          if (read2 === undefined) return;
          const data = read2.data;
          for (const value of Object.values(data)) expect(typeof value).toBe('string');
          expect(verifyV2Sign(data as Record<string, string>, KEY)).toBe(true);
          expect(data.return_code).toBe('SUCCESS');
          expect(data.result_code).toBe('SUCCESS');
        }),
        runs(),
      );
    },
    timeout(),
  );

  it(
    'never report a near-miss of an unsigned send reply as a plain failure unless it says exactly FAIL',
    () => {
      fc.assert(
        fc.property(mutationOf(unsignedSendReply), (body) => {
          try {
            const { data } = read(body, 'v2/mmpaymkttransfers/sendredpack', false);
            expect(data.return_code).toBe('SUCCESS');
            expect(data.result_code).toBe('SUCCESS');
          } catch (error) {
            expectTypedFailure(error, [KEY]);
            const { name, outcome, returnCode, resultCode } = error as {
              name: string;
              outcome?: string;
              returnCode?: string;
              resultCode?: string;
            };
            if (name === 'WxpayResultError' && outcome !== 'unknown') {
              expect(returnCode === 'FAIL' || resultCode === 'FAIL').toBe(true);
            }
          }
        }),
        runs(),
      );
    },
    timeout(),
  );

  it(
    'turn any status and body into data or a typed error',
    () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 100, max: 599 }),
          fc.oneof(xmlish, jsonish),
          fc.boolean(),
          (status, body, signed) => {
            settle(
              () =>
                readV2Reply(
                  { status, headers: {}, body: Buffer.from(body, 'utf8') },
                  { secret: KEY, meta: undefined, signType: 'HMAC-SHA256', signed },
                ),
              [KEY],
            );
          },
        ),
        runs(),
      );
    },
    timeout(),
  );
});

const officialNotification = {
  appid: 'wxd930ea5d5a258f4f',
  mch_id: '10000100',
  return_code: 'SUCCESS',
  result_code: 'SUCCESS',
  transaction_id: '4200000000202408050000000001',
  total_fee: '1',
  nonce_str: 'ibuaiVcKdpRxkhJA',
};

describe('APIv2 notifications', () => {
  const signedMd5 = replyXml(withV2Sign(officialNotification, KEY));
  const signedHmac = replyXml(withV2Sign({ ...officialNotification, sign_type: 'HMAC-SHA256' }, KEY, 'HMAC-SHA256'));

  it(
    'accept a near-miss of a signed notification only when it still verifies',
    () => {
      fc.assert(
        fc.property(fc.oneof(mutationOf(signedMd5), mutationOf(signedHmac)), (body) => {
          const fields = settle(() => client.parseV2Notification(body), [KEY]);
          if (fields !== undefined) expect(verifyV2Sign({ ...fields }, KEY)).toBe(true);
        }),
        runs(),
      );
    },
    timeout(),
  );

  it(
    'turn any value into fields or a typed error',
    () => {
      fc.assert(
        fc.property(fc.oneof(fc.anything(), xmlish), (value) => {
          settle(() => client.parseV2Notification(value as string), [KEY]);
          settle(() => client.parseV2RefundNotification(value as string), [KEY]);
        }),
        runs(),
      );
    },
    timeout(),
  );

  const reqInfo = encryptRefundReqInfo(
    '<root><out_refund_no>R1</out_refund_no><refund_status>SUCCESS</refund_status></root>',
    KEY,
  );
  const refund = replyXml({ return_code: 'SUCCESS', appid: 'wx1', mch_id: '10000100', req_info: reqInfo });

  it(
    'open a near-miss of a refund notification, or refuse it with a typed error',
    async () => {
      await fc.assert(
        fc.asyncProperty(mutationOf(refund), async (body) => {
          await settleAsync(async () => client.parseV2RefundNotification(body), [KEY]);
        }),
        runs(),
      );
    },
    timeout(),
  );
});

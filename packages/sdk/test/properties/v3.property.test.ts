// Properties of APIv3 verification: notifications, reply signatures, certificate downloads, error replies and
// decryption. Any input ends in a typed error, and nothing whose signed bytes changed is ever accepted.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decryptAesGcm, encryptAesGcm } from '../../src/crypto/aes.js';
import { decodeStrictBase64 } from '../../src/crypto/rsa.js';
import { Wxpay } from '../../src/index.js';
import { KeyStore } from '../../src/v3/key-store.js';
import { apiError } from '../../src/v3/pipeline.js';
import { verifyWechatpaySignature } from '../../src/v3/verifier.js';
import { hostileToken, jsonish, mutationOf, runs, settle, settleAsync, timeout } from '../support/fuzz.js';

const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBLIC_KEY_PEM = platform.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const KEY_ID = 'PUB_KEY_ID_0000000000000000000000000000042';
const APIV3_KEY = 'propertyTestApiv3Key000000000000';
const NOW_SECONDS = 1_764_460_800;
const clock = () => NOW_SECONDS * 1000;
const client = new Wxpay({ apiv3Key: APIV3_KEY, certs: { [KEY_ID]: PUBLIC_KEY_PEM }, clock });

function signedHeaders(body: string): Record<string, string> {
  const timestamp = String(NOW_SECONDS);
  const nonce = randomBytes(16).toString('hex');
  const signature = sign('sha256', Buffer.from(`${timestamp}\n${nonce}\n${body}\n`, 'utf8'), platform.privateKey);
  return {
    'wechatpay-timestamp': timestamp,
    'wechatpay-nonce': nonce,
    'wechatpay-serial': KEY_ID,
    'wechatpay-signature': signature.toString('base64'),
  };
}

const resourceNonce = 'fuzzNonce123';
const body = JSON.stringify({
  id: 'EV-2026-0001',
  create_time: '2026-11-30T08:00:00+08:00',
  resource_type: 'encrypt-resource',
  event_type: 'TRANSACTION.SUCCESS',
  summary: 'ok',
  resource: {
    original_type: 'transaction',
    algorithm: 'AEAD_AES_256_GCM',
    associated_data: 'transaction',
    nonce: resourceNonce,
    ciphertext: encryptAesGcm({
      key: APIV3_KEY,
      nonce: resourceNonce,
      associatedData: 'transaction',
      plaintext: JSON.stringify({ out_trade_no: 'T1', trade_state: 'SUCCESS' }),
    }),
  },
});
const headers = signedHeaders(body);
const headerName = fc.constantFrom(...Object.keys(headers));

describe('APIv3 notifications', () => {
  it(
    'accept nothing whose body changed',
    async () => {
      await fc.assert(
        fc.asyncProperty(mutationOf(body), fc.boolean(), async (mutated, asBytes) => {
          const input = { headers, body: asBytes ? Buffer.from(mutated, 'utf8') : mutated };
          const notification = await settleAsync(() => client.parseNotification(input), [APIV3_KEY]);
          if (notification !== undefined)
            expect(Buffer.from(mutated, 'utf8').equals(Buffer.from(body, 'utf8'))).toBe(true);
        }),
        runs(0.5),
      );
    },
    timeout(0.5),
  );

  it(
    'accept no changed signature header',
    async () => {
      await fc.assert(
        fc.asyncProperty(headerName, fc.oneof(hostileToken, fc.string({ maxLength: 60 })), async (name, value) => {
          fc.pre(value !== headers[name]);
          const input = { headers: { ...headers, [name]: value }, body };
          const notification = await settleAsync(() => client.parseNotification(input), [APIV3_KEY]);
          // Every header is part of the signed message or names its key: no change may pass.
          expect(notification).toBeUndefined();
        }),
        runs(0.5),
      );
    },
    timeout(0.5),
  );

  it(
    'turn input of any shape into a notification or a typed error',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.anything(),
            fc.record({ headers: fc.anything(), body: fc.anything() }),
            fc.record({ headers: fc.dictionary(fc.string(), fc.anything()), body: jsonish }),
          ),
          async (input) => {
            await settleAsync(() => client.parseNotification(input as never), [APIV3_KEY]);
          },
        ),
        runs(),
      );
    },
    timeout(),
  );
});

describe('APIv3 reply signatures', () => {
  it(
    'turn any headers and body into a verified serial or a typed error',
    () => {
      const findKey = (serial: string) => (serial === KEY_ID ? platform.publicKey : undefined);
      fc.assert(
        fc.property(
          fc.oneof(fc.anything(), fc.dictionary(fc.string(), fc.anything()), fc.dictionary(headerName, hostileToken)),
          fc.oneof(jsonish, fc.anything()),
          (anyHeaders, anyBody) => {
            settle(() =>
              verifyWechatpaySignature({ headers: anyHeaders as never, body: anyBody as string, now: clock, findKey }),
            );
          },
        ),
        runs(),
      );
    },
    timeout(),
  );

  it(
    'turn any error reply into a typed API error',
    () => {
      fc.assert(
        fc.property(fc.integer({ min: 100, max: 599 }), jsonish, (status, text) => {
          const error = apiError({ status, headers: { 'request-id': 'r' }, body: text });
          expect(error.status).toBe(status);
          expect(error.message).not.toMatch(/[\r\n]/);
          expect(error.body.length).toBeLessThanOrEqual(64 * 1024);
        }),
        runs(),
      );
    },
    timeout(),
  );
});

describe('certificate downloads', () => {
  it(
    'turn any reply into trusted keys only when it verifies, or a typed error',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            jsonish,
            fc.constantFrom('{"data":[null]}', '{"data":[1]}', '{"data":[{"encrypt_certificate":null}]}'),
          ),
          fc.dictionary(headerName, hostileToken),
          async (text, replyHeaders) => {
            const store = new KeyStore({
              apiv3Key: APIV3_KEY,
              now: clock,
              toleranceSeconds: 300,
              download: async () => ({ status: 200, headers: replyHeaders, body: Buffer.from(text, 'utf8') }),
            });
            await settleAsync(() => store.refresh('mainland'), [APIV3_KEY]);
            // Nothing here is signed by a downloaded certificate, so nothing may be trusted.
            expect(store.serials()).toEqual([]);
          },
        ),
        runs(),
      );
    },
    timeout(),
  );
});

describe('decryption', () => {
  it(
    'turns any sealed input into plaintext or a typed error',
    () => {
      fc.assert(
        fc.property(
          fc.anything(),
          fc.anything(),
          fc.anything(),
          fc.anything(),
          (key, nonce, associatedData, ciphertext) => {
            settle(() => decryptAesGcm({ key, nonce, associatedData, ciphertext } as never));
            settle(() => client.decrypt(ciphertext as string));
          },
        ),
        runs(),
      );
    },
    timeout(),
  );
});

describe('strict base64', () => {
  // The shape of canonical padded base64; the decoder re-encodes instead of testing it, and must refuse no less.
  const CANONICAL_SHAPE = /^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/;
  const likeBase64 = fc
    .array(fc.constantFrom(...'AQRgwz09+/=-_ \n.é'.split('')), { minLength: 1, maxLength: 12 })
    .map((chars) => chars.join(''));
  it(
    'accepts only the canonical padded encoding of some bytes',
    () => {
      fc.assert(
        fc.property(
          fc.oneof(
            likeBase64,
            fc.uint8Array({ minLength: 1 }).map((b) => Buffer.from(b).toString('base64')),
          ),
          (s) => {
            const decoded = decodeStrictBase64(s);
            const canonical = CANONICAL_SHAPE.test(s) && Buffer.from(s, 'base64').toString('base64') === s;
            expect(decoded !== undefined).toBe(canonical);
            if (decoded) expect(decoded.toString('base64')).toBe(s);
          },
        ),
        runs(4),
      );
    },
    timeout(),
  );
});

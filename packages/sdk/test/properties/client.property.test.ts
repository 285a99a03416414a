// Properties of what a caller hands the client: any options, paths, path parameters, fields, queries and headers end
// in a working client or call, or in a typed error (ValidationError before sending, or a typed network error).
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError, Wxpay } from '../../src/index.js';
import { expectTypedFailure, hostileToken, runs, settleAsync, timeout } from '../support/fuzz.js';

const SECRET = 'propertyClientApiv2Key0000000000';
const APIV3_KEY = 'propertyClientApiv3Key0000000000';
const merchantKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
  type: 'pkcs8',
  format: 'pem',
}) as string;

const anyValue = fc.oneof(fc.anything(), hostileToken, fc.constantFrom(Number.NaN, -1, 0, 1e308, ''));

describe('client options', () => {
  it(
    'build a client or fail with a ValidationError, whatever they hold',
    () => {
      const option = fc.constantFrom(
        'mchid',
        'secret',
        'merchant',
        'workwxSecret',
        'baseURL',
        'ca',
        'timeout',
        'serial',
        'privateKey',
        'certs',
        'apiv3Key',
        'clock',
        'region',
        'maxRetries',
        'signatureTolerance',
      );
      fc.assert(
        fc.property(fc.oneof(fc.anything(), fc.dictionary(option, anyValue)), (options) => {
          try {
            expect(JSON.stringify(new Wxpay(options as never))).not.toContain(SECRET);
          } catch (error) {
            expectTypedFailure(error);
            expect(error).toBeInstanceOf(ValidationError);
          }
        }),
        runs(),
      );
    },
    timeout(),
  );
});

describe('calls', () => {
  // Port 1 on loopback refuses at once: a call that gets past validation fails fast as a connection error.
  const client = new Wxpay({
    mchid: '10000098',
    secret: SECRET,
    serial: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
    privateKey: merchantKey,
    apiv3Key: APIV3_KEY,
    baseURL: 'https://127.0.0.1:1',
    maxRetries: 0,
    timeout: 2_000,
  });
  const segment = fc.oneof(
    fc.constantFrom('v2', 'v3', 'mmpaymkttransfers', 'sendredpack', 'getHBInfo', '{id}', '_id_', '..', '.', ''),
    hostileToken,
    fc.string({ maxLength: 8 }),
  );
  const verb = fc.constantFrom('get', 'post', 'put', 'patch', 'delete') as fc.Arbitrary<'get'>;
  const callOptions = fc.oneof(
    fc.anything(),
    fc.record(
      {
        xml: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), anyValue, { maxKeys: 4 }), anyValue),
        json: fc.anything(),
        query: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), anyValue, { maxKeys: 3 }), anyValue),
        headers: fc.oneof(
          fc.dictionary(fc.oneof(hostileToken, fc.string()), fc.oneof(hostileToken, anyValue)),
          anyValue,
        ),
        security: anyValue,
        unsignedReply: anyValue,
        id: anyValue,
      },
      { requiredKeys: [] },
    ),
  );

  it(
    'end in a typed error for any path, verb and options',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(segment, { minLength: 1, maxLength: 4 }),
          verb,
          callOptions,
          async (segments, method, options) => {
            await settleAsync(async () => {
              const node = client.chain(segments.join('/'));
              return node[method](options as never);
            }, [SECRET, APIV3_KEY]);
          },
        ),
        runs(0.05),
      );
    },
    timeout(0.05),
  );
});

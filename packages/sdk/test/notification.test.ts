// Notifications end to end: APIv3 verify-then-decrypt, the Web and Node endpoint adapters, and APIv2 (sign, req_info).
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptAesGcm, encryptAesGcm, encryptRefundReqInfo } from '../src/crypto/aes.js';
import { SignatureVerificationError, ValidationError, WxpayDecryptError, WxpayParseError } from '../src/errors.js';
import { parseV2Notification, parseV2RefundNotification, v2NotificationReply } from '../src/v2/notification.js';
import { signV2 } from '../src/v2/sign.js';
import { buildXml, parseXml } from '../src/v2/xml.js';
import { KeyStore } from '../src/v3/key-store.js';
import {
  isKnownNotification,
  type Notification,
  type NotificationInput,
  type NotifiedTransaction,
  parseNotification,
} from '../src/v3/notification.js';
import {
  createNodeNotificationHandler,
  createWebNotificationHandler,
  type NodeNotificationRequest,
  type NotificationErrorStage,
  RecentNotificationIds,
} from '../src/v3/notification-handlers.js';
import { rejection } from './support/rejection.js';

// --- a "WeChat Pay" that signs notifications with its own key pair ---
const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBLIC_KEY_PEM = platform.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const SERIAL = 'PUB_KEY_ID_0000000000000000000000000000001';
const NOW_SECONDS = 1_722_850_421;
const now = () => NOW_SECONDS * 1000;
const APIV3_KEY = 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb';

const transaction: NotifiedTransaction = {
  mchid: '1900000100',
  appid: 'wxdace645e0bc2cXXX',
  out_trade_no: '20240805100000000001',
  id: '4200000000202408050000000001',
  trade_type: 'JSAPI',
  trade_state: 'SUCCESS',
  trade_state_desc: 'success',
  bank_type: 'OTHERS',
  success_time: '2024-08-05T17:33:41+08:00',
  payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
  amount: { total: 100, payer_total: 100, currency: 'HKD', payer_currency: 'CNY' },
};

interface Built extends NotificationInput {
  headers: Record<string, string>;
  body: string;
}

/** Signs `timestamp\nnonce\nbody\n` as WeChat Pay does. */
function signedHeaders(body: string, signature?: string): Record<string, string> {
  const timestamp = String(NOW_SECONDS);
  const nonce = randomBytes(16).toString('hex');
  const message = Buffer.from(`${timestamp}\n${nonce}\n${body}\n`, 'utf8');
  return {
    'wechatpay-timestamp': timestamp,
    'wechatpay-nonce': nonce,
    'wechatpay-serial': SERIAL,
    'wechatpay-signature': signature ?? sign('sha256', message, platform.privateKey).toString('base64'),
  };
}

function buildNotification(
  options: {
    id?: string;
    eventType?: string;
    resource?: unknown;
    key?: string;
    algorithm?: string;
    sealed?: { nonce: string; associated_data: string; ciphertext: string };
  } = {},
): Built {
  const nonce = randomBytes(6).toString('hex');
  const sealed = options.sealed ?? {
    nonce,
    associated_data: 'transaction',
    ciphertext: encryptAesGcm({
      key: options.key ?? APIV3_KEY,
      nonce,
      associatedData: 'transaction',
      plaintext: JSON.stringify(options.resource ?? transaction),
    }),
  };
  const body = JSON.stringify({
    id: options.id ?? 'EV-2018-0001',
    create_time: '2024-08-05T17:33:42+08:00',
    resource_type: 'encrypt-resource',
    event_type: options.eventType ?? 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource: { original_type: 'transaction', algorithm: options.algorithm ?? 'AEAD_AES_256_GCM', ...sealed },
  });
  return { headers: signedHeaders(body), body };
}

function deps(apiv3Key: string | undefined) {
  return {
    keyStore: new KeyStore({ certs: { [SERIAL]: PUBLIC_KEY_PEM }, now, toleranceSeconds: 300 }),
    apiv3Key,
  };
}

const parse = (input: NotificationInput) => parseNotification(input, deps(APIV3_KEY));

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('parseNotification', () => {
  it('verifies, decrypts and returns a TRANSACTION.SUCCESS notification', async () => {
    const built = buildNotification();
    const notification = await parse(built);
    expect(notification).toEqual({
      id: 'EV-2018-0001',
      create_time: '2024-08-05T17:33:42+08:00',
      event_type: 'TRANSACTION.SUCCESS',
      resource_type: 'encrypt-resource',
      summary: '支付成功',
      resource: transaction,
    });
    expect(isKnownNotification(notification)).toBe(true);
    if (isKnownNotification(notification) && notification.event_type === 'TRANSACTION.SUCCESS') {
      // Type-level check: the discriminated union types `resource` as a transaction here.
      const outTradeNo: string = notification.resource.out_trade_no;
      expect(outTradeNo).toBe('20240805100000000001');
    }
  });

  it('accepts the body as bytes and the headers as a fetch Headers object', async () => {
    const built = buildNotification();
    const notification = await parse({ headers: new Headers(built.headers), body: Buffer.from(built.body, 'utf8') });
    expect(notification.resource).toEqual(transaction);
  });

  it('types refund notifications and leaves unknown event types generic', async () => {
    const refund = { out_refund_no: 'R1', refund_status: 'SUCCESS', amount: { refund: 1, total: 100 } };
    const notification = await parse(buildNotification({ eventType: 'REFUND.SUCCESS', resource: refund }));
    expect(isKnownNotification(notification)).toBe(true);
    if (isKnownNotification(notification) && notification.event_type !== 'TRANSACTION.SUCCESS') {
      expect(notification.resource.out_refund_no).toBe('R1');
    }
    const other = await parse(buildNotification({ eventType: 'COUPON.USE', resource: { stock_id: '1' } }));
    expect(isKnownNotification(other)).toBe(false);
    expect(other.resource).toEqual({ stock_id: '1' });
  });

  it('rejects a tampered body before parsing it', async () => {
    const built = buildNotification();
    const tampered = { ...built, body: built.body.replace('支付成功', '支付失败') };
    const error = await rejection(parse(tampered));
    expect(error).toBeInstanceOf(SignatureVerificationError);
    expect((error as SignatureVerificationError).reason).toBe('signature mismatch');

    // Even a body that is not JSON is refused for its signature, never reaching the JSON parser.
    const garbage = await rejection(parse({ headers: built.headers, body: 'not json' }));
    expect(garbage).toBeInstanceOf(SignatureVerificationError);
  });

  it('rejects a probe signature with the typed error', async () => {
    const built = buildNotification();
    const probe = { ...built, headers: signedHeaders(built.body, 'WECHATPAY/SIGNTEST/abc') };
    const error = await rejection(parse(probe));
    expect(error).toBeInstanceOf(SignatureVerificationError);
    expect((error as SignatureVerificationError).reason).toBe('probe signature');
  });

  it('reports a wrong APIv3 key as WxpayDecryptError', async () => {
    const error = await rejection(parse(buildNotification({ key: 'B'.repeat(32) })));
    expect(error).toBeInstanceOf(WxpayDecryptError);
    expect((error as WxpayDecryptError).reason).toBe('authentication failed');
  });

  it('requires an APIv3 key and the AEAD_AES_256_GCM algorithm', async () => {
    const missing = await rejection(parseNotification(buildNotification(), deps(undefined)));
    expect(missing).toBeInstanceOf(ValidationError);
    expect((missing as ValidationError).field).toBe('options.apiv3Key');

    const algorithm = await rejection(parse(buildNotification({ algorithm: 'AES_128_CBC' })));
    expect(algorithm).toBeInstanceOf(WxpayDecryptError);
    expect((algorithm as WxpayDecryptError).reason).toBe('unsupported algorithm');
  });

  it('reports a signed body that is not a notification as WxpayParseError', async () => {
    const body = '{"id":"x"';
    const error = await rejection(parse({ headers: signedHeaders(body), body }));
    expect(error).toBeInstanceOf(WxpayParseError);
    expect((error as WxpayParseError).body).toBe(body);
  });

  it('decrypts with the AES-256-GCM vector from the documentation', async () => {
    const vector = {
      nonce: 'uluk4a9R25RW',
      associated_data: 'associatedData',
      ciphertext: 'ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=',
    };
    expect(
      decryptAesGcm({
        key: APIV3_KEY,
        nonce: vector.nonce,
        associatedData: vector.associated_data,
        ciphertext: vector.ciphertext,
      }),
    ).toBe('message');
    // Through the notification path: it decrypts (no WxpayDecryptError) to `message`, which is not a JSON object.
    const error = await rejection(parse(buildNotification({ sealed: vector })));
    expect(error).toBeInstanceOf(WxpayParseError);
    expect((error as WxpayParseError).message).toMatch(/decrypted notification resource/);
  });
});

describe('parseNotification with input of the wrong type', () => {
  /** What a JavaScript caller (or a framework adapter with a bug) might pass instead of a notification. */
  const cases: Array<[string, unknown, string]> = [
    ['null input', null, 'input'],
    ['undefined input', undefined, 'input'],
    ['a string input', 'body', 'input'],
    ['null headers', { headers: null, body: '{}' }, 'headers'],
    ['undefined headers', { body: '{}' }, 'headers'],
    ['number headers', { headers: 42, body: '{}' }, 'headers'],
    ['string headers', { headers: 'wechatpay-nonce: x', body: '{}' }, 'headers'],
    ['array headers', { headers: [['wechatpay-nonce', 'x']], body: '{}' }, 'headers'],
    ['null body', { headers: {}, body: null }, 'body'],
    ['undefined body', { headers: {} }, 'body'],
    ['number body', { headers: {}, body: 42 }, 'body'],
    ['parsed JSON body', { headers: {}, body: { id: 'EV-1' } }, 'body'],
  ];

  it.each(cases)('reports %s as a ValidationError naming the field', async (_case, input, field) => {
    const error = await rejection(parse(input as NotificationInput));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe(field);
  });

  it('reports a header value of the wrong type as a ValidationError naming the header', async () => {
    const built = buildNotification();
    const headers = { ...built.headers, 'wechatpay-serial': { serial: SERIAL } };
    const error = await rejection(parse({ headers, body: built.body } as unknown as NotificationInput));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('headers.wechatpay-serial');
  });

  it('still accepts a Uint8Array body', async () => {
    const built = buildNotification();
    const bytes = new Uint8Array(Buffer.from(built.body, 'utf8'));
    expect((await parse({ headers: built.headers, body: Buffer.from(bytes) })).id).toBe('EV-2018-0001');
    expect((await parse({ headers: built.headers, body: bytes })).id).toBe('EV-2018-0001');
  });

  it('refuses a Wechatpay-Nonce with a line break, which could shift the signed lines', async () => {
    const built = buildNotification();
    for (const nonce of [`${built.headers['wechatpay-nonce']}\n`, 'a\r\nb', '\nabc']) {
      const error = await rejection(parse({ ...built, headers: { ...built.headers, 'wechatpay-nonce': nonce } }));
      expect(error).toBeInstanceOf(SignatureVerificationError);
      expect((error as SignatureVerificationError).reason).toBe('invalid nonce');
    }
  });
});

describe('RecentNotificationIds', () => {
  it('forgets the least recently used id beyond its capacity', () => {
    const ids = new RecentNotificationIds(2);
    ids.add('a');
    ids.add('b');
    expect(ids.has('a')).toBe(true); // refreshes `a`
    ids.add('c');
    expect(ids.has('b')).toBe(false);
    expect(ids.has('a')).toBe(true);
    expect(ids.has('c')).toBe(true);
    expect(ids.size).toBe(2);
    expect(() => new RecentNotificationIds(0)).toThrow(ValidationError);
  });
});

function webRequest(built: { headers: Record<string, string>; body: string }): Request {
  return new Request('https://merchant.example/wxpay/notify', {
    method: 'POST',
    headers: { ...built.headers, 'content-type': 'application/json' },
    body: built.body,
  });
}

describe('createWebNotificationHandler', () => {
  it('answers 200 after the handler ran, with the decrypted notification', async () => {
    const received: Notification[] = [];
    const endpoint = createWebNotificationHandler(parse, (n) => {
      received.push(n);
    });
    const response = await endpoint(webRequest(buildNotification()));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ code: 'SUCCESS' });
    expect(received).toHaveLength(1);
    expect(received[0]?.resource).toEqual(transaction);
  });

  it('answers 401 without details on a bad signature, and never calls the handler', async () => {
    const errors: NotificationErrorStage[] = [];
    let calls = 0;
    const endpoint = createWebNotificationHandler(
      parse,
      () => {
        calls++;
      },
      { onError: (_error, stage) => errors.push(stage) },
    );
    const built = buildNotification();
    const response = await endpoint(webRequest({ ...built, body: built.body.replace('EV-2018', 'EV-2019') }));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ code: 'FAIL', message: 'signature verification failed' });
    expect(calls).toBe(0);
    expect(errors).toEqual(['parse']);
  });

  it('answers 500 when the notification cannot be decrypted (wrong APIv3 key)', async () => {
    const endpoint = createWebNotificationHandler(parse, () => undefined);
    const response = await endpoint(webRequest(buildNotification({ key: 'C'.repeat(32) })));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ code: 'FAIL', message: 'notification not processed' });
  });

  it('handles a duplicate delivery once and acknowledges both', async () => {
    let calls = 0;
    const endpoint = createWebNotificationHandler(parse, () => {
      calls++;
    });
    const built = buildNotification({ id: 'EV-DUP' });
    const first = await endpoint(webRequest(built));
    const second = await endpoint(webRequest(buildNotification({ id: 'EV-DUP' })));
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(calls).toBe(1);
  });

  it('handles concurrent duplicate deliveries once', async () => {
    let calls = 0;
    const gate = deferred();
    const endpoint = createWebNotificationHandler(parse, async () => {
      calls++;
      await gate.promise;
    });
    const deliveries = [1, 2, 3].map(() => endpoint(webRequest(buildNotification({ id: 'EV-CONCURRENT' }))));
    // Let all three get past verification and meet at the in-flight check before the handler finishes.
    await new Promise((resolve) => setTimeout(resolve, 50));
    gate.resolve();
    const responses = await Promise.all(deliveries);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(calls).toBe(1);
  });

  it('answers 500 when the handler throws, then handles the redelivery', async () => {
    let calls = 0;
    const stages: NotificationErrorStage[] = [];
    const endpoint = createWebNotificationHandler(
      parse,
      () => {
        calls++;
        if (calls === 1) throw new Error('database down');
      },
      { onError: (_error, stage) => stages.push(stage) },
    );
    const failed = await endpoint(webRequest(buildNotification({ id: 'EV-RETRY' })));
    expect(failed.status).toBe(500);
    const body = await failed.text();
    expect(JSON.parse(body)).toEqual({ code: 'FAIL', message: 'notification handler failed' });
    expect(body).not.toContain('database');
    expect(stages).toEqual(['handler']);

    const redelivered = await endpoint(webRequest(buildNotification({ id: 'EV-RETRY' })));
    expect(redelivered.status).toBe(200);
    const again = await endpoint(webRequest(buildNotification({ id: 'EV-RETRY' })));
    expect(again.status).toBe(200);
    expect(calls).toBe(2);
  });

  it('uses a custom seen-id store, recording only handled ids', async () => {
    const store = new Set<string>();
    const seen = { has: async (id: string) => store.has(id), add: async (id: string) => void store.add(id) };
    const endpoint = createWebNotificationHandler(parse, () => undefined, { seen });
    expect((await endpoint(webRequest(buildNotification({ id: 'EV-STORE' })))).status).toBe(200);
    expect([...store]).toEqual(['EV-STORE']);
  });

  it('refuses an oversized body with 413', async () => {
    let calls = 0;
    const endpoint = createWebNotificationHandler(
      parse,
      () => {
        calls++;
      },
      { maxBodyBytes: 64 },
    );
    const response = await endpoint(webRequest(buildNotification()));
    expect(response.status).toBe(413);
    expect(calls).toBe(0);
  });
});

describe('createNodeNotificationHandler (real http server)', () => {
  let server: Server;
  let baseUrl: string;
  const calls: Record<string, number> = {};
  let failNext = false;

  const handler = (n: Notification) => {
    if (failNext) {
      failNext = false;
      throw new Error('handler failed');
    }
    calls[n.id] = (calls[n.id] ?? 0) + 1;
  };
  const plain = createNodeNotificationHandler(parse, handler);
  const small = createNodeNotificationHandler(parse, handler, { maxBodyBytes: 64 });

  /** Reads the body the way a JSON body parser would, leaving only the parsed object behind (or also rawBody). */
  async function consume(req: NodeNotificationRequest, keepRaw: boolean): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    req.body = JSON.parse(raw.toString('utf8'));
    if (keepRaw) req.rawBody = raw;
  }

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const route = req.url ?? '';
      const run = async () => {
        if (route === '/parsed') await consume(req, false);
        if (route === '/parsed-with-raw') await consume(req, true);
        await (route === '/small' ? small : plain)(req, res);
      };
      run().catch(() => {
        res.statusCode = 599;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const post = (path: string, built: { headers: Record<string, string>; body: string }) =>
    fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { ...built.headers, 'content-type': 'application/json' },
      body: built.body,
    });

  it('reads the raw stream, answers 200, and handles a duplicate once', async () => {
    const first = await post('/', buildNotification({ id: 'N-1' }));
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ code: 'SUCCESS' });
    const duplicate = await post('/', buildNotification({ id: 'N-1' }));
    expect(duplicate.status).toBe(200);
    await duplicate.text();
    expect(calls['N-1']).toBe(1);
  });

  it('answers 401 for a tampered body', async () => {
    const built = buildNotification({ id: 'N-2' });
    const response = await post('/', { ...built, body: built.body.replace('N-2', 'N-3') });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ code: 'FAIL', message: 'signature verification failed' });
    expect(calls['N-2']).toBeUndefined();
    expect(calls['N-3']).toBeUndefined();
  });

  it('handles concurrent duplicates once', async () => {
    const responses = await Promise.all([1, 2, 3].map(() => post('/', buildNotification({ id: 'N-C' }))));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    await Promise.all(responses.map((r) => r.text()));
    expect(calls['N-C']).toBe(1);
  });

  it('answers 500 when the handler throws, then handles the redelivery', async () => {
    failNext = true;
    const failed = await post('/', buildNotification({ id: 'N-4' }));
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ code: 'FAIL', message: 'notification handler failed' });
    const redelivered = await post('/', buildNotification({ id: 'N-4' }));
    expect(redelivered.status).toBe(200);
    await redelivered.text();
    expect(calls['N-4']).toBe(1);
  });

  it('refuses a body a JSON parser already consumed, explaining why', async () => {
    const response = await post('/parsed', buildNotification({ id: 'N-5' }));
    expect(response.status).toBe(500);
    const reply = (await response.json()) as { code: string; message: string };
    expect(reply.code).toBe('FAIL');
    expect(reply.message).toMatch(/raw request body/);
    expect(reply.message).toMatch(/express\.raw/);
    expect(calls['N-5']).toBeUndefined();
  });

  it('accepts req.rawBody kept by a body parser', async () => {
    const response = await post('/parsed-with-raw', buildNotification({ id: 'N-6' }));
    expect(response.status).toBe(200);
    await response.text();
    expect(calls['N-6']).toBe(1);
  });

  it('answers 413 for a body over the cap', async () => {
    const response = await post('/small', buildNotification({ id: 'N-7' }));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ code: 'FAIL', message: 'notification body too large' });
    expect(calls['N-7']).toBeUndefined();
  });
});

// --- APIv2 ---
const V2_KEY = '192006250b4c09247ec02edce69f6a2d';
const official = {
  appid: 'wxd930ea5d5a258f4f',
  mch_id: '10000100',
  device_info: '1000',
  body: 'test',
  nonce_str: 'ibuaiVcKdpRxkhJA',
};

describe('parseV2Notification', () => {
  it('accepts the official vector (MD5) and an HMAC-SHA256 sign, keeping every value a string', () => {
    const md5 = buildXml({ ...official, sign: '9A0A8659F005D6984697E2CA0A9CF3B7' });
    expect(parseV2Notification(md5, V2_KEY)).toEqual({ ...official, sign: '9A0A8659F005D6984697E2CA0A9CF3B7' });

    const fields = {
      ...official,
      sign_type: 'HMAC-SHA256',
      transaction_id: '4200000000202408050000000001',
      total_fee: '1',
    };
    const hmac = buildXml({ ...fields, sign: signV2(fields, V2_KEY, 'HMAC-SHA256') });
    const parsed = parseV2Notification(Buffer.from(hmac, 'utf8'), V2_KEY);
    expect(parsed.transaction_id).toBe('4200000000202408050000000001');
  });

  it("takes the algorithm from the notification's own sign_type (MD5 when absent), never from the sign's length", () => {
    const { sign_type: _, ...md5Fields } = { ...official, sign_type: 'MD5' };
    // An HMAC-SHA256 sign on a notification that does not say HMAC-SHA256 is refused, and the other way round.
    const hmacWithoutType = buildXml({ ...md5Fields, sign: signV2(md5Fields, V2_KEY, 'HMAC-SHA256') });
    expect(() => parseV2Notification(hmacWithoutType, V2_KEY)).toThrow(
      expect.objectContaining({ name: 'SignatureVerificationError', reason: 'sign mismatch' }),
    );
    const hmacFields = { ...official, sign_type: 'HMAC-SHA256' };
    const md5WithHmacType = buildXml({ ...hmacFields, sign: signV2(hmacFields, V2_KEY, 'MD5') });
    expect(() => parseV2Notification(md5WithHmacType, V2_KEY)).toThrow(
      expect.objectContaining({ reason: 'sign mismatch' }),
    );
    const oddFields = { ...official, sign_type: 'SHA1' };
    const odd = buildXml({ ...oddFields, sign: signV2(oddFields, V2_KEY, 'MD5') });
    expect(() => parseV2Notification(odd, V2_KEY)).toThrow(
      expect.objectContaining({ name: 'SignatureVerificationError', reason: 'unsupported sign_type' }),
    );
    // Found by the fuzz run: a line separator in the echoed value must not split the message into two log lines.
    const splitFields = { ...official, sign_type: 'HMAC\u2028SHA256\n' };
    const split = buildXml({ ...splitFields, sign: signV2(splitFields, V2_KEY, 'MD5') });
    expect(() => parseV2Notification(split, V2_KEY)).toThrow(
      expect.objectContaining({ message: expect.not.stringMatching(/[\n\u2028]/) }),
    );
  });

  it('rejects a tampered, unsigned or nested notification', () => {
    const tampered = buildXml({ ...official, body: 'test2', sign: '9A0A8659F005D6984697E2CA0A9CF3B7' });
    expect(() => parseV2Notification(tampered, V2_KEY)).toThrow(SignatureVerificationError);
    expect(() => parseV2Notification(buildXml(official), V2_KEY)).toThrow(
      expect.objectContaining({ name: 'SignatureVerificationError', reason: 'missing sign' }),
    );
    expect(() => parseV2Notification(tampered, V2_KEY)).toThrow(expect.objectContaining({ reason: 'sign mismatch' }));
    const nested = `<xml>${buildXml(official).slice(5, -6)}<extra><a>1</a></extra><sign>9A0A8659F005D6984697E2CA0A9CF3B7</sign></xml>`;
    expect(() => parseV2Notification(nested, V2_KEY)).toThrow(WxpayParseError);
    expect(() => parseV2Notification('<!DOCTYPE x><xml/>', V2_KEY)).toThrow(WxpayParseError);
    expect(() => parseV2Notification(buildXml(official), '')).toThrow(ValidationError);
  });
});

describe('parseV2RefundNotification', () => {
  const inner = {
    transaction_id: '4200000000202408050000000001',
    out_trade_no: '20240805100000000001',
    refund_id: '50000000000000000000000000001',
    out_refund_no: 'R20240805000001',
    total_fee: '100',
    refund_fee: '100',
    refund_status: 'SUCCESS',
    success_time: '2024-08-05 17:40:00',
    refund_recv_accout: '支付用户零钱',
  };
  const outer = {
    return_code: 'SUCCESS',
    appid: 'wx2421b1c4370ec43b',
    mch_id: '10000100',
    nonce_str: 'TeqClE3i0mvn3DrK',
  };
  const notification = (key: string) =>
    buildXml({ ...outer, req_info: encryptRefundReqInfo(buildXml(inner, 'root'), key) });

  it('decrypts req_info with the md5 of the APIv2 key', () => {
    expect(parseV2RefundNotification(notification(V2_KEY), V2_KEY)).toEqual({ ...outer, req_info: inner });
  });

  it('reports a wrong key as WxpayDecryptError', () => {
    expect(() => parseV2RefundNotification(notification('another-apiv2-key-000000000000000'), V2_KEY)).toThrow(
      WxpayDecryptError,
    );
    // Decrypts, but not to a <root> document: still a decryption failure, and the plaintext is not quoted.
    const wrongRoot = buildXml({ ...outer, req_info: encryptRefundReqInfo(buildXml(inner), V2_KEY) });
    expect(() => parseV2RefundNotification(wrongRoot, V2_KEY)).toThrow(WxpayDecryptError);
    expect(() => parseV2RefundNotification(buildXml(outer), V2_KEY)).toThrow(WxpayParseError);
  });
});

describe('v2NotificationReply', () => {
  it('builds the SUCCESS/OK and FAIL replies', () => {
    expect(v2NotificationReply(true)).toBe('<xml><return_code>SUCCESS</return_code><return_msg>OK</return_msg></xml>');
    expect(parseXml(v2NotificationReply(false, 'sign <bad>'))).toEqual({
      return_code: 'FAIL',
      return_msg: 'sign <bad>',
    });
  });
});

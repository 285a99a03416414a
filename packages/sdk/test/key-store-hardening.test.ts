// KeyStore against hostile input and careless logging: malformed certificates replies are typed errors, a downloaded
// item that is not a certificate is the server's fault (not a ValidationError), signature headers with line breaks
// are refused, automatic downloads are rate limited whatever triggers them, and no view of a store shows key material.
import { createPublicKey, webcrypto } from 'node:crypto';
import { format, inspect } from 'node:util';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  SignatureVerificationError,
  UnknownSerialError,
  ValidationError,
  WxpayDecryptError,
  WxpayError,
  WxpayParseError,
} from '../src/errors.js';
import { Wxpay } from '../src/index.js';
import type { TransportResponse } from '../src/transport.js';
import { type ApiFamily, KeyStore, type KeyStoreOptions } from '../src/v3/key-store.js';
import { verifyWechatpaySignature } from '../src/v3/verifier.js';
import { rejection } from './support/rejection.js';
import { createV3Keys, randomAlphanumeric, signReply, type V3Keys } from './support/v3-keys.js';
import {
  type CertificateListEntry,
  certificateListEntry,
  certificatesReply,
  renderV3Reply,
  type V3Reply,
  type V3ReplySigner,
} from './support/v3-server.js';
import { dayMs, loadX509 } from './support/x509.js';

const minute = 60_000;
const hour = 60 * minute;

type Download = (family: ApiFamily) => Promise<TransportResponse>;

interface ManualClock {
  now: () => number;
  advance(ms: number): void;
  set(ms: number): void;
}

function manualClock(start = Date.now()): ManualClock {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
    set: (ms) => {
      current = ms;
    },
  };
}

let keys: V3Keys;
/** A self-signed ECDSA P-256 certificate: a real certificate, but not one whose key can verify WeChat Pay's RSA signatures. */
let ecCertificatePem: string;

beforeAll(async () => {
  keys = await createV3Keys();
  const x509 = await loadX509();
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const ecKeys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '3C3C3C3C3C3C3C3C',
    name: 'CN=not a WeChat Pay platform certificate',
    notBefore: new Date(Date.now() - dayMs),
    notAfter: new Date(Date.now() + dayMs),
    keys: ecKeys,
    signingAlgorithm: algorithm,
  });
  ecCertificatePem = certificate.toString('pem');
});

/** A rendered reply as the transport reports it: header names lowercased, as undici gives them. */
function transportReply(clock: ManualClock, reply: V3Reply): TransportResponse {
  const rendered = renderV3Reply(keys, reply, clock.now());
  const headers = Object.fromEntries(
    Object.entries(rendered.headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  return { status: rendered.status, headers, body: rendered.body };
}

function businessReply(clock: ManualClock, sign: V3ReplySigner, extra: Partial<V3Reply> = {}): TransportResponse {
  return transportReply(clock, { body: '{"out_trade_no":"1217752501201407033233368018"}', sign, ...extra });
}

function certificatesResponse(clock: ManualClock, certs?: readonly CertificateListEntry[]): TransportResponse {
  const list = certs ?? [keys.platformOld, keys.platformNew].map(certificateListEntry);
  return transportReply(clock, { body: certificatesReply(keys.apiv3Key, list), sign: 'platform-new' });
}

function createStore(clock: ManualClock, options: Partial<KeyStoreOptions> = {}): KeyStore {
  return new KeyStore({ now: clock.now, toleranceSeconds: 300, ...options });
}

function verify(store: KeyStore, reply: TransportResponse): Promise<string> {
  return store.verify(reply.headers, reply.body, 'mainland');
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((onResolve) => {
    resolve = onResolve;
  });
  return { promise, resolve };
}

describe('KeyStore with a malformed certificates reply', () => {
  const signedBy = 'platform-new' as const;
  const bodies: Array<[string, string | Buffer]> = [
    ['data: [null]', '{"data":[null]}'],
    ['data: [1]', '{"data":[1]}'],
    ['data: ["x"]', '{"data":["x"]}'],
    ['data: [[]]', '{"data":[[]]}'],
    ['encrypt_certificate: null', '{"data":[{"serial_no":"AB","encrypt_certificate":null}]}'],
    ['no encrypt_certificate', '{"data":[{"serial_no":"AB"}]}'],
    [
      'a number for a nonce',
      '{"data":[{"serial_no":"AB","encrypt_certificate":{"algorithm":"AEAD_AES_256_GCM","nonce":1,"associated_data":"certificate","ciphertext":"AAAA"}}]}',
    ],
    [
      'no serial_no',
      '{"data":[{"encrypt_certificate":{"algorithm":"AEAD_AES_256_GCM","nonce":"000000000000","associated_data":"certificate","ciphertext":"AAAA"}}]}',
    ],
    ['data: "x"', '{"data":"x"}'],
    ['data: {}', '{"data":{}}'],
    ['null', 'null'],
    ['an array', '[]'],
    ['a string', '"x"'],
    ['empty', ''],
    ['not JSON', '<html>502</html>'],
    ['non-UTF-8 bytes', Buffer.from([0x7b, 0x22, 0x64, 0xff, 0xfe, 0x22, 0x3a, 0x5b, 0x5d, 0x7d])],
  ];

  it.each(bodies)('refuses %s with WxpayParseError and trusts nothing', async (_case, body) => {
    const clock = manualClock();
    const signed = transportReply(clock, { body: typeof body === 'string' ? body : '', sign: signedBy });
    const download = vi.fn<Download>(async () => ({ ...signed, body: Buffer.isBuffer(body) ? body : signed.body }));
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download });
    const error = await rejection(store.refresh('mainland'));
    expect(error).toBeInstanceOf(WxpayParseError);
    expect((error as WxpayParseError).status).toBe(200);
    expect(store.serials()).toEqual([]);
    // Through verification too: still typed, never a TypeError.
    const viaVerify = await rejection(verify(store, businessReply(clock, 'platform-new')));
    expect(viaVerify).toBeInstanceOf(WxpayError);
  });

  it('refuses an unsupported algorithm as WxpayDecryptError', async () => {
    const clock = manualClock();
    const body = certificatesReply(keys.apiv3Key, [certificateListEntry(keys.platformNew)]).replace(
      'AEAD_AES_256_GCM',
      'AES_128_CBC',
    );
    const download = vi.fn<Download>(async () => transportReply(clock, { body, sign: signedBy }));
    const error = await rejection(createStore(clock, { apiv3Key: keys.apiv3Key, download }).refresh('mainland'));
    expect(error).toBeInstanceOf(WxpayDecryptError);
    expect((error as WxpayDecryptError).reason).toBe('unsupported algorithm');
  });
});

describe('KeyStore with a downloaded item that is not a usable certificate', () => {
  const entry = (pem: string): CertificateListEntry => ({
    ...certificateListEntry(keys.platformNew),
    serial: '3C3C3C3C3C3C3C3C',
    pem,
  });

  it.each([
    ['text', () => 'SECRET-LOOKING PLAINTEXT that is no certificate', 'is not a certificate'],
    ['a private key', () => keys.merchant.privateKeyPem, 'is not a certificate'],
    ['an ECDSA certificate', () => ecCertificatePem, 'is not an RSA certificate'],
  ])('reports %s as WxpayParseError, not ValidationError', async (_case, plaintext, message) => {
    const clock = manualClock();
    const download = vi.fn<Download>(async () => certificatesResponse(clock, [entry(plaintext())]));
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download });
    const error = await rejection(store.refresh('mainland'));
    expect(error).toBeInstanceOf(WxpayParseError);
    expect(error).not.toBeInstanceOf(ValidationError);
    expect((error as WxpayParseError).message).toContain(`downloaded item 0 ${message}`);
    // The decrypted plaintext is never quoted.
    expect(inspect(error)).not.toContain('SECRET-LOOKING');
    expect(inspect(error)).not.toContain('PRIVATE KEY');
    expect(store.serials()).toEqual([]);
  });
});

describe('verifyWechatpaySignature with line breaks in the signature headers', () => {
  /** A genuine reply whose body holds a line break, signed by the WeChat Pay public key. */
  function genuine() {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomAlphanumeric(32);
    const body = '{"note":"first"}\n{"amount":1}';
    const signature = signReply({ timestamp, nonce, body, privateKey: keys.publicKey.privateKey });
    return {
      body,
      headers: {
        'wechatpay-timestamp': timestamp,
        'wechatpay-nonce': nonce,
        'wechatpay-signature': signature,
        'wechatpay-serial': keys.publicKey.id,
      },
    };
  }

  const check = (headers: Record<string, string>, body: string) =>
    verifyWechatpaySignature({
      headers,
      body,
      findKey: (serial) => (serial === keys.publicKey.id ? keys.publicKey.publicKey : undefined),
    });

  function reason(fn: () => unknown): string {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(SignatureVerificationError);
      return (error as SignatureVerificationError).reason;
    }
    throw new Error('verification passed');
  }

  it('refuses a nonce that moves the first body line into the nonce (a different body under the same signature)', () => {
    const reply = genuine();
    expect(check(reply.headers, reply.body)).toBe(keys.publicKey.id);
    // `timestamp\nnonce\n{"note":"first"}\n{"amount":1}\n` read with the nonce `nonce\n{"note":"first"}` and the body
    // `{"amount":1}` is the very same signed message.
    const [first, rest] = reply.body.split('\n') as [string, string];
    const shifted = { ...reply.headers, 'wechatpay-nonce': `${reply.headers['wechatpay-nonce']}\n${first}` };
    expect(reason(() => check(shifted, rest))).toBe('invalid nonce');
  });

  it.each(['\n', '\r', '\r\n'])('refuses %j in any signature header', (lineBreak) => {
    const reply = genuine();
    const withBreak = (name: string) => ({
      ...reply.headers,
      [name]: `${reply.headers[name as keyof typeof reply.headers]}${lineBreak}`,
    });
    expect(reason(() => check(withBreak('wechatpay-nonce'), reply.body))).toBe('invalid nonce');
    expect(reason(() => check(withBreak('wechatpay-timestamp'), reply.body))).toBe('invalid timestamp');
    expect(reason(() => check(withBreak('wechatpay-signature'), reply.body))).toBe('invalid signature encoding');
    expect(reason(() => check(withBreak('wechatpay-serial'), reply.body))).toBe('invalid serial');
  });

  it('refuses a serial that cannot name a key (joined duplicates, spaces, control characters) without a lookup', () => {
    const reply = genuine();
    const findKey = vi.fn(() => keys.publicKey.publicKey);
    for (const serial of [`${keys.publicKey.id}, ${keys.publicKey.id}`, ' A1', 'A\u0000B', 'A'.repeat(200)]) {
      const headers = { ...reply.headers, 'wechatpay-serial': serial };
      expect(reason(() => verifyWechatpaySignature({ headers, body: reply.body, findKey }))).toBe('invalid serial');
    }
    expect(findKey).not.toHaveBeenCalled();
  });

  it('names a bad header value type as a caller mistake', () => {
    const reply = genuine();
    const headers = { ...reply.headers, 'wechatpay-nonce': { toString: () => 'x' } } as unknown as Record<
      string,
      string
    >;
    try {
      check(headers, reply.body);
      throw new Error('verification passed');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe('headers.wechatpay-nonce');
    }
  });
});

describe('KeyStore automatic downloads', () => {
  it('refuses with "no platform key" while rate limited with no key, without downloading', async () => {
    const clock = manualClock();
    const failure = new Error('certificates endpoint unavailable');
    const download = vi.fn<Download>(async () => {
      throw failure;
    });
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download });
    expect(await rejection(verify(store, businessReply(clock, 'platform-new')))).toEqual(
      new Error('certificates endpoint unavailable'),
    );
    clock.advance(minute - 1);
    const error = await rejection(verify(store, businessReply(clock, 'platform-new')));
    expect(error).toBeInstanceOf(SignatureVerificationError);
    expect(error).not.toBeInstanceOf(UnknownSerialError);
    expect((error as SignatureVerificationError).reason).toBe('no platform key');
    // Why there is no key: the failed download, as cause and (quoted) in the message, with the time to wait.
    expect((error as Error).cause).toBe(failure);
    expect((error as Error).message).toContain('"certificates endpoint unavailable"');
    expect((error as Error).message).toContain('allowed in 1 s');
    expect(download).toHaveBeenCalledTimes(1);
    clock.advance(1);
    await rejection(verify(store, businessReply(clock, 'platform-new')));
    expect(download).toHaveBeenCalledTimes(2);
  });

  it('lets an explicit refresh skip the interval but share a download in flight', async () => {
    const clock = manualClock();
    const pending = deferred<TransportResponse>();
    const download = vi
      .fn<Download>()
      .mockImplementationOnce(() => pending.promise)
      .mockImplementation(async () => certificatesResponse(clock));
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download });
    const automatic = verify(store, businessReply(clock, 'platform-new'));
    const explicit = store.refresh('mainland');
    expect(download).toHaveBeenCalledTimes(1);
    pending.resolve(certificatesResponse(clock));
    await expect(Promise.all([automatic, explicit])).resolves.toEqual([
      keys.platformNew.serial,
      // The explicit refresh joined the download in flight and resolves to the set it verified.
      expect.arrayContaining([expect.objectContaining({ serial: keys.platformNew.serial })]),
    ]);

    await store.refresh('mainland');
    expect(download).toHaveBeenCalledTimes(2);
    // ...and an explicit download restarts the interval for the automatic ones.
    clock.advance(minute - 1);
    const stranger = { serial: '5EC0ND0000000000000000000000000A', privateKey: keys.merchant.privateKey };
    await expect(verify(store, businessReply(clock, stranger))).rejects.toThrow(UnknownSerialError);
    expect(download).toHaveBeenCalledTimes(2);
  });

  it('never starts a background refresh for a reply that does not verify', async () => {
    const clock = manualClock();
    const download = vi.fn<Download>(async () => certificatesResponse(clock));
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download, refreshEveryMs: hour });
    await verify(store, businessReply(clock, 'platform-new'));
    expect(download).toHaveBeenCalledTimes(1);

    clock.advance(hour + 1);
    for (const tamper of ['body', 'nonce', 'timestamp'] as const) {
      await expect(verify(store, businessReply(clock, 'platform-new', { tamper }))).rejects.toThrow(
        SignatureVerificationError,
      );
    }
    expect(download).toHaveBeenCalledTimes(1);
    await verify(store, businessReply(clock, 'platform-new'));
    expect(download).toHaveBeenCalledTimes(2);
  });

  it('recovers when the clock steps back, instead of waiting for it to catch up', async () => {
    const clock = manualClock();
    const download = vi.fn<Download>(async () => {
      throw new Error('certificates endpoint unavailable');
    });
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download });
    await rejection(verify(store, businessReply(clock, 'platform-new')));
    clock.advance(-hour);
    await rejection(verify(store, businessReply(clock, 'platform-new')));
    expect(download).toHaveBeenCalledTimes(2);
    await rejection(verify(store, businessReply(clock, 'platform-new')));
    expect(download).toHaveBeenCalledTimes(2);
  });

  it('fails closed on a clock that answers NaN, without downloading', async () => {
    const clock = manualClock();
    const download = vi.fn<Download>(async () => certificatesResponse(clock));
    const reply = businessReply(clock, 'platform-new');
    clock.set(Number.NaN);
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download });
    const error = await rejection(verify(store, reply));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('now');
    expect(download).not.toHaveBeenCalled();
  });

  it('refuses a minRefreshIntervalMs that would switch the rate limit off', () => {
    for (const minRefreshIntervalMs of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
      expect(() => createStore(manualClock(), { minRefreshIntervalMs })).toThrow(ValidationError);
    }
  });
});

describe('KeyStore with configured keys of the wrong kind', () => {
  function fieldOf(certs: Record<string, unknown>): string {
    try {
      createStore(manualClock(), { certs: certs as Record<string, string> });
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      return (error as ValidationError).field;
    }
    throw new Error('the store was built');
  }

  it('names the entry in a ValidationError, whatever is wrong with it', () => {
    const serial = keys.platformNew.serial;
    expect(fieldOf({ [serial]: 123 })).toBe(`options.certs.${serial}`);
    expect(fieldOf({ [serial]: null })).toBe(`options.certs.${serial}`);
    expect(fieldOf({ [serial]: 'not a certificate' })).toBe(`options.certs.${serial}`);
    expect(fieldOf({ '3C3C3C3C3C3C3C3C': ecCertificatePem })).toBe('options.certs.3C3C3C3C3C3C3C3C');
    expect(fieldOf({ [keys.publicKey.id]: keys.merchant.privateKeyPem })).toBe(`options.certs.${keys.publicKey.id}`);
  });

  it('accepts a certificate PEM kept with literal \\n escapes, as environment variables hold it', () => {
    const escaped = keys.platformNew.pem.trim().replaceAll('\n', '\\n');
    const store = createStore(manualClock(), { certs: { [keys.platformNew.serial]: escaped } });
    expect(store.serials()).toEqual([keys.platformNew.serial]);
  });
});

describe('views of a KeyStore', () => {
  async function loadedStore(): Promise<KeyStore> {
    const clock = manualClock();
    const store = createStore(clock, {
      certs: { [keys.publicKey.id]: keys.publicKey.publicKeyPem, [keys.platformOld.serial]: keys.platformOld.pem },
      apiv3Key: keys.apiv3Key,
      download: async () => certificatesResponse(clock),
    });
    await store.refresh('mainland');
    return store;
  }

  /** Text that would betray key material: PEM armour, base64 lines of the keys, the APIv3 key, key objects. */
  function expectNoKeyMaterial(text: string): void {
    expect(text).not.toMatch(/BEGIN|END |PUBLIC KEY|CERTIFICATE-----/);
    expect(text).not.toContain(keys.apiv3Key);
    expect(text).not.toMatch(/KeyObject|asymmetricKey/);
    for (const pem of [keys.publicKey.publicKeyPem, keys.platformOld.pem, keys.platformNew.pem]) {
      const line = pem.split('\n')[3] ?? '';
      expect(line.length).toBeGreaterThan(20);
      expect(text).not.toContain(line);
    }
    const der = createPublicKey(keys.publicKey.publicKeyPem).export({ type: 'spki', format: 'der' });
    expect(text).not.toContain(der.subarray(40, 60).toString('hex'));
    expect(text).not.toContain(der.subarray(40, 60).toString('base64'));
  }

  it('inspect, console formatting and JSON show serials and booleans only', async () => {
    const store = await loadedStore();
    const serials = [keys.publicKey.id, keys.platformOld.serial, keys.platformNew.serial];
    const view = { serials, canDownload: true, apiv3Key: 'configured' };

    expect(JSON.parse(JSON.stringify(store))).toEqual(view);
    expect(store.toJSON()).toEqual(view);
    const texts = [
      inspect(store),
      inspect(store, { showHidden: true, depth: Number.POSITIVE_INFINITY, getters: true }),
      format('%o', store),
      format('%O', store),
      format('%s', store),
      format('%j', store),
      String(store),
      JSON.stringify(store),
    ];
    for (const text of texts) expectNoKeyMaterial(text);
    expect(inspect(store)).toContain('KeyStore');
    expect(inspect(store)).toContain(keys.platformNew.serial);
    expect(inspect(store)).toContain("apiv3Key: 'configured'");
  });

  it('has no enumerable own property to spread or copy', async () => {
    const store = await loadedStore();
    expect(Object.keys(store)).toEqual([]);
    expect(Object.getOwnPropertyNames(store)).toEqual([]);
    expect(Object.getOwnPropertySymbols(store)).toEqual([]);
    expect({ ...store }).toEqual({});
    expect(structuredClone(store)).toEqual({});
  });

  it('says when no APIv3 key is configured, and the client view of its store is just as bare', () => {
    const store = createStore(manualClock(), { certs: { [keys.publicKey.id]: keys.publicKey.publicKeyPem } });
    expect(store.toJSON()).toEqual({ serials: [keys.publicKey.id], canDownload: false, apiv3Key: 'absent' });

    const wxpay = new Wxpay({
      apiv3Key: keys.apiv3Key,
      certs: { [keys.publicKey.id]: keys.publicKey.publicKeyPem },
    });
    for (const text of [inspect(wxpay.keyStore), format('%o', wxpay.keyStore), JSON.stringify(wxpay.keyStore)]) {
      expectNoKeyMaterial(text);
    }
  });
});

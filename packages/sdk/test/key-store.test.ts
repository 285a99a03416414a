// Tests of KeyStore: configured keys, trusted bootstrap of downloaded platform certificates, unknown-serial refresh
// (single-flight, rate limited), rotation, public-key and mixed mode, and the background refresh of stale downloads.
// Hostile replies, header syntax, rate limits of every trigger and the store's log views: key-store-hardening.test.ts.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  SignatureVerificationError,
  UnknownSerialError,
  ValidationError,
  WxpayAPIError,
  WxpayDecryptError,
} from '../src/errors.js';
import type { TransportResponse } from '../src/transport.js';
import { type ApiFamily, KeyStore, type KeyStoreOptions } from '../src/v3/key-store.js';
import { createV3Keys, type TestCertificate, type V3Keys } from './support/v3-keys.js';
import {
  type CertificateListEntry,
  certificateListEntry,
  certificatesReply,
  renderV3Reply,
  type V3Reply,
  type V3ReplySigner,
} from './support/v3-server.js';

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

type Download = (family: ApiFamily) => Promise<TransportResponse>;

/** A clock moved by hand: rate limits and staleness are about time, and really waiting would be slow and flaky. */
interface ManualClock {
  now: () => number;
  advance(ms: number): void;
}

function manualClock(start = Date.now()): ManualClock {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
  };
}

let keys: V3Keys;

beforeAll(async () => {
  keys = await createV3Keys();
});

/** A rendered reply as the transport reports it: header names lowercased, as undici gives them. */
function transportReply(clock: ManualClock, reply: V3Reply): TransportResponse {
  const rendered = renderV3Reply(keys, reply, clock.now());
  const headers = Object.fromEntries(
    Object.entries(rendered.headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  return { status: rendered.status, headers, body: rendered.body };
}

/** An ordinary business reply (what `verify` is normally asked about), signed by `sign`. */
function businessReply(clock: ManualClock, sign: V3ReplySigner, extra: Partial<V3Reply> = {}): TransportResponse {
  return transportReply(clock, { body: '{"out_trade_no":"1217752501201407033233368018"}', sign, ...extra });
}

interface CertificatesReplyOptions {
  certs?: readonly (TestCertificate | CertificateListEntry)[];
  apiv3Key?: string;
  sign?: V3ReplySigner;
}

/** A `/v3/certificates` reply; by default both platform certificates, sealed with the right key, signed by the new one. */
function certificatesResponse(clock: ManualClock, options: CertificatesReplyOptions = {}): TransportResponse {
  const certs = (options.certs ?? [keys.platformOld, keys.platformNew]).map((cert) =>
    'privateKey' in cert ? certificateListEntry(cert) : cert,
  );
  const body = certificatesReply(options.apiv3Key ?? keys.apiv3Key, certs);
  return transportReply(clock, { body, sign: options.sign ?? 'platform-new' });
}

/** A download that answers (at call time, so timestamps follow the clock) with `certificatesResponse(options)`. */
function fakeDownload(clock: ManualClock, options: CertificatesReplyOptions = {}) {
  return vi.fn<Download>(async () => certificatesResponse(clock, options));
}

function createStore(clock: ManualClock, options: Partial<KeyStoreOptions> = {}): KeyStore {
  return new KeyStore({ now: clock.now, toleranceSeconds: 300, ...options });
}

function verify(store: KeyStore, reply: TransportResponse, family: ApiFamily = 'mainland'): Promise<string> {
  return store.verify(reply.headers, reply.body, family);
}

/** A promise settled from outside, to hold a download in flight. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  return { promise, resolve, reject };
}

/** Lets pending promise callbacks (a background refresh finishing) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('KeyStore with configured keys', () => {
  it('verifies with a configured WeChat Pay public key and downloads nothing', async () => {
    const clock = manualClock();
    const download = fakeDownload(clock);
    const store = createStore(clock, {
      certs: { [keys.publicKey.id]: keys.publicKey.publicKeyPem },
      apiv3Key: keys.apiv3Key,
      download,
    });
    await expect(verify(store, businessReply(clock, 'pubkey'))).resolves.toBe(keys.publicKey.id);
    expect(download).not.toHaveBeenCalled();
  });

  it('rejects a tampered reply under a configured key without refreshing', async () => {
    const clock = manualClock();
    const download = fakeDownload(clock);
    const store = createStore(clock, {
      certs: { [keys.publicKey.id]: keys.publicKey.publicKeyPem },
      apiv3Key: keys.apiv3Key,
      download,
    });
    for (const tamper of ['body', 'nonce', 'timestamp'] as const) {
      const error = await verify(store, businessReply(clock, 'pubkey', { tamper })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SignatureVerificationError);
      expect((error as SignatureVerificationError).reason).toBe('signature mismatch');
    }
    expect(download).not.toHaveBeenCalled();
  });

  it('refuses a certificate listed under another serial', () => {
    const clock = manualClock();
    const build = () => createStore(clock, { certs: { [keys.platformOld.serial]: keys.platformNew.pem } });
    expect(build).toThrow(ValidationError);
    expect(build).toThrow(keys.platformNew.serial);
    try {
      build();
    } catch (error) {
      expect((error as ValidationError).field).toBe(`options.certs.${keys.platformOld.serial}`);
    }
  });

  it('accepts a certificate listed under its lowercase serial and keeps the leading zero', async () => {
    expect(keys.platformOld.serial).toMatch(/^0[0-9A-F]+$/);
    const clock = manualClock();
    const store = createStore(clock, { certs: { [keys.platformOld.serial.toLowerCase()]: keys.platformOld.pem } });
    expect(store.serials()).toEqual([keys.platformOld.serial]);
    await expect(verify(store, businessReply(clock, 'platform-old'))).resolves.toBe(keys.platformOld.serial);
  });

  it('fails an unknown serial at once when it cannot download', async () => {
    const clock = manualClock();
    const download = fakeDownload(clock);
    // A download function but no APIv3 key: certificates could not be decrypted, so none are fetched.
    const store = createStore(clock, { certs: { [keys.platformOld.serial]: keys.platformOld.pem }, download });
    expect(store.canDownload).toBe(false);
    await expect(verify(store, businessReply(clock, 'platform-new'))).rejects.toThrow(UnknownSerialError);
    expect(download).not.toHaveBeenCalled();
  });
});

describe('KeyStore bootstrap download', () => {
  it('trusts downloaded certificates that decrypt with the APIv3 key and sign their own reply', async () => {
    const clock = manualClock();
    const download = fakeDownload(clock);
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download });
    await expect(verify(store, businessReply(clock, 'platform-new'), 'global')).resolves.toBe(keys.platformNew.serial);
    expect(download).toHaveBeenCalledTimes(1);
    expect(download).toHaveBeenCalledWith('global');
    expect(store.serials().sort()).toEqual([keys.platformOld.serial, keys.platformNew.serial].sort());
    await expect(verify(store, businessReply(clock, 'platform-old'))).resolves.toBe(keys.platformOld.serial);
    expect(download).toHaveBeenCalledTimes(1);
  });

  it('hands back the verified certificates of an explicit refresh, PEM and validity, joining one in flight', async () => {
    const clock = manualClock();
    const download = fakeDownload(clock);
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download });
    const [first, joined] = await Promise.all([store.refresh('mainland'), store.refresh('mainland')]);
    expect(download).toHaveBeenCalledTimes(1);
    expect(joined).toEqual(first);
    const bySerial = new Map(first.map((c) => [c.serial, c]));
    for (const certificate of [keys.platformOld, keys.platformNew]) {
      expect(bySerial.get(certificate.serial)).toEqual({
        serial: certificate.serial,
        pem: certificate.pem,
        notBefore: certificate.notBefore.getTime(),
        notAfter: certificate.notAfter.getTime(),
      });
    }
    expect(first).toHaveLength(2);
  });

  it('trusts nothing that does not decrypt with the APIv3 key', async () => {
    const clock = manualClock();
    const download = fakeDownload(clock, { apiv3Key: 'an0therApiV3KeyOf32Characters000' });
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download });
    await expect(verify(store, businessReply(clock, 'platform-new'))).rejects.toThrow(WxpayDecryptError);
    expect(store.serials()).toEqual([]);
  });

  it('trusts nothing when the reply is signed by a key outside the downloaded set', async () => {
    const clock = manualClock();
    // Decrypts fine, but anybody who knows the APIv3 key could have built it: the signature is what vouches for it.
    const stranger = { serial: '7E57AB1E7E57AB1E7E57AB1E7E57AB1E', privateKey: keys.merchant.privateKey };
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download: fakeDownload(clock, { sign: stranger }) });
    const error = await verify(store, businessReply(clock, 'platform-new')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignatureVerificationError);
    expect((error as SignatureVerificationError).reason).toBe('unknown serial');
    expect(store.serials()).toEqual([]);
  });

  it('trusts nothing when the reply names a downloaded serial but another key signed it', async () => {
    const clock = manualClock();
    const impostor = { serial: keys.platformNew.serial, privateKey: keys.merchant.privateKey };
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download: fakeDownload(clock, { sign: impostor }) });
    const error = await verify(store, businessReply(clock, 'platform-new')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignatureVerificationError);
    expect((error as SignatureVerificationError).reason).toBe('signature mismatch');
    expect(store.serials()).toEqual([]);
  });

  it('trusts nothing when a downloaded certificate is listed under another serial', async () => {
    const clock = manualClock();
    const mislabelled = { ...certificateListEntry(keys.platformNew), serial: keys.platformOld.serial };
    const store = createStore(clock, {
      apiv3Key: keys.apiv3Key,
      download: fakeDownload(clock, { certs: [mislabelled], sign: 'platform-new' }),
    });
    const error = await verify(store, businessReply(clock, 'platform-new')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignatureVerificationError);
    expect((error as SignatureVerificationError).reason).toBe('certificate serial mismatch');
    expect(store.serials()).toEqual([]);
  });
});

describe('KeyStore refresh on an unknown serial', () => {
  it('downloads once for a rotated certificate and keeps trusting the old one', async () => {
    const clock = manualClock();
    const download = vi
      .fn<Download>()
      .mockImplementationOnce(async () =>
        certificatesResponse(clock, { certs: [keys.platformOld], sign: 'platform-old' }),
      )
      // After the switch WeChat Pay may list only the new certificate; replies signed earlier still name the old one.
      .mockImplementation(async () => certificatesResponse(clock, { certs: [keys.platformNew] }));
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download });
    await expect(verify(store, businessReply(clock, 'platform-old'))).resolves.toBe(keys.platformOld.serial);
    expect(store.serials()).toEqual([keys.platformOld.serial]);

    clock.advance(minute + 1_000); // past the default rate limit of 60 s
    await expect(verify(store, businessReply(clock, 'platform-new'))).resolves.toBe(keys.platformNew.serial);
    expect(download).toHaveBeenCalledTimes(2);
    await expect(verify(store, businessReply(clock, 'platform-old'))).resolves.toBe(keys.platformOld.serial);
    expect(download).toHaveBeenCalledTimes(2);
  });

  it('does not download again for another unknown serial within the rate limit', async () => {
    const clock = manualClock();
    const download = fakeDownload(clock);
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download, minRefreshIntervalMs: 5 * minute });
    await verify(store, businessReply(clock, 'platform-new'));
    expect(download).toHaveBeenCalledTimes(1);

    const unknown = { serial: '5EC0ND0000000000000000000000000A', privateKey: keys.merchant.privateKey };
    clock.advance(5 * minute - 1);
    const error = await verify(store, businessReply(clock, unknown)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownSerialError);
    expect((error as UnknownSerialError).reason).toBe('unknown serial');
    expect((error as UnknownSerialError).serial).toBe(unknown.serial);
    expect(download).toHaveBeenCalledTimes(1);

    clock.advance(1);
    await expect(verify(store, businessReply(clock, unknown))).rejects.toThrow(UnknownSerialError);
    expect(download).toHaveBeenCalledTimes(2);
  });

  it('never downloads for an unknown public key id: certificates cannot provide one', async () => {
    const clock = manualClock();
    const download = fakeDownload(clock);
    const store = createStore(clock, {
      certs: { [keys.platformNew.serial]: keys.platformNew.pem },
      apiv3Key: keys.apiv3Key,
      download,
    });
    await expect(verify(store, businessReply(clock, 'pubkey'))).rejects.toThrow(UnknownSerialError);
    expect(download).not.toHaveBeenCalled();
  });
});

describe('KeyStore single-flight refresh', () => {
  it('lets concurrent callers share one download, and downloads again once it has finished', async () => {
    const clock = manualClock();
    const pending = deferred<TransportResponse>();
    const download = vi
      .fn<Download>()
      .mockImplementationOnce(() => pending.promise)
      .mockImplementation(async () => certificatesResponse(clock));
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download });

    const waiting = [
      verify(store, businessReply(clock, 'platform-new')),
      verify(store, businessReply(clock, 'platform-old')),
      store.refresh('mainland'),
      store.refresh('global'),
      store.refresh('mainland'),
    ];
    expect(download).toHaveBeenCalledTimes(1);
    pending.resolve(certificatesResponse(clock));
    await expect(Promise.all(waiting)).resolves.toEqual([
      keys.platformNew.serial,
      keys.platformOld.serial,
      // Each refresh resolves to the set the shared download verified.
      expect.arrayContaining([expect.objectContaining({ serial: keys.platformNew.serial })]),
      expect.arrayContaining([expect.objectContaining({ serial: keys.platformNew.serial })]),
      expect.arrayContaining([expect.objectContaining({ serial: keys.platformNew.serial })]),
    ]);
    expect(download).toHaveBeenCalledTimes(1);

    await store.refresh('mainland');
    expect(download).toHaveBeenCalledTimes(2);
  });

  it('rejects every caller of a failed download and frees the slot for the next one after the interval', async () => {
    const clock = manualClock();
    const pending = deferred<TransportResponse>();
    const download = vi
      .fn<Download>()
      .mockImplementationOnce(() => pending.promise)
      .mockImplementation(async () => certificatesResponse(clock));
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download });

    const failure = new Error('connection reset');
    const waiting = [verify(store, businessReply(clock, 'platform-new')), store.refresh('mainland')];
    pending.reject(failure);
    for (const outcome of await Promise.allSettled(waiting)) {
      expect(outcome).toEqual({ status: 'rejected', reason: failure });
    }
    // Right after the failure nothing is sent: with no key, verification fails closed until the interval has passed.
    await expect(verify(store, businessReply(clock, 'platform-new'))).rejects.toMatchObject({
      reason: 'no platform key',
    });
    expect(download).toHaveBeenCalledTimes(1);
    clock.advance(minute);
    await expect(verify(store, businessReply(clock, 'platform-new'))).resolves.toBe(keys.platformNew.serial);
    expect(download).toHaveBeenCalledTimes(2);
  });
});

describe('KeyStore for a merchant without platform certificates', () => {
  it('turns 404 RESOURCE_NOT_EXISTS into an API error that says to configure the WeChat Pay public key', async () => {
    const clock = manualClock();
    const body =
      '{"code":"RESOURCE_NOT_EXISTS","message":"无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥。"}';
    const download = vi.fn<Download>(async () => {
      throw new WxpayAPIError({
        status: 404,
        code: 'RESOURCE_NOT_EXISTS',
        apiMessage: '无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥。',
        requestId: '08F4C0B8A50610B50518A4E1B0D00A2A8E9B01',
        body,
      });
    });
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download });
    const error = await verify(store, businessReply(clock, 'pubkey')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WxpayAPIError);
    const apiError = error as WxpayAPIError;
    expect(apiError.message).toMatch(/WeChat Pay public key/);
    expect(apiError.message).toContain('PUB_KEY_ID_');
    expect(apiError).toMatchObject({
      status: 404,
      code: 'RESOURCE_NOT_EXISTS',
      requestId: '08F4C0B8A50610B50518A4E1B0D00A2A8E9B01',
      body,
    });
    expect(store.serials()).toEqual([]);
  });

  it('passes other API errors through unchanged', async () => {
    const clock = manualClock();
    const failure = new WxpayAPIError({ status: 500, code: 'SYSTEM_ERROR', apiMessage: 'busy', body: '{}' });
    const download = vi.fn<Download>(async () => {
      throw failure;
    });
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download });
    await expect(store.refresh('mainland')).rejects.toBe(failure);
  });
});

describe('KeyStore.encryptionKey', () => {
  it('prefers the WeChat Pay public key wherever it is listed', () => {
    const clock = manualClock();
    const store = createStore(clock, {
      certs: {
        [keys.platformNew.serial]: keys.platformNew.pem,
        [keys.platformOld.serial]: keys.platformOld.pem,
        [keys.publicKey.id]: keys.publicKey.publicKeyPem,
      },
    });
    const chosen = store.encryptionKey();
    expect(chosen.serial).toBe(keys.publicKey.id);
    expect(chosen.key.equals(keys.publicKey.publicKey)).toBe(true);
  });

  it('otherwise picks the newest certificate that is valid now', () => {
    // The old certificate is listed first, so insertion order alone would pick the wrong one.
    const certs = {
      [keys.platformOld.serial]: keys.platformOld.pem,
      [keys.platformNew.serial]: keys.platformNew.pem,
    };
    const today = createStore(manualClock(), { certs }).encryptionKey();
    expect(today.serial).toBe(keys.platformNew.serial);
    expect(today.key.equals(keys.platformNew.publicKey)).toBe(true);

    const beforeTheNewOne = manualClock(keys.platformNew.notBefore.getTime() - day);
    expect(createStore(beforeTheNewOne, { certs }).encryptionKey().serial).toBe(keys.platformOld.serial);

    const afterTheOldOne = manualClock(keys.platformOld.notAfter.getTime() + day);
    expect(createStore(afterTheOldOne, { certs }).encryptionKey().serial).toBe(keys.platformNew.serial);
  });

  it('refuses when no key is valid', () => {
    expect(() => createStore(manualClock()).encryptionKey()).toThrow(ValidationError);
    const afterBoth = manualClock(keys.platformNew.notAfter.getTime() + day);
    const store = createStore(afterBoth, {
      certs: { [keys.platformNew.serial]: keys.platformNew.pem, [keys.platformOld.serial]: keys.platformOld.pem },
    });
    expect(() => store.encryptionKey()).toThrow(ValidationError);
  });

  it('uses downloaded certificates once they are trusted', async () => {
    const clock = manualClock();
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download: fakeDownload(clock) });
    expect(() => store.encryptionKey()).toThrow(ValidationError);
    await store.refresh('mainland');
    expect(store.encryptionKey().serial).toBe(keys.platformNew.serial);
  });
});

describe('KeyStore in mixed mode (public key and platform certificates)', () => {
  it('verifies replies signed with either kind of configured key', async () => {
    const clock = manualClock();
    const store = createStore(clock, {
      certs: { [keys.publicKey.id]: keys.publicKey.publicKeyPem, [keys.platformOld.serial]: keys.platformOld.pem },
    });
    await expect(verify(store, businessReply(clock, 'pubkey'))).resolves.toBe(keys.publicKey.id);
    await expect(verify(store, businessReply(clock, 'platform-old'))).resolves.toBe(keys.platformOld.serial);
  });

  it('downloads certificates only when a reply names one, keeping the public key for encryption', async () => {
    const clock = manualClock();
    const download = fakeDownload(clock);
    const store = createStore(clock, {
      certs: { [keys.publicKey.id]: keys.publicKey.publicKeyPem },
      apiv3Key: keys.apiv3Key,
      download,
    });
    await expect(verify(store, businessReply(clock, 'pubkey'))).resolves.toBe(keys.publicKey.id);
    expect(download).not.toHaveBeenCalled();
    await expect(verify(store, businessReply(clock, 'platform-new'))).resolves.toBe(keys.platformNew.serial);
    expect(download).toHaveBeenCalledTimes(1);
    await expect(verify(store, businessReply(clock, 'pubkey'))).resolves.toBe(keys.publicKey.id);
    expect(store.encryptionKey().serial).toBe(keys.publicKey.id);
  });
});

describe('KeyStore background refresh', () => {
  it('refreshes stale downloads in the background while the old certificates keep verifying', async () => {
    const clock = manualClock();
    const background = deferred<TransportResponse>();
    const download = vi
      .fn<Download>()
      .mockImplementationOnce(async () => certificatesResponse(clock))
      .mockImplementationOnce(() => background.promise)
      .mockImplementation(async () => certificatesResponse(clock));
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download, refreshEveryMs: hour });
    await verify(store, businessReply(clock, 'platform-new'));
    expect(download).toHaveBeenCalledTimes(1);

    clock.advance(hour);
    await verify(store, businessReply(clock, 'platform-new'));
    expect(download).toHaveBeenCalledTimes(1);

    clock.advance(1);
    // Resolves although the refresh it started is still in flight: nobody waits for a background refresh.
    await expect(verify(store, businessReply(clock, 'platform-new'))).resolves.toBe(keys.platformNew.serial);
    expect(download).toHaveBeenCalledTimes(2);
    await verify(store, businessReply(clock, 'platform-old'));
    expect(download).toHaveBeenCalledTimes(2);

    background.resolve(certificatesResponse(clock));
    await settle();
    clock.advance(hour - 1);
    await verify(store, businessReply(clock, 'platform-new'));
    expect(download).toHaveBeenCalledTimes(2); // the finished refresh counts as fresh
  });

  it('keeps trusting the old certificates when a background refresh fails, and tries again later', async () => {
    const clock = manualClock();
    const download = vi
      .fn<Download>()
      .mockImplementationOnce(async () => certificatesResponse(clock))
      .mockImplementationOnce(async () => {
        throw new Error('certificates endpoint unavailable');
      })
      .mockImplementation(async () => certificatesResponse(clock));
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download, refreshEveryMs: hour });
    await verify(store, businessReply(clock, 'platform-new'));

    clock.advance(hour + 1);
    await expect(verify(store, businessReply(clock, 'platform-new'))).resolves.toBe(keys.platformNew.serial);
    await settle();
    expect(download).toHaveBeenCalledTimes(2);
    expect(store.serials()).toHaveLength(2);

    clock.advance(2 * minute);
    await expect(verify(store, businessReply(clock, 'platform-old'))).resolves.toBe(keys.platformOld.serial);
    expect(download).toHaveBeenCalledTimes(3);
  });

  // During an outage of the certificates endpoint, a failed background refresh must not be retried on every verify.
  it('rate limits retries after a failed background refresh', async () => {
    const clock = manualClock();
    const download = vi
      .fn<Download>()
      .mockImplementationOnce(async () => certificatesResponse(clock))
      .mockImplementation(async () => {
        throw new Error('certificates endpoint unavailable');
      });
    const store = createStore(clock, { apiv3Key: keys.apiv3Key, download, refreshEveryMs: hour });
    await verify(store, businessReply(clock, 'platform-new'));

    clock.advance(hour + 1);
    for (let i = 0; i < 5; i++) {
      await verify(store, businessReply(clock, 'platform-new'));
      await settle();
      clock.advance(1_000);
    }
    // One background attempt; the next ones must wait for the 60 s minimum interval.
    expect(download).toHaveBeenCalledTimes(2);
  });
});

// Per-client store of the keys WeChat Pay signs with: configured platform certificates and public keys, plus platform
// certificates downloaded from the certificates endpoint, trusted only when they decrypt AND the reply verifies.
// Downloads are single-flight and rate limited, so forged notifications cannot make the merchant call WeChat Pay.
import type { KeyObject } from 'node:crypto';
import type { InspectOptions } from 'node:util';
import { loadPublicKey } from '../crypto/rsa.js';
import {
  quoteRemote,
  SignatureVerificationError,
  UnknownSerialError,
  ValidationError,
  WxpayAPIError,
} from '../errors.js';
import type { TransportResponse } from '../transport.js';
import {
  type DownloadedCertificates,
  openCertificatesReply,
  type PlatformCertificateFile,
  readCertificate,
  type TrustedKey,
} from './certificates-reply.js';
import { type HeaderRecord, verifyWechatpaySignature } from './verifier.js';

/** Which certificates endpoint serves a merchant: `/v3/certificates` or `/v3/global/certificates`. */
export type ApiFamily = 'mainland' | 'global';

export interface KeyStoreOptions {
  /** Configured keys: platform certificate serial -> certificate PEM, or `PUB_KEY_ID_...` -> public key PEM. */
  certs?: Readonly<Record<string, string | Buffer>> | undefined;
  /** The APIv3 key; without it nothing is downloaded. */
  apiv3Key?: string | undefined;
  /**
   * Fetches the certificates endpoint once (signed by the client, reply NOT yet verified). It should not retry by
   * itself: the store decides how often the endpoint is called.
   */
  download?: ((family: ApiFamily) => Promise<TransportResponse>) | undefined;
  now: () => number;
  toleranceSeconds: number;
  /**
   * Smallest interval, measured with `now`, between the start of a download and the start of the next automatic one
   * (first load, unknown serial, background refresh). Default 60 s. An explicit `refresh()` is not held back by it.
   */
  minRefreshIntervalMs?: number;
  /** Age after which downloaded certificates are refreshed in the background. Default 12 h. */
  refreshEveryMs?: number;
}

/** What a KeyStore shows of itself in logs, `util.inspect` and JSON: names and flags, never key material. */
export interface KeyStoreView {
  /** Serials and public key ids currently trusted. */
  serials: string[];
  canDownload: boolean;
  apiv3Key: 'configured' | 'absent';
}

const PUBLIC_KEY_ID = /^PUB_KEY_ID_[0-9A-Za-z]+$/;

/**
 * The keys that verify WeChat Pay's replies and notifications. All state is in `#private` fields, so spreading,
 * `Object.keys` or a structured clone copy nothing, and `util.inspect` / `JSON.stringify` show {@link KeyStoreView}.
 *
 * Certificate downloads (when `apiv3Key` and `download` are configured) are single-flight: concurrent triggers share
 * one. Automatic downloads (no key yet, an unknown serial, stale downloads) also start at most once per
 * `minRefreshIntervalMs`, so a flood of forged notifications costs at most one signed request a minute. Only
 * syntactically valid, current signatures from an unknown key trigger one; a failed verification never does.
 */
export class KeyStore {
  readonly #keys = new Map<string, TrustedKey>();
  readonly #options: KeyStoreOptions;
  readonly #minRefreshIntervalMs: number;
  #refreshing: Promise<DownloadedCertificates> | undefined;
  /** When (by `now`) the last download started, whether it succeeded or not. */
  #lastAttempt: number | undefined;
  #lastSuccess: number | undefined;
  /** Why the last download failed (cleared by a successful one): the cause of a `no platform key` error. */
  #lastFailure: unknown;

  constructor(options: KeyStoreOptions) {
    const minRefreshIntervalMs = options.minRefreshIntervalMs ?? 60_000;
    // NaN or a negative interval would switch the rate limit off; Infinity would mean "never download again".
    if (!Number.isFinite(minRefreshIntervalMs) || minRefreshIntervalMs < 0) {
      throw new ValidationError('minRefreshIntervalMs', 'a finite number of milliseconds >= 0');
    }
    this.#options = options;
    this.#minRefreshIntervalMs = minRefreshIntervalMs;
    for (const [name, pem] of Object.entries(options.certs ?? {})) this.#addConfigured(name, pem);
  }

  /** Whether certificates can be downloaded (an APIv3 key and a signed client are configured). */
  get canDownload(): boolean {
    return Boolean(this.#options.download && this.#options.apiv3Key);
  }

  /** Serials and public key ids currently trusted. */
  serials(): string[] {
    return [...this.#keys.keys()];
  }

  find(serial: string): KeyObject | undefined {
    return this.#keys.get(serial)?.key;
  }

  /**
   * Verifies a reply or notification (see verifyWechatpaySignature for the checks and their reasons). A signature that
   * is well formed and current but names an unknown key triggers an automatic download (single-flight, rate limited)
   * and one more attempt; with no key at all, even a public key id does, since the endpoint's 404 then tells the
   * merchant to configure its public key. A download failure is reported as such (e.g. WxpayAPIError) to the callers
   * that waited for it. Afterwards, while no key is held and the rate limit holds the next download back,
   * verification fails closed without sending anything: SignatureVerificationError reason `no platform key`, with the
   * failed download's error as `cause`. With keys held, an unknown serial is an UnknownSerialError. Stale downloads
   * are refreshed in the background after a successful verification.
   */
  async verify(headers: HeaderRecord, body: string | Uint8Array, family: ApiFamily): Promise<string> {
    let serial: string;
    try {
      serial = this.#verifyWithKeysHeld(headers, body);
    } catch (error) {
      if (!(error instanceof UnknownSerialError) || !this.#downloadMayProvide(error.serial)) throw error;
      await this.#refreshAutomatically(family);
      if (this.#keys.size === 0) throw this.#noPlatformKey();
      serial = this.#verifyWithKeysHeld(headers, body);
    }
    this.#refreshIfStale(family);
    return serial;
  }

  /** Made once: verification runs per reply and per notification. */
  readonly #findKey = (serial: string): KeyObject | undefined => this.find(serial);

  #verifyWithKeysHeld(headers: HeaderRecord, body: string | Uint8Array): string {
    return verifyWechatpaySignature({
      headers,
      body,
      now: this.#options.now,
      toleranceSeconds: this.#options.toleranceSeconds,
      findKey: this.#findKey,
    });
  }

  /** The key to encrypt sensitive fields with: a WeChat Pay public key if configured, else the newest valid certificate. */
  encryptionKey(): { serial: string; key: KeyObject } {
    const now = this.#options.now();
    let best: [string, TrustedKey] | undefined;
    for (const entry of this.#keys) {
      const [serial, stored] = entry;
      if (PUBLIC_KEY_ID.test(serial)) return { serial, key: stored.key };
      if (stored.notBefore <= now && now < stored.notAfter && (!best || stored.notBefore > best[1].notBefore)) {
        best = entry;
      }
    }
    if (!best) {
      throw new ValidationError(
        'options.certs',
        'a WeChat Pay public key or a valid platform certificate is needed to encrypt (configure certs, or call a certificate refresh first)',
      );
    }
    return { serial: best[0], key: best[1].key };
  }

  /**
   * Downloads the platform certificates now, as `client.refreshCertificates()` asks, and adds the ones that decrypt
   * and sign the reply. A download already in flight is shared instead of starting another; otherwise one starts even
   * within `minRefreshIntervalMs` (the caller asked for it), and the interval of automatic downloads restarts from it.
   */
  async refresh(family: ApiFamily): Promise<PlatformCertificateFile[]> {
    const downloaded = await (this.#refreshing ?? this.#startDownload(family));
    return [...downloaded].map(([serial, { pem, notBefore, notAfter }]) => ({ serial, pem, notBefore, notAfter }));
  }

  /** Names and flags only: what JSON.stringify shows (and what logs should show) of a store. */
  toJSON(): KeyStoreView {
    return {
      serials: this.serials(),
      canDownload: this.canDownload,
      apiv3Key: this.#options.apiv3Key ? 'configured' : 'absent',
    };
  }

  /** `util.inspect`, `console.log` and `%o` show the same view as toJSON, never the keys or the options. */
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: InspectOptions,
    inspect: (value: unknown, options?: InspectOptions) => string,
  ): string {
    return `KeyStore ${inspect(this.toJSON(), options)}`;
  }

  /** A public key id cannot come from the certificates endpoint, unless the store has no key at all (see verify). */
  #downloadMayProvide(serial: string): boolean {
    return this.canDownload && (this.#keys.size === 0 || !PUBLIC_KEY_ID.test(serial));
  }

  /** Joins a download in flight, or starts one unless the last one started less than the interval ago. */
  async #refreshAutomatically(family: ApiFamily): Promise<void> {
    if (this.#refreshing) {
      await this.#refreshing;
      return;
    }
    const now = this.#now();
    const elapsed = this.#lastAttempt === undefined ? Number.POSITIVE_INFINITY : now - this.#lastAttempt;
    // A clock stepped back (elapsed < 0) says nothing about when the last download was: allow one, which restarts the
    // interval from the new time, rather than wait until the clock is back where it was.
    if (elapsed >= 0 && elapsed < this.#minRefreshIntervalMs) return;
    await this.#startDownload(family);
  }

  /** Starts a background refresh when the downloaded certificates are older than `refreshEveryMs`. */
  #refreshIfStale(family: ApiFamily): void {
    if (!this.canDownload || this.#lastSuccess === undefined) return;
    if (this.#options.now() - this.#lastSuccess <= (this.#options.refreshEveryMs ?? 12 * 3_600_000)) return;
    // Old certificates stay trusted meanwhile; a failed background refresh is tried again after the interval.
    this.#refreshAutomatically(family).catch(() => undefined);
  }

  #startDownload(family: ApiFamily): Promise<DownloadedCertificates> {
    this.#lastAttempt = this.#now();
    const download = this.#download(family)
      .then(
        (downloaded) => {
          this.#lastFailure = undefined;
          return downloaded;
        },
        (error: unknown) => {
          this.#lastFailure = error;
          throw error;
        },
      )
      .finally(() => {
        this.#refreshing = undefined;
      });
    this.#refreshing = download;
    return download;
  }

  /** The injected clock, refusing NaN: it would make every interval comparison false and switch the rate limit off. */
  #now(): number {
    const now = this.#options.now();
    if (!Number.isFinite(now)) throw new ValidationError('now', 'must return unix milliseconds');
    return now;
  }

  /** Fail closed without sending: no key, and the rate limit holds the next download back. */
  #noPlatformKey(): SignatureVerificationError {
    const waitMs = (this.#lastAttempt ?? 0) + this.#minRefreshIntervalMs - this.#options.now();
    const failure = this.#lastFailure;
    // The failure's message may quote the server: quoted and cut short.
    const why = failure instanceof Error ? ` (${quoteRemote(failure.message, 400)})` : '';
    const error = new SignatureVerificationError(
      'no platform key',
      `signature verification failed: no platform key: none is configured and the last certificate download failed${why}; ` +
        `the next automatic one is allowed in ${Math.max(1, Math.ceil(waitMs / 1000))} s (refreshCertificates() may run now)`,
    );
    error.cause = failure;
    return error;
  }

  async #download(family: ApiFamily): Promise<DownloadedCertificates> {
    const download = this.#options.download;
    const apiv3Key = this.#options.apiv3Key;
    if (!download || !apiv3Key) return new Map();
    let reply: TransportResponse;
    try {
      reply = await download(family);
    } catch (error) {
      if (error instanceof WxpayAPIError && error.status === 404 && error.code === 'RESOURCE_NOT_EXISTS') {
        throw new WxpayAPIError({
          ...error,
          hint: 'this merchant has no platform certificates: configure its WeChat Pay public key instead, as certs: { "PUB_KEY_ID_...": publicKeyPem }',
        });
      }
      throw error;
    }
    const downloaded = openCertificatesReply(reply, apiv3Key);
    // Trust the set only if the reply itself is signed by one of these certificates (or a key already trusted).
    verifyWechatpaySignature({
      headers: reply.headers,
      body: reply.body,
      now: this.#options.now,
      toleranceSeconds: this.#options.toleranceSeconds,
      findKey: (serial) => downloaded.get(serial)?.key ?? this.find(serial),
    });
    // Old certificates are kept: during rotation WeChat Pay may still sign with the previous one.
    for (const [serial, { key, notBefore, notAfter }] of downloaded)
      this.#keys.set(serial, { key, notBefore, notAfter });
    this.#lastSuccess = this.#options.now();
    return downloaded;
  }

  /** Configured keys are the caller's: a problem with one is a ValidationError naming it. */
  #addConfigured(name: string, pem: unknown): void {
    const field = `options.certs.${name}`;
    if (typeof pem !== 'string' && !Buffer.isBuffer(pem)) throw new ValidationError(field, 'PEM text or its bytes');
    try {
      if (PUBLIC_KEY_ID.test(name)) {
        this.#keys.set(name, { key: loadPublicKey(pem), notBefore: 0, notAfter: Number.POSITIVE_INFINITY });
        return;
      }
      if (!/^[0-9A-Fa-f]+$/.test(name)) {
        throw new ValidationError(field, 'key must be a certificate serial (hex) or PUB_KEY_ID_...');
      }
      const { serial, trusted } = readCertificate(pem);
      if (serial !== name.toUpperCase()) {
        throw new ValidationError(field, `certificate serial is ${serial}, not the key it is listed under`);
      }
      this.#keys.set(serial, trusted);
    } catch (error) {
      if (error instanceof ValidationError && error.field !== field) throw new ValidationError(field, error.rule);
      throw error;
    }
  }
}

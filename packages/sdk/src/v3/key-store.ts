// Per-client store of the keys WeChat Pay signs with: configured platform certificates and public keys, plus platform
// certificates downloaded from the certificates endpoint, trusted only when they decrypt AND the reply verifies.
import { type KeyObject, X509Certificate } from 'node:crypto';
import { decryptAesGcm } from '../crypto/aes.js';
import { certificateSerial, loadPublicKey } from '../crypto/rsa.js';
import {
  SignatureVerificationError,
  UnknownSerialError,
  ValidationError,
  WxpayAPIError,
  WxpayParseError,
} from '../errors.js';
import type { TransportResponse } from '../transport.js';
import { type HeaderRecord, verifyWechatpaySignature } from './verifier.js';

/** Which certificates endpoint serves a merchant: `/v3/certificates` or `/v3/global/certificates`. */
export type ApiFamily = 'mainland' | 'global';

export interface KeyStoreOptions {
  /** Configured keys: platform certificate serial -> certificate PEM, or `PUB_KEY_ID_...` -> public key PEM. */
  certs?: Readonly<Record<string, string | Buffer>> | undefined;
  /** The APIv3 key; without it nothing is downloaded. */
  apiv3Key?: string | undefined;
  /** Fetches the certificates endpoint (signed by the client, reply NOT yet verified). */
  download?: ((family: ApiFamily) => Promise<TransportResponse>) | undefined;
  now: () => number;
  toleranceSeconds: number;
  /** Smallest interval between two downloads (rate limit for unknown-serial refreshes). Default 60 s. */
  minRefreshIntervalMs?: number;
  /** Age after which downloaded certificates are refreshed in the background. Default 12 h. */
  refreshEveryMs?: number;
}

interface StoredKey {
  key: KeyObject;
  /** Unix ms from which the key may be used to encrypt (0 for public keys). */
  notBefore: number;
  notAfter: number;
}

interface DownloadedCertificate {
  serial_no?: unknown;
  effective_time?: unknown;
  expire_time?: unknown;
  encrypt_certificate?: { algorithm?: unknown; nonce?: unknown; associated_data?: unknown; ciphertext?: unknown };
}

const PUBLIC_KEY_ID = /^PUB_KEY_ID_[0-9A-Za-z]+$/;

export class KeyStore {
  readonly #keys = new Map<string, StoredKey>();
  readonly #options: KeyStoreOptions;
  #refreshing: Promise<void> | undefined;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  #lastSuccess: number | undefined;

  constructor(options: KeyStoreOptions) {
    this.#options = options;
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
   * Verifies a reply or notification. An unknown serial triggers one certificate refresh (single-flight, rate limited)
   * and one more attempt; everything else fails at once.
   */
  async verify(headers: HeaderRecord, body: Buffer | string, family: ApiFamily): Promise<string> {
    await this.#ensureLoaded(family);
    const attempt = () =>
      verifyWechatpaySignature({
        headers,
        body,
        now: this.#options.now,
        toleranceSeconds: this.#options.toleranceSeconds,
        findKey: (serial) => this.find(serial),
      });
    try {
      return attempt();
    } catch (error) {
      if (!(error instanceof UnknownSerialError) || !this.canDownload || PUBLIC_KEY_ID.test(error.serial)) throw error;
      await this.refresh(family, { rateLimited: true });
      return attempt();
    }
  }

  /** The key to encrypt sensitive fields with: a WeChat Pay public key if configured, else the newest valid certificate. */
  encryptionKey(): { serial: string; key: KeyObject } {
    const now = this.#options.now();
    let best: [string, StoredKey] | undefined;
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
   * Downloads the platform certificates and adds the ones that decrypt and sign the reply. Concurrent callers share one
   * download; with `rateLimited`, a download within `minRefreshIntervalMs` of the previous attempt is skipped.
   */
  refresh(family: ApiFamily, { rateLimited = false } = {}): Promise<void> {
    if (this.#refreshing) return this.#refreshing;
    const minInterval = this.#options.minRefreshIntervalMs ?? 60_000;
    if (rateLimited && this.#options.now() - this.#lastAttempt < minInterval) return Promise.resolve();
    this.#lastAttempt = this.#options.now();
    this.#refreshing = this.#download(family).finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /** Loads certificates when there are none yet, and refreshes stale downloads in the background. */
  async #ensureLoaded(family: ApiFamily): Promise<void> {
    if (!this.canDownload) return;
    // Without any key nothing can verify, so each call may try (single-flight); a stale set is refreshed at most once
    // per interval, so an unreachable certificates endpoint is not hit on every call.
    if (this.#keys.size === 0) return this.refresh(family);
    const age = this.#lastSuccess === undefined ? undefined : this.#options.now() - this.#lastSuccess;
    if (age !== undefined && age > (this.#options.refreshEveryMs ?? 12 * 3_600_000)) {
      // Old certificates stay trusted meanwhile; a failed background refresh is retried on the next call.
      this.refresh(family, { rateLimited: true }).catch(() => undefined);
    }
  }

  async #download(family: ApiFamily): Promise<void> {
    const download = this.#options.download;
    const apiv3Key = this.#options.apiv3Key;
    if (!download || !apiv3Key) return;
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
    const text = reply.body.toString('utf8');
    let list: DownloadedCertificate[];
    try {
      const parsed = JSON.parse(text) as { data?: unknown };
      if (!Array.isArray(parsed.data)) throw new Error('no data array');
      list = parsed.data as DownloadedCertificate[];
    } catch {
      throw new WxpayParseError('the certificates reply is not the expected JSON', text, reply.status);
    }
    const downloaded = new Map<string, StoredKey>();
    for (const item of list) {
      const sealed = item.encrypt_certificate;
      const pem = decryptAesGcm({
        key: apiv3Key,
        nonce: String(sealed?.nonce ?? ''),
        associatedData: String(sealed?.associated_data ?? ''),
        ciphertext: String(sealed?.ciphertext ?? ''),
      });
      const serial = certificateSerial(pem);
      if (serial !== String(item.serial_no).toUpperCase()) {
        throw new SignatureVerificationError('certificate serial mismatch');
      }
      downloaded.set(serial, certificateEntry(pem));
    }
    // Trust the set only if the reply itself is signed by one of these certificates (or a key already trusted).
    verifyWechatpaySignature({
      headers: reply.headers,
      body: reply.body,
      now: this.#options.now,
      toleranceSeconds: this.#options.toleranceSeconds,
      findKey: (serial) => downloaded.get(serial)?.key ?? this.find(serial),
    });
    // Old certificates are kept: during rotation WeChat Pay may still sign with the previous one.
    for (const [serial, entry] of downloaded) this.#keys.set(serial, entry);
    this.#lastSuccess = this.#options.now();
  }

  #addConfigured(name: string, pem: string | Buffer): void {
    if (PUBLIC_KEY_ID.test(name)) {
      this.#keys.set(name, { key: loadPublicKey(pem), notBefore: 0, notAfter: Number.POSITIVE_INFINITY });
      return;
    }
    if (!/^[0-9A-Fa-f]+$/.test(name)) {
      throw new ValidationError(`options.certs.${name}`, 'key must be a certificate serial (hex) or PUB_KEY_ID_...');
    }
    const serial = certificateSerial(pem);
    if (serial !== name.toUpperCase()) {
      throw new ValidationError(
        `options.certs.${name}`,
        `certificate serial is ${serial}, not the key it is listed under`,
      );
    }
    this.#keys.set(serial, certificateEntry(pem));
  }
}

function certificateEntry(pem: string | Buffer): StoredKey {
  const certificate = new X509Certificate(pem);
  return {
    key: loadPublicKey(pem),
    notBefore: Date.parse(certificate.validFrom),
    notAfter: Date.parse(certificate.validTo),
  };
}

// Client options: what each one means, and the checks made when a client is constructed.
import { X509Certificate } from 'node:crypto';
import type { PrivateKeyInput } from './crypto/rsa.js';
import { ValidationError } from './errors.js';
import type { MerchantCredentials } from './transport.js';

export interface WxpayOptions {
  /** Merchant id (`mch_id`); filled into APIv2 requests that leave it out. */
  mchid?: string;
  /** The APIv2 key (32 characters), used for `sign`. */
  secret?: string;
  /** The merchant API certificate for calls with `security` (mutual TLS). */
  merchant?: MerchantCredentials;
  /** WeCom (企业微信) payment secret: `workwx_sign` is computed automatically when set. */
  workwxSecret?: string;
  /** Overrides every host (e.g. the sandbox's `https://127.0.0.1:PORT`). A path prefix is kept. */
  baseURL?: string;
  /** Extra CA certificate(s) trusted for the server (e.g. the sandbox CA). Verification is never switched off. */
  ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /**
   * Milliseconds each attempt may take as a whole: connecting, sending, the reply headers and the whole body (default
   * 10 000). Past it the attempt fails with WxpayConnectionError code `ETIMEDOUT` (`sent` false only when the request
   * was never written). Each host tried and each APIv3 retry is a new attempt with its own deadline.
   */
  timeout?: number;
  /** APIv3: serial number of the merchant API certificate (uppercase hex). */
  serial?: string;
  /** APIv3: the merchant private key (`apiclient_key.pem`, PKCS#1 or PKCS#8 PEM, or a KeyObject); parsed once. */
  privateKey?: PrivateKeyInput;
  /** APIv3: keys that sign WeChat Pay replies: `{ [platformCertSerial]: certPem, ['PUB_KEY_ID_...']: publicKeyPem }`. */
  certs?: Record<string, string | Buffer>;
  /** APIv3 key (exactly 32 bytes): decrypts notifications and downloaded platform certificates. */
  apiv3Key?: string;
  /** Current time in unix milliseconds (inject a fixed clock in tests). Default `Date.now`. */
  clock?: () => number;
  /**
   * Host of `v3/global/...` paths: Hong Kong (default), or the `us` / `eu` acceleration hosts. Setting it also marks the
   * client as a global merchant, so notifications refresh certificates from `/v3/global/certificates`.
   */
  region?: 'hk' | 'us' | 'eu';
  /** APIv3 retries of safe failures (GET on connection errors, 429 and 5xx; see the README). Default 2. */
  maxRetries?: number;
  /** Largest accepted distance of `Wechatpay-Timestamp` from now, in seconds (default 300). */
  signatureTolerance?: number;
}

export const MAINLAND_ORIGINS = ['https://api.mch.weixin.qq.com', 'https://api2.mch.weixin.qq.com'];
export const GLOBAL_ORIGINS = {
  hk: 'https://apihk.mch.weixin.qq.com',
  us: 'https://apius.mch.weixin.qq.com',
  eu: 'https://apieu.mch.weixin.qq.com',
} as const;

export function checkOptions(options: WxpayOptions): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ValidationError('options', 'an object of client options');
  }
  for (const name of ['mchid', 'secret', 'workwxSecret', 'baseURL', 'serial', 'apiv3Key'] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new ValidationError(`options.${name}`, 'non-empty string');
    }
  }
  if (options.timeout !== undefined && !(Number.isFinite(options.timeout) && options.timeout > 0)) {
    throw new ValidationError('options.timeout', 'positive number of milliseconds');
  }
  if (options.apiv3Key !== undefined && Buffer.byteLength(options.apiv3Key, 'utf8') !== 32) {
    throw new ValidationError('options.apiv3Key', 'exactly 32 bytes');
  }
  if (options.serial !== undefined && !/^[0-9A-Fa-f]+$/.test(options.serial)) {
    throw new ValidationError('options.serial', 'hexadecimal certificate serial');
  }
  if (
    options.signatureTolerance !== undefined &&
    !(Number.isFinite(options.signatureTolerance) && options.signatureTolerance > 0)
  ) {
    throw new ValidationError('options.signatureTolerance', 'positive number of seconds');
  }
  if (options.maxRetries !== undefined && !(Number.isInteger(options.maxRetries) && options.maxRetries >= 0)) {
    throw new ValidationError('options.maxRetries', 'integer >= 0');
  }
  if (
    options.region !== undefined &&
    !(typeof options.region === 'string' && Object.hasOwn(GLOBAL_ORIGINS, options.region))
  ) {
    throw new ValidationError('options.region', 'one of hk, us, eu');
  }
  if (options.baseURL !== undefined) {
    let url: URL;
    try {
      url = new URL(options.baseURL);
    } catch {
      throw new ValidationError('options.baseURL', 'absolute URL');
    }
    if (url.protocol !== 'https:') throw new ValidationError('options.baseURL', 'https URL');
    if (url.search || url.hash) throw new ValidationError('options.baseURL', 'no query or fragment');
  }
  checkShapes(options);
  const merchant = options.merchant;
  if (merchant !== undefined) {
    checkMerchantKeys(merchant);
    const complete = 'pfx' in merchant ? Buffer.isBuffer(merchant.pfx) : Boolean(merchant.cert && merchant.key);
    if (!complete) throw new ValidationError('options.merchant', '{ cert, key } PEM or { pfx: Buffer, passphrase }');
  }
}

const MERCHANT_KEYS = new Set(['cert', 'key', 'pfx', 'passphrase']);

/**
 * `merchant` is a plain object of certificate fields only: anything else (say `rejectUnauthorized: false`) could
 * change how TLS behaves, so it is refused rather than ignored.
 */
function checkMerchantKeys(merchant: unknown): void {
  const prototype = typeof merchant === 'object' && merchant !== null ? Object.getPrototypeOf(merchant) : undefined;
  if (prototype !== Object.prototype && prototype !== null) {
    throw new ValidationError('options.merchant', 'a plain object { cert, key } or { pfx, passphrase }');
  }
  for (const key of Reflect.ownKeys(merchant as object)) {
    if (typeof key === 'symbol' || !MERCHANT_KEYS.has(key)) {
      throw new ValidationError(
        `options.merchant.${String(key)
          .slice(0, 64)
          .replace(/[^\x20-\x7e]/g, '?')}`,
        'unknown key: only cert, key, pfx, passphrase',
      );
    }
  }
}

const isPem = (value: unknown): boolean => typeof value === 'string' || Buffer.isBuffer(value);

/** Types a check above does not cover: caught here, not as a TypeError deep inside the first call that uses them. */
function checkShapes(options: WxpayOptions): void {
  const { ca, clock, certs, merchant } = options;
  if (ca !== undefined && !(isPem(ca) || (Array.isArray(ca) && ca.every(isPem)))) {
    throw new ValidationError('options.ca', 'PEM string or Buffer, or an array of them');
  }
  if (ca !== undefined) for (const pem of Array.isArray(ca) ? ca : [ca]) checkCertificates(pem as string | Buffer);
  if (clock !== undefined && typeof clock !== 'function') throw new ValidationError('options.clock', 'function');
  if (certs !== undefined && (typeof certs !== 'object' || certs === null || Array.isArray(certs))) {
    throw new ValidationError('options.certs', 'an object { [serialOrPublicKeyId]: pem }');
  }
  if (typeof merchant === 'object' && merchant !== null) {
    const fields = merchant as Record<string, unknown>;
    for (const name of ['cert', 'key'] as const) {
      if (fields[name] !== undefined && !isPem(fields[name])) {
        throw new ValidationError(`options.merchant.${name}`, 'PEM string or Buffer');
      }
    }
    if (fields.passphrase !== undefined && typeof fields.passphrase !== 'string') {
      throw new ValidationError('options.merchant.passphrase', 'string');
    }
  }
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** TLS would silently skip text that holds no certificate (and then trust nothing extra): refuse it up front. */
function checkCertificates(pem: string | Buffer): void {
  const blocks = String(pem).match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) throw new ValidationError('options.ca', 'PEM certificate(s) ("BEGIN CERTIFICATE")');
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      throw new ValidationError('options.ca', 'PEM certificate(s) that parse as X.509');
    }
  }
}

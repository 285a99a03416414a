// Client options: what each one means, and the checks made when a client is constructed.
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
  /** Milliseconds for connecting, for the reply headers and between body chunks (default 10 000). */
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
  if (options.region !== undefined && !(options.region in GLOBAL_ORIGINS)) {
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
  const merchant = options.merchant;
  if (merchant !== undefined) {
    const complete = 'pfx' in merchant ? Buffer.isBuffer(merchant.pfx) : Boolean(merchant.cert && merchant.key);
    if (!complete) throw new ValidationError('options.merchant', '{ cert, key } PEM or { pfx: Buffer, passphrase }');
  }
}

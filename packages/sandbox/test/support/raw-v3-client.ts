// Test-only: a client of the sandbox that is not the wxpay SDK — plain node:https and node:crypto, keys read from the
// sandbox's files on disk (sandbox.json + PEM), its own APIv3 Authorization and reply verification.
import { createPrivateKey, createPublicKey, type KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { SandboxMerchantConfig } from '../../src/merchants.js';

/** One merchant as `sandbox.json` describes it (only what this client uses). */
interface DiskMerchant {
  secret: string;
  serial: string;
  workwxSecret?: string;
  platformCertSerial: string;
  files: { cert: string; key: string; platformCert: string };
}

export interface Merchant {
  mchid: string;
  /** APIv2 key. */
  secret: string;
  workwxSecret: string | undefined;
  /** Merchant API certificate serial, certificate and key (PEM). */
  serial: string;
  cert: string;
  key: string;
  privateKey: KeyObject;
  platformSerial: string;
  platformKey: KeyObject;
}

export interface RawConfig {
  url: string;
  ca: string;
  merchants: Record<string, Merchant>;
}

export function readDiskConfig(dataDir: string): RawConfig {
  const read = (relative: string) => readFileSync(join(dataDir, relative), 'utf8');
  const json = JSON.parse(read('sandbox.json')) as { url: string; ca: string; merchants: Record<string, DiskMerchant> };
  const merchants: Record<string, Merchant> = {};
  for (const [mchid, entry] of Object.entries(json.merchants)) {
    const key = read(entry.files.key);
    merchants[mchid] = {
      mchid,
      secret: entry.secret,
      workwxSecret: entry.workwxSecret,
      serial: entry.serial,
      cert: read(entry.files.cert),
      key,
      privateKey: createPrivateKey(key),
      platformSerial: entry.platformCertSerial,
      // A certificate PEM is accepted as a public key.
      platformKey: createPublicKey(read(entry.files.platformCert)),
    };
  }
  return { url: json.url, ca: read(json.ca), merchants };
}

/** A merchant as `admin.createMerchant` returns it, before any file on disk names it. */
export function configuredMerchant(config: SandboxMerchantConfig): Merchant {
  const platformSerial = Object.keys(config.certs).find((serial) => !serial.startsWith('PUB_KEY_ID_')) ?? '';
  return {
    mchid: config.mchid,
    secret: config.secret,
    workwxSecret: config.workwxSecret,
    serial: config.serial,
    cert: config.merchant.cert,
    key: config.merchant.key,
    privateKey: createPrivateKey(config.privateKey),
    platformSerial,
    platformKey: createPublicKey(config.certs[platformSerial] ?? ''),
  };
}

export interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body as received (a gzip bill is not text). */
  bytes: Buffer;
}

export interface V3Reply extends RawReply {
  /** The parsed JSON body (undefined when empty or not JSON). */
  json: unknown;
}

export interface SendOptions {
  method: string;
  headers?: Record<string, string>;
  body?: string;
  clientCert?: Merchant;
}

export function nonce(): string {
  return randomBytes(16).toString('hex');
}

/** Signs `METHOD\npath\ntimestamp\nnonce\nbody\n` with the merchant key; `tamper` breaks the signature on purpose. */
export function authorization(merchant: Merchant, method: string, path: string, body: string, tamper = false): string {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonceStr = nonce();
  const message = `${method}\n${path}\n${timestamp}\n${nonceStr}\n${body}\n`;
  let signature = sign('sha256', Buffer.from(message, 'utf8'), merchant.privateKey).toString('base64');
  if (tamper) signature = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
  const fields = { mchid: merchant.mchid, nonce_str: nonceStr, timestamp, serial_no: merchant.serial, signature };
  const list = Object.entries(fields).map(([name, value]) => `${name}="${value}"`);
  return `WECHATPAY2-SHA256-RSA2048 ${list.join(',')}`;
}

export interface CallOptions {
  /** Break the signature on purpose. */
  tamper?: boolean;
  /** More request headers (`wechatpay-serial` names the key of encrypted fields). */
  headers?: Record<string, string>;
}

/** `send` (one request on a fresh connection, trusting only the sandbox CA) and `callV3` (signed JSON) for `config`. */
export function rawClient(config: RawConfig): {
  send(path: string, options: SendOptions): Promise<RawReply>;
  callV3(merchant: Merchant, method: string, path: string, json?: unknown, options?: CallOptions): Promise<V3Reply>;
} {
  const send = (path: string, options: SendOptions): Promise<RawReply> =>
    new Promise((resolve, reject) => {
      const tls = options.clientCert ? { cert: options.clientCert.cert, key: options.clientCert.key } : {};
      const outgoing = request(
        `${config.url}${path}`,
        { method: options.method, headers: options.headers, ca: config.ca, agent: false, ...tls },
        (reply) => {
          const chunks: Buffer[] = [];
          reply.on('data', (chunk: Buffer) => chunks.push(chunk));
          reply.on('end', () => {
            const bytes = Buffer.concat(chunks);
            resolve({ status: reply.statusCode ?? 0, headers: reply.headers, body: bytes.toString('utf8'), bytes });
          });
          reply.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(options.body);
    });
  const callV3 = async (
    merchant: Merchant,
    method: string,
    path: string,
    json?: unknown,
    options: CallOptions = {},
  ): Promise<V3Reply> => {
    const body = json === undefined ? '' : JSON.stringify(json);
    const reply = await send(path, {
      method,
      headers: {
        accept: 'application/json',
        'user-agent': 'raw-node-client/1.0',
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        authorization: authorization(merchant, method, path, body, options.tamper),
        ...options.headers,
      },
      ...(json === undefined ? {} : { body }),
    });
    const isJson = String(reply.headers['content-type'] ?? '').startsWith('application/json');
    return { ...reply, json: reply.body !== '' && isJson ? JSON.parse(reply.body) : undefined };
  };
  return { send, callV3 };
}

export function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  if (typeof value !== 'string' || value === '') throw new Error(`missing header ${name}`);
  return value;
}

/**
 * The reply is signed by `key` (the merchant's platform certificate from disk, or its WeChat Pay public key) over
 * `timestamp\nnonce\nbody\n`, names `serial`, and is fresh.
 */
export function expectV3Signed(
  reply: V3Reply,
  merchant: Merchant,
  key: { serial: string; key: KeyObject } = { serial: merchant.platformSerial, key: merchant.platformKey },
): void {
  const timestamp = header(reply.headers, 'wechatpay-timestamp');
  const replyNonce = header(reply.headers, 'wechatpay-nonce');
  const signature = Buffer.from(header(reply.headers, 'wechatpay-signature'), 'base64');
  expect(header(reply.headers, 'wechatpay-serial')).toBe(key.serial);
  expect(Math.abs(Date.now() / 1000 - Number(timestamp))).toBeLessThan(300);
  const message = Buffer.from(`${timestamp}\n${replyNonce}\n${reply.body}\n`, 'utf8');
  expect(verify('sha256', message, key.key, signature)).toBe(true);
  // The same check fails for any other body: the verification really covers it.
  expect(verify('sha256', Buffer.from(`${timestamp}\n${replyNonce}\n${reply.body} \n`), key.key, signature)).toBe(
    false,
  );
}

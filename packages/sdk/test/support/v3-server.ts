// Test-only loopback HTTPS server that plays WeChat Pay's APIv3 side: checks request signatures, signs (or mis-signs)
// replies on demand, and serves AES-GCM sealed platform certificates. Independent of packages/sdk/src.
import { createCipheriv, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { buffer } from 'node:stream/consumers';
import { type LoopbackServer, startLoopbackHttps } from './loopback.js';
import { type FormPart, parseMultipart } from './multipart.js';
import type { TestPki } from './test-pki.js';
import type { TestCertificate, V3Keys } from './v3-keys.js';
import { checkAuthorization, randomAlphanumeric, signReply } from './v3-keys.js';

/** What a test handler sees of one request whose Authorization header verified. */
export interface V3Request {
  method: string;
  /** Path plus query exactly as received (still percent-encoded), e.g. `/v3/certificates?x=1`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The body as UTF-8 (empty for GET). */
  body: string;
  /** The body's bytes. */
  rawBody: Buffer;
  /** A multipart/form-data body's parts (the request signature then covers the `meta` part). */
  parts?: FormPart[];
}

/** Everything the server saw, including requests refused with SIGN_ERROR. */
export interface RecordedV3Request extends V3Request {
  /** Whether the Authorization header verified with the merchant public key. */
  authOk: boolean;
  /** Why it did not, when it did not. */
  authReason?: string;
}

/** Which key signs a reply: a test platform certificate, the WeChat Pay public key, nothing, or any key under any serial. */
export type V3ReplySigner =
  | 'platform-old'
  | 'platform-new'
  | 'pubkey'
  | 'none'
  | { serial: string; privateKey: KeyObject };

/** A reply to send, and how to sign or damage it. */
export interface V3Reply {
  /** Defaults to 200. */
  status?: number;
  body: string;
  /** Bytes sent (and signed) instead of `body`, e.g. a gzip file. */
  bodyBytes?: Buffer;
  /** Added last, replacing generated headers of the same name in any case; `null` removes one (e.g. a missing nonce). */
  headers?: Record<string, string | null>;
  /** Defaults to 'platform-new'. 'none' sends no Wechatpay-* headers at all. */
  sign?: V3ReplySigner;
  /**
   * Applied AFTER signing, so the signature no longer matches: 'body' appends a space (still valid JSON, so only the
   * signature check can notice), 'nonce' sends another nonce, 'timestamp' sends the signed one + 1 s (within tolerance).
   */
  tamper?: 'body' | 'nonce' | 'timestamp';
  /** Seconds added to the signed timestamp, e.g. -300 for an expired reply, +300 for one from the future. */
  timestampOffset?: number;
  /** Sent instead of the real signature, e.g. a `WECHATPAY/SIGNTEST/...` probe. */
  signature?: string;
}

/** A reply as it goes on the wire; also exactly the shape of the SDK's TransportResponse, for fake transports. */
export interface RenderedV3Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface V3ServerOptions {
  pki: TestPki;
  keys: V3Keys;
  /** Business logic; default: both platform certificates on the certificates endpoints, 404 NOT_FOUND elsewhere. */
  handle?: (request: V3Request) => V3Reply | Promise<V3Reply>;
  /** Server clock in unix ms, for reply timestamps and the request timestamp check; default Date.now. */
  now?: () => number;
}

export interface V3Server extends LoopbackServer {
  requests: RecordedV3Request[];
}

/** A downloadable platform certificate as `certificatesReply` lists it. */
export interface CertificateListEntry {
  serial: string;
  pem: string;
  /** `effective_time`, RFC 3339 such as `2024-01-01T08:00:00+08:00`. */
  effective: string;
  /** `expire_time`, same format. */
  expire: string;
}

/** Request bodies beyond this are refused: APIv3 payloads are a few kilobytes. */
const maxBodyBytes = 1024 * 1024;

const certificatesPaths = new Set(['/v3/certificates', '/v3/global/certificates']);

export async function startV3Server(options: V3ServerOptions): Promise<V3Server> {
  const { keys } = options;
  const now = options.now ?? Date.now;
  const handle = options.handle ?? ((request: V3Request) => defaultReply(request, keys));
  const requests: RecordedV3Request[] = [];
  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Raw bytes, not text: the request signature covers bytes.
    const body = await buffer(req);
    if (body.length > maxBodyBytes) {
      res.writeHead(413, { 'Content-Type': 'text/plain' });
      res.end('request body too large');
      return;
    }
    // An upload is signed over its `meta` part only (docs/protocol.md#apiv3-multipart-uploads).
    const multipart = req.headers['content-type']?.toLowerCase().startsWith('multipart/form-data')
      ? parseMultipart(req.headers['content-type'], body)
      : undefined;
    if (multipart instanceof Error) {
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end(`malformed multipart body: ${multipart.message}`);
      return;
    }
    const request: V3Request = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: body.toString('utf8'),
      rawBody: body,
      ...(multipart !== undefined ? { parts: multipart } : {}),
    };
    const signedBody = multipart?.find((part) => part.name === 'meta')?.data ?? (multipart ? Buffer.alloc(0) : body);
    const auth = checkAuthorization(req.headers.authorization, {
      method: request.method,
      pathAndQuery: request.path,
      body: signedBody,
      publicKey: keys.merchant.publicKey,
      mchid: keys.mchid,
      serial: keys.merchant.serial,
      now: now(),
    });
    if (!auth.ok) {
      requests.push({ ...request, authOk: false, authReason: auth.reason });
      // WeChat Pay does not sign this refusal: the SDK must report it as an API error, not as a bad signature.
      const refusal = { code: 'SIGN_ERROR', message: `Authorization rejected by the test server: ${auth.reason}` };
      send(res, renderV3Reply(keys, { status: 401, body: JSON.stringify(refusal), sign: 'none' }, now()));
      return;
    }
    requests.push({ ...request, authOk: true });
    send(res, renderV3Reply(keys, await handle(request), now()));
  }

  // No requestCert: APIv3 authenticates the merchant by the request signature, not by a client certificate.
  const server = await startLoopbackHttps({ key: options.pki.serverKey, cert: options.pki.serverCert }, serve);
  return { ...server, requests };
}

/**
 * Builds the status, headers and bytes of a reply signed as `reply` asks, with `Wechatpay-Timestamp` taken from
 * `nowMs`. The server sends this; unit tests can hand it straight to code that expects a transport response.
 */
export function renderV3Reply(keys: V3Keys, reply: V3Reply, nowMs: number = Date.now()): RenderedV3Reply {
  const signedBody = reply.bodyBytes ?? Buffer.from(reply.body, 'utf8');
  const headers: Record<string, string> = {
    'Content-Type': 'application/json; charset=utf-8',
    'Request-ID': randomAlphanumeric(24),
  };
  const signer = signerOf(keys, reply.sign ?? 'platform-new');
  if (signer !== undefined) {
    const timestamp = String(Math.floor(nowMs / 1000) + (reply.timestampOffset ?? 0));
    const nonce = randomAlphanumeric(32);
    headers['Wechatpay-Timestamp'] = timestamp;
    headers['Wechatpay-Nonce'] = nonce;
    headers['Wechatpay-Signature'] =
      reply.signature ?? signReply({ timestamp, nonce, body: signedBody, privateKey: signer.privateKey });
    headers['Wechatpay-Serial'] = signer.serial;
    if (reply.tamper === 'nonce') headers['Wechatpay-Nonce'] = randomAlphanumeric(32);
    if (reply.tamper === 'timestamp') headers['Wechatpay-Timestamp'] = String(Number(timestamp) + 1);
  }
  for (const [name, value] of Object.entries(reply.headers ?? {})) {
    for (const existing of Object.keys(headers)) {
      if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    }
    if (value !== null) headers[name] = value;
  }
  const body = reply.tamper === 'body' ? Buffer.concat([signedBody, Buffer.from(' ', 'utf8')]) : signedBody;
  return { status: reply.status ?? 200, headers, body };
}

/**
 * The JSON of a `/v3/certificates` reply: each certificate sealed with AEAD_AES_256_GCM under the APIv3 key,
 * associated_data `certificate` and a fresh 12-character nonce, ciphertext = base64(ciphertext || 16-byte tag).
 */
export function certificatesReply(apiv3Key: string, certs: readonly CertificateListEntry[]): string {
  const data = certs.map((cert) => {
    const nonce = randomAlphanumeric(12);
    const associatedData = 'certificate';
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiv3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const sealed = Buffer.concat([cipher.update(cert.pem, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return {
      serial_no: cert.serial,
      effective_time: cert.effective,
      expire_time: cert.expire,
      encrypt_certificate: {
        algorithm: 'AEAD_AES_256_GCM',
        nonce,
        associated_data: associatedData,
        ciphertext: sealed.toString('base64'),
      },
    };
  });
  return JSON.stringify({ data });
}

/** A test certificate as a `certificatesReply` entry, its validity written in China Standard Time as WeChat Pay does. */
export function certificateListEntry(cert: TestCertificate): CertificateListEntry {
  return { serial: cert.serial, pem: cert.pem, effective: chinaTime(cert.notBefore), expire: chinaTime(cert.notAfter) };
}

function chinaTime(date: Date): string {
  const shifted = new Date(date.getTime() + 8 * 60 * 60 * 1000);
  return `${shifted.toISOString().slice(0, 19)}+08:00`;
}

function signerOf(keys: V3Keys, signer: V3ReplySigner): { serial: string; privateKey: KeyObject } | undefined {
  switch (signer) {
    case 'none':
      return undefined;
    case 'platform-old':
      return keys.platformOld;
    case 'platform-new':
      return keys.platformNew;
    case 'pubkey':
      return { serial: keys.publicKey.id, privateKey: keys.publicKey.privateKey };
    default:
      return signer;
  }
}

function defaultReply(request: V3Request, keys: V3Keys): V3Reply {
  const pathname = request.path.split('?')[0] ?? '';
  if (request.method === 'GET' && certificatesPaths.has(pathname)) {
    return { body: certificatesReply(keys.apiv3Key, [keys.platformOld, keys.platformNew].map(certificateListEntry)) };
  }
  const error = { code: 'NOT_FOUND', message: `no test handler for ${request.method} ${pathname}` };
  return { status: 404, body: JSON.stringify(error) };
}

function send(res: ServerResponse, reply: RenderedV3Reply): void {
  // 204 and 304 replies must not carry a body (WeChat Pay answers many APIv3 writes with 204).
  if (reply.status === 204 || reply.status === 304) {
    res.writeHead(reply.status, reply.headers);
    res.end();
    return;
  }
  res.writeHead(reply.status, { ...reply.headers, 'Content-Length': String(reply.body.length) });
  res.end(reply.body);
}

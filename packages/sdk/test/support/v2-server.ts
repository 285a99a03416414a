// Test-only loopback HTTPS server that plays WeChat Pay's APIv2 side: mutual TLS, CA_ERROR, SIGN_ERROR, XML replies.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { TLSSocket } from 'node:tls';
import { type LoopbackServer, startLoopbackHttps } from './loopback.js';
import type { TestPki } from './test-pki.js';
import { extractXmlFields, replyXml, verifyV2Sign } from './v2-sign.js';

/** What a test handler sees of one request that passed the certificate and signature checks. */
export interface V2Request {
  /** URL path without the query string, e.g. `/mmpaymkttransfers/sendredpack`. */
  path: string;
  fields: Record<string, string>;
  rawBody: string;
  headers: IncomingHttpHeaders;
  /** CN of the client certificate when the client presented one that chains to the test CA. */
  clientCertCN?: string;
}

export interface V2Reply {
  /** Defaults to 200: WeChat Pay reports APIv2 failures inside the XML, not with the status. */
  status?: number;
  body: string;
  headers?: Record<string, string>;
}

/** Everything the server saw, including requests it refused with CA_ERROR or SIGN_ERROR. */
export interface RecordedV2Request extends V2Request {
  /** Whether `sign` verified with the configured key (algorithm from `sign_type`). */
  signValid: boolean;
}

export interface V2ServerOptions {
  pki: TestPki;
  /** The merchant's APIv2 key, used to check request signatures. */
  key: string;
  mchid: string;
  /** Which paths demand the merchant API certificate; default: all but the two coupon queries. */
  certRequired?: (path: string) => boolean;
  /** Business logic; default: a plain SUCCESS reply echoing `mch_billno`. */
  handle?: (request: V2Request) => V2Reply | Promise<V2Reply>;
}

export interface V2Server extends LoopbackServer {
  requests: RecordedV2Request[];
}

/** Coupon queries are the APIv2 calls that WeChat Pay serves without a client certificate. */
const pathsWithoutCertificate = new Set([
  '/mmpaymkttransfers/query_coupon_stock',
  '/mmpaymkttransfers/querycouponsinfo',
]);

/** Request bodies beyond this are refused: APIv2 payloads are a few kilobytes. */
const maxBodyBytes = 1024 * 1024;

export async function startV2Server(options: V2ServerOptions): Promise<V2Server> {
  const certRequired = options.certRequired ?? ((path: string) => !pathsWithoutCertificate.has(path));
  const handle = options.handle ?? ((request: V2Request) => defaultSuccessReply(request, options.mchid));
  const requests: RecordedV2Request[] = [];
  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      res.writeHead(405, { 'Content-Type': 'text/plain', Allow: 'POST' });
      res.end('APIv2 endpoints accept POST only');
      return;
    }
    const rawBody = await readBody(req);
    if (rawBody === undefined) {
      res.writeHead(413, { 'Content-Type': 'text/plain' });
      res.end('request body too large');
      return;
    }
    const path = new URL(req.url ?? '/', 'https://127.0.0.1').pathname;
    const clientCertCN = authorizedClientCommonName(req);
    let fields: Record<string, string>;
    try {
      fields = extractXmlFields(rawBody);
    } catch {
      fields = {};
    }
    const signValid = verifyV2Sign(fields, options.key);
    const request: V2Request = { path, fields, rawBody, headers: req.headers };
    if (clientCertCN !== undefined) request.clientCertCN = clientCertCN;
    requests.push({ ...request, signValid });

    if (certRequired(path) && clientCertCN === undefined) {
      sendXml(res, {
        body: failReply('CA_ERROR', 'No valid merchant API certificate was presented (test server CA_ERROR)'),
      });
      return;
    }
    if (!signValid) {
      sendXml(res, { body: failReply('SIGN_ERROR', 'Signature check failed (test server SIGN_ERROR)') });
      return;
    }
    sendXml(res, await handle(request));
  }

  const server = await startLoopbackHttps(
    {
      key: options.pki.serverKey,
      cert: options.pki.serverCert,
      ca: [options.pki.caCert],
      // Ask for a client certificate but let the handshake succeed without one, so the refusal is an APIv2 CA_ERROR
      // reply (as WeChat Pay does) instead of a TLS alert.
      requestCert: true,
      rejectUnauthorized: false,
    },
    serve,
  );
  return { ...server, requests };
}

/** Resolves to the body as UTF-8, or undefined when it exceeds the size cap. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBodyBytes) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** CN of a client certificate that chains to the test CA; undefined when there is none or it is not trusted. */
function authorizedClientCommonName(req: IncomingMessage): string | undefined {
  const socket = req.socket;
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const peer = socket.getPeerCertificate();
  // With no certificate Node returns an empty object rather than null.
  if (!peer || Object.keys(peer).length === 0) return undefined;
  const commonName: string | string[] | undefined = peer.subject?.CN;
  return Array.isArray(commonName) ? commonName[0] : commonName;
}

function failReply(errCode: string, message: string): string {
  return replyXml({
    return_code: 'FAIL',
    return_msg: message,
    result_code: 'FAIL',
    err_code: errCode,
    err_code_des: message,
  });
}

function defaultSuccessReply(request: V2Request, mchid: string): V2Reply {
  const fields: Record<string, string> = {
    return_code: 'SUCCESS',
    return_msg: 'OK',
    result_code: 'SUCCESS',
    err_code: 'SUCCESS',
    err_code_des: 'OK',
    mch_id: mchid,
  };
  const billNo = request.fields.mch_billno;
  if (billNo !== undefined) fields.mch_billno = billNo;
  return { body: replyXml(fields) };
}

function sendXml(res: ServerResponse, reply: V2Reply): void {
  res.writeHead(reply.status ?? 200, { 'Content-Type': 'text/xml; charset=utf-8', ...reply.headers });
  res.end(reply.body);
}

// Transport: fail-over only when the connection never opened, `sent` on connection errors, PKCS#12 certificates.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ERROR_BODY_CHARS, Wxpay, WxpayConnectionError, WxpayParseError } from '../src/index.js';
import { Transport } from '../src/transport.js';
import { startLoopbackHttps } from './support/loopback.js';
import { createTestPki, type TestPki } from './support/test-pki.js';
import { startV2Server, type V2Server } from './support/v2-server.js';

const KEY = 'transportTestKey0000000000000000';
let pki: TestPki;
let server: V2Server;

/** A port that was just free: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  pki = await createTestPki();
  server = await startV2Server({ pki, key: KEY, mchid: '10000098' });
});
afterAll(() => server.close());

describe('fail-over', () => {
  it('moves to the next host only when the connection never opened', async () => {
    const transport = new Transport({ ca: pki.caCert, timeout: 2000, maxBodyBytes: 1024 });
    const reply = await transport.send({
      method: 'POST',
      origins: [`https://127.0.0.1:${await closedPort()}`, server.url],
      path: '/mmpaymkttransfers/query_coupon_stock',
      headers: {},
      body: '<xml></xml>',
      security: false,
    });
    expect(reply.status).toBe(200);
    await transport.close();
  });

  it('reports a refused connection as not sent', async () => {
    const wxpay = new Wxpay({ secret: KEY, baseURL: `https://127.0.0.1:${await closedPort()}` });
    const error = await wxpay.v2.mmpaymkttransfers.query_coupon_stock
      .post({ xml: { coupon_stock_id: '1757', appid: 'wx5edab3bdfba3dc1c', mch_id: '10000098' } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WxpayConnectionError);
    expect(error).toMatchObject({ sent: false, code: 'ECONNREFUSED' });
  });

  it('reports an untrusted server certificate as not sent (verification is never off)', async () => {
    const wxpay = new Wxpay({ secret: KEY, baseURL: server.url }); // no `ca`: the test CA is not trusted
    const error = await wxpay.v2.mmpaymkttransfers.query_coupon_stock
      .post({ xml: { coupon_stock_id: '1757', appid: 'wx5edab3bdfba3dc1c', mch_id: '10000098' } })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'WxpayConnectionError', sent: false });
  });

  describe('after the request was written', () => {
    let silent: Server;
    let accepted = 0;
    beforeAll(async () => {
      // Completes TLS and reads the request but never answers: the request may well have been received.
      const { createServer } = await import('node:https');
      silent = createServer({ key: pki.serverKey, cert: pki.serverCert }, () => {
        accepted++;
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => {
      (silent as unknown as { closeAllConnections(): void }).closeAllConnections();
      silent.close();
    });

    it('reports a read timeout as possibly sent and does not try the backup host', async () => {
      const transport = new Transport({ ca: pki.caCert, timeout: 300, maxBodyBytes: 1024 });
      const { port } = silent.address() as { port: number };
      const before = server.requests.length;
      const error = await transport
        .send({
          method: 'POST',
          origins: [`https://127.0.0.1:${port}`, server.url],
          path: '/mmpaymkttransfers/sendredpack',
          headers: {},
          body: '<xml></xml>',
          security: false,
        })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(WxpayConnectionError);
      expect(error).toMatchObject({ sent: true, code: 'ETIMEDOUT' }); // the attempt's deadline
      expect(accepted).toBe(1);
      expect(server.requests.length).toBe(before); // never resent elsewhere
      await transport.close();
    });
  });

  it('refuses replies larger than the cap', async () => {
    const transport = new Transport({ ca: pki.caCert, timeout: 2000, maxBodyBytes: 10 });
    await expect(
      transport.send({
        method: 'POST',
        origins: [server.url],
        path: '/mmpaymkttransfers/query_coupon_stock',
        headers: {},
        body: '<xml></xml>',
        security: false,
      }),
    ).rejects.toMatchObject({ name: 'WxpayParseError' });
    await transport.close();
  });

  it('keeps only the start of an oversized reply on the error', async () => {
    // 1 MiB in 64 KiB writes against a 512 KiB cap: the error holds the capped start, marked truncated.
    const big = await startLoopbackHttps({ key: pki.serverKey, cert: pki.serverCert }, async (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      for (let i = 0; i < 16; i++) res.write('x'.repeat(64 * 1024));
      res.end();
    });
    const transport = new Transport({ ca: pki.caCert, timeout: 2000, maxBodyBytes: 512 * 1024 });
    try {
      const error = await transport
        .send({ method: 'GET', origins: [big.url], path: '/big', headers: {}, security: false })
        .then(
          () => undefined,
          (caught: unknown) => caught,
        );
      expect(error).toBeInstanceOf(WxpayParseError);
      expect(error).toMatchObject({
        message: `reply body exceeds ${512 * 1024} bytes`,
        body: 'x'.repeat(MAX_ERROR_BODY_CHARS),
        bodyTruncated: true,
        status: 200,
      });
    } finally {
      await transport.close();
      await big.close();
    }
  });
});

describe('PKCS#12 merchant certificate', () => {
  it('presents a { pfx, passphrase } certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wxpay-pfx-'));
    try {
      writeFileSync(join(dir, 'cert.pem'), pki.clientCert);
      writeFileSync(join(dir, 'key.pem'), pki.clientKey);
      execFileSync('openssl', [
        'pkcs12',
        '-export',
        '-in',
        join(dir, 'cert.pem'),
        '-inkey',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'apiclient_cert.p12'),
        '-passout',
        'pass:10000098',
      ]);
      const wxpay = new Wxpay({
        mchid: '10000098',
        secret: KEY,
        merchant: { pfx: readFileSync(join(dir, 'apiclient_cert.p12')), passphrase: '10000098' },
        baseURL: server.url,
        ca: pki.caCert,
      });
      await wxpay.v2.mmpaymkttransfers.gethbinfo.post({
        xml: { mch_billno: '100000982026112500000001', appid: 'wx8888888888888888', bill_type: 'MCHT' },
      });
      expect(server.requests.at(-1)?.clientCertCN).toBe('10000098');
      await wxpay.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Tests of the test support code itself (PKI, APIv2 signing helpers, loopback APIv2 server), using plain node:https.
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { Agent, request } from 'node:https';
import { TLSSocket } from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientCommonName, createTestPki, type TestPki } from './support/test-pki.js';
import { startV2Server, type V2Server } from './support/v2-server.js';
import {
  extractXmlFields,
  replyXml,
  v2Sign,
  v2StringToSign,
  verifyV2Sign,
  withV2Sign,
  workwxSign,
} from './support/v2-sign.js';

const officialFields = {
  appid: 'wxd930ea5d5a258f4f',
  mch_id: '10000100',
  device_info: '1000',
  body: 'test',
  nonce_str: 'ibuaiVcKdpRxkhJA',
};
const officialKey = '192006250b4c09247ec02edce69f6a2d';
const officialStringToSign =
  'appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA&key=192006250b4c09247ec02edce69f6a2d';
const officialMd5 = '9A0A8659F005D6984697E2CA0A9CF3B7';
const officialHmac = '6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6';

const serverKey = 'a'.repeat(32);
const mchid = clientCommonName;

let pki: TestPki;
let pkiMilliseconds = 0;

beforeAll(async () => {
  const started = performance.now();
  pki = await createTestPki();
  pkiMilliseconds = performance.now() - started;
});

describe('createTestPki', () => {
  it('is generated once per process', async () => {
    expect(await createTestPki()).toBe(pki);
    // Generous bound: five RSA 2048 key pairs; only guards against accidental per-call regeneration costs growing.
    expect(pkiMilliseconds).toBeLessThan(20_000);
  });

  it('issues server and client certificates that chain to the CA', () => {
    const ca = new X509Certificate(pki.caCert);
    expect(ca.ca).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    for (const pem of [pki.serverCert, pki.clientCert]) {
      const cert = new X509Certificate(pem);
      expect(cert.checkIssued(ca)).toBe(true);
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.ca).toBe(false);
    }
  });

  it('issues the other client certificate from a different CA', () => {
    const ca = new X509Certificate(pki.caCert);
    const other = new X509Certificate(pki.otherClientCert);
    expect(other.checkIssued(ca)).toBe(false);
    expect(other.verify(ca.publicKey)).toBe(false);
    expect(other.subject).toContain(`CN=${clientCommonName}`);
  });

  it('names 127.0.0.1 and localhost in the server certificate', () => {
    const server = new X509Certificate(pki.serverCert);
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkHost('localhost')).toBe('localhost');
  });

  it('gives the client certificate the merchant id as CN, clientAuth usage and an uppercase serial', () => {
    const client = new X509Certificate(pki.clientCert);
    expect(client.subject).toContain(`CN=${clientCommonName}`);
    expect(client.keyUsage).toContain('1.3.6.1.5.5.7.3.2');
    expect(pki.clientSerial).toMatch(/^[0-9A-F]+$/);
    expect(pki.clientSerial).toBe(client.serialNumber.toUpperCase());
  });

  it('exports PKCS#8 private keys that match their certificates', () => {
    const pairs: Array<[string, string]> = [
      [pki.serverCert, pki.serverKey],
      [pki.clientCert, pki.clientKey],
      [pki.otherClientCert, pki.otherClientKey],
    ];
    for (const [cert, key] of pairs) {
      expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect(new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))).toBe(true);
    }
  });
});

describe('v2 signature helpers', () => {
  it('reproduces the official string to sign, MD5 and HMAC-SHA256', () => {
    expect(v2StringToSign(officialFields, officialKey)).toBe(officialStringToSign);
    expect(v2Sign(officialFields, officialKey)).toBe(officialMd5);
    expect(v2Sign(officialFields, officialKey, 'MD5')).toBe(officialMd5);
    expect(v2Sign(officialFields, officialKey, 'HMAC-SHA256')).toBe(officialHmac);
  });

  it('ignores sign and empty values and sorts names by byte order', () => {
    expect(v2StringToSign({ ...officialFields, sign: 'X', attach: '' }, officialKey)).toBe(officialStringToSign);
    expect(v2StringToSign({ b: '1', a: '2', B: '3', _: '4' }, 'k')).toBe('B=3&_=4&a=2&b=1&key=k');
    // Spaces are part of the value: never trimmed.
    expect(v2StringToSign({ body: ' x ' }, 'k')).toBe('body= x &key=k');
  });

  it('accepts the official vector and rejects tampered copies', () => {
    expect(verifyV2Sign({ ...officialFields, sign: officialMd5 }, officialKey)).toBe(true);
    expect(verifyV2Sign({ ...officialFields, body: 'test2', sign: officialMd5 }, officialKey)).toBe(false);
    expect(verifyV2Sign({ ...officialFields, sign: officialMd5.toLowerCase() }, officialKey)).toBe(false);
    expect(verifyV2Sign({ ...officialFields, sign: officialMd5 }, `${officialKey}x`)).toBe(false);
    expect(verifyV2Sign({ ...officialFields }, officialKey)).toBe(false);
    // sign_type is itself a signed field, so the official HMAC value alone cannot verify with it present.
    expect(verifyV2Sign({ ...officialFields, sign_type: 'HMAC-SHA256', sign: officialHmac }, officialKey)).toBe(false);
  });

  it('selects the algorithm from sign_type', () => {
    const hmacSigned = withV2Sign({ ...officialFields, sign_type: 'HMAC-SHA256' }, officialKey, 'HMAC-SHA256');
    expect(hmacSigned.sign).toMatch(/^[0-9A-F]{64}$/);
    expect(verifyV2Sign(hmacSigned, officialKey)).toBe(true);
    expect(verifyV2Sign({ ...hmacSigned, sign_type: 'MD5' }, officialKey)).toBe(false);
    const unknownType = withV2Sign({ ...officialFields, sign_type: 'SHA1' }, officialKey);
    expect(verifyV2Sign(unknownType, officialKey)).toBe(false);
  });

  it('computes workwx_sign over the subset with the secret suffix', () => {
    const fields = {
      act_name: 'a',
      mch_billno: 'b',
      mch_id: 'c',
      nonce_str: 'd',
      wishing: 'not in subset',
      re_openid: '',
    };
    const subset = ['re_openid', 'nonce_str', 'mch_id', 'mch_billno', 'act_name'];
    const expected = createHash('md5')
      .update('act_name=a&mch_billno=b&mch_id=c&nonce_str=d&secret=S', 'utf8')
      .digest('hex')
      .toUpperCase();
    expect(workwxSign(fields, subset, 'S')).toBe(expected);
  });
});

describe('v2 XML helpers', () => {
  it('reads CDATA, escaped text, entities and self-closing fields as exact strings', () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n  <a><![CDATA[x<y & "z"]]></a>\n' +
      '  <b>1 &lt; 2 &amp;&amp; 3 &gt; 2 &apos;q&apos; &quot;w&quot; &#20013;&#x6587;</b>\n' +
      '  <detail_id>10000000000000000000000001</detail_id><c/><d> spaced </d><e><![CDATA[p]]]]><![CDATA[>q]]></e></xml>';
    expect(extractXmlFields(xml)).toEqual({
      a: 'x<y & "z"',
      b: `1 < 2 && 3 > 2 'q' "w" 中文`,
      detail_id: '10000000000000000000000001',
      c: '',
      d: ' spaced ',
      e: 'p]]>q',
    });
  });

  it('rejects what is not a flat <xml> document', () => {
    expect(() => extractXmlFields('<!DOCTYPE x><xml><a>1</a></xml>')).toThrow();
    expect(() => extractXmlFields('<xml><a><b>1</b></a></xml>')).toThrow();
    expect(() => extractXmlFields('<xml><a>1 & 2</a></xml>')).toThrow();
    expect(() => extractXmlFields('<xml><a>&foo;</a></xml>')).toThrow();
    expect(() => extractXmlFields('<root><a>1</a></root>')).toThrow();
  });

  it('round-trips replyXml, including values containing ]]>', () => {
    const fields = { return_code: 'SUCCESS', tricky: 'a]]>b<c>&', empty: '', long_id: '4200000000201912345678901234' };
    const xml = replyXml(fields);
    expect(xml).toMatch(/^<xml><return_code><!\[CDATA\[SUCCESS\]\]><\/return_code>/);
    expect(extractXmlFields(xml)).toEqual(fields);
  });
});

interface PostResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  fields: Record<string, string>;
}

/** Plain node:https POST of a flat XML body through the given agent. */
function post(
  url: string,
  path: string,
  fields: Record<string, string>,
  agent: Agent,
  onSecureSocket?: (socket: TLSSocket) => void,
): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, url),
      { method: 'POST', agent, headers: { 'Content-Type': 'text/xml' } },
      (res) => {
        if (onSecureSocket && res.socket instanceof TLSSocket) onSecureSocket(res.socket);
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            fields: extractXmlFields(Buffer.concat(chunks).toString('utf8')),
          });
        });
      },
    );
    req.on('error', reject);
    req.end(replyXml(fields));
  });
}

function signedRedpack(billNo: string): Record<string, string> {
  return withV2Sign({ mch_billno: billNo, mch_id: mchid, nonce_str: 'n0nce', total_amount: '100' }, serverKey);
}

describe('startV2Server', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(overrides: Partial<Parameters<typeof startV2Server>[0]> = {}): Promise<V2Server> {
    const server = await startV2Server({ pki, key: serverKey, mchid, ...overrides });
    cleanups.push(() => server.close());
    return server;
  }

  function agent(which: 'merchant' | 'none' | 'other-ca'): Agent {
    const credentials =
      which === 'merchant'
        ? { cert: pki.clientCert, key: pki.clientKey }
        : which === 'other-ca'
          ? { cert: pki.otherClientCert, key: pki.otherClientKey }
          : {};
    const created = new Agent({ keepAlive: true, maxSockets: 1, ca: pki.caCert, ...credentials });
    cleanups.push(() => created.destroy());
    return created;
  }

  it('binds to 127.0.0.1 only', async () => {
    const server = await start();
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers a correctly signed request with the merchant certificate', async () => {
    const server = await start();
    const reply = await post(server.url, '/mmpaymkttransfers/sendredpack', signedRedpack('B1'), agent('merchant'));
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/xml/);
    expect(reply.fields).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS', mch_billno: 'B1' });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({
      path: '/mmpaymkttransfers/sendredpack',
      signValid: true,
      clientCertCN: clientCommonName,
      fields: { mch_billno: 'B1' },
    });
  });

  it('answers CA_ERROR without a client certificate', async () => {
    const server = await start();
    const reply = await post(server.url, '/mmpaymkttransfers/sendredpack', signedRedpack('B2'), agent('none'));
    expect(reply.fields).toMatchObject({ return_code: 'FAIL', result_code: 'FAIL', err_code: 'CA_ERROR' });
    expect(server.requests[0]?.clientCertCN).toBeUndefined();
    expect(server.requests[0]?.signValid).toBe(true);
  });

  it('answers CA_ERROR for a client certificate from another CA', async () => {
    const server = await start();
    const reply = await post(server.url, '/mmpaymkttransfers/sendredpack', signedRedpack('B3'), agent('other-ca'));
    expect(reply.fields).toMatchObject({ return_code: 'FAIL', err_code: 'CA_ERROR' });
    expect(server.requests[0]?.clientCertCN).toBeUndefined();
  });

  it('serves coupon queries without a certificate, and honours certRequired', async () => {
    const server = await start();
    const coupon = await post(server.url, '/mmpaymkttransfers/query_coupon_stock', signedRedpack('C1'), agent('none'));
    expect(coupon.fields.return_code).toBe('SUCCESS');

    const lenient = await start({ certRequired: () => false });
    const open = await post(lenient.url, '/mmpaymkttransfers/sendredpack', signedRedpack('C2'), agent('none'));
    expect(open.fields.return_code).toBe('SUCCESS');
  });

  it('answers SIGN_ERROR for a wrong or missing sign', async () => {
    const server = await start();
    const merchant = agent('merchant');
    const tampered = { ...signedRedpack('S1'), total_amount: '100000' };
    const wrong = await post(server.url, '/mmpaymkttransfers/sendredpack', tampered, merchant);
    expect(wrong.fields).toMatchObject({ return_code: 'FAIL', err_code: 'SIGN_ERROR' });
    const unsigned = await post(server.url, '/mmpaymkttransfers/sendredpack', { mch_billno: 'S2' }, merchant);
    expect(unsigned.fields.err_code).toBe('SIGN_ERROR');
    expect(server.requests.map((recorded) => recorded.signValid)).toEqual([false, false]);
  });

  it('checks HMAC-SHA256 signatures when sign_type asks for them', async () => {
    const server = await start();
    const fields = withV2Sign(
      { mch_billno: 'H1', mch_id: mchid, nonce_str: 'n', sign_type: 'HMAC-SHA256' },
      serverKey,
      'HMAC-SHA256',
    );
    const reply = await post(server.url, '/pay/orderquery', fields, agent('merchant'));
    expect(reply.fields.return_code).toBe('SUCCESS');
    expect(server.requests[0]?.signValid).toBe(true);
  });

  it('passes accepted requests to the handler and sends its reply', async () => {
    const server = await start({
      handle: async (req) => ({
        status: 200,
        headers: { 'X-Test': 'yes' },
        body: replyXml({
          return_code: 'SUCCESS',
          result_code: 'FAIL',
          err_code: 'NOTENOUGH',
          echo: req.fields.mch_billno ?? '',
        }),
      }),
    });
    const reply = await post(server.url, '/mmpaymkttransfers/sendredpack', signedRedpack('H2'), agent('merchant'));
    expect(reply.headers['x-test']).toBe('yes');
    expect(reply.fields).toMatchObject({ result_code: 'FAIL', err_code: 'NOTENOUGH', echo: 'H2' });
  });

  it('counts one handshake for sequential requests over one keep-alive agent', async () => {
    const server = await start();
    const merchant = agent('merchant');
    for (const billNo of ['K1', 'K2', 'K3']) {
      const reply = await post(server.url, '/mmpaymkttransfers/sendredpack', signedRedpack(billNo), merchant);
      expect(reply.fields.return_code).toBe('SUCCESS');
    }
    expect(server.requests).toHaveLength(3);
    expect(server.handshakes()).toBe(1);
  });

  it('counts one handshake per agent', async () => {
    const server = await start();
    await post(server.url, '/mmpaymkttransfers/sendredpack', signedRedpack('A1'), agent('merchant'));
    await post(server.url, '/mmpaymkttransfers/sendredpack', signedRedpack('A2'), agent('merchant'));
    expect(server.handshakes()).toBe(2);
  });

  it('still sees the client certificate on a resumed TLS session', async () => {
    const server = await start();
    // keepAlive off: every request opens a new connection, which resumes the TLS session cached by the agent.
    const resuming = new Agent({ keepAlive: false, ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey });
    cleanups.push(() => resuming.destroy());
    const reused: boolean[] = [];
    for (const billNo of ['R1', 'R2']) {
      const reply = await post(
        server.url,
        '/mmpaymkttransfers/sendredpack',
        signedRedpack(billNo),
        resuming,
        (socket) => reused.push(socket.isSessionReused()),
      );
      expect(reply.fields.return_code).toBe('SUCCESS');
    }
    expect(server.handshakes()).toBe(2);
    expect(reused).toEqual([false, true]);
    expect(server.requests.map((recorded) => recorded.clientCertCN)).toEqual([clientCommonName, clientCommonName]);
  });

  it('closes promptly while keep-alive connections are open', async () => {
    const server = await startV2Server({ pki, key: serverKey, mchid });
    await post(server.url, '/mmpaymkttransfers/sendredpack', signedRedpack('Z1'), agent('merchant'));
    const started = performance.now();
    await server.close();
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

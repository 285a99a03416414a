// wxpay.downloadBill end to end against a loopback server: the signed application, the signed but UNSIGNED-reply
// download, gzip, and the hash check that must pass before a single byte is handed out.
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  parseTradeBill,
  SignatureVerificationError,
  ValidationError,
  Wxpay,
  WxpayAPIError,
  WxpayConnectionError,
  WxpayIntegrityError,
  type WxpayOptions,
  WxpayParseError,
} from '../src/index.js';
import { rejectionOfType as rejection } from './support/rejection.js';
import { useV3Server } from './support/v3-harness.js';
import { type RecordedV3Request, startV3Server, type V3Reply, type V3Request } from './support/v3-server.js';

/** The shape of the official example (docs/endpoints.md#bill-files), with a goods name holding a comma. */
const BILL = [
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注',
  '`2022-03-21 13:51:31,`wxfdc955f7104ad557,`180023671,`176531292,`,`420000612032130748613220688,`2021WERUN1647840687637,`oZWaCKXip5njeEiloC4oeOV1TTsk,`JSAPI,`SUCCESS,`OTHERS,`CNY,`0.01,`0.00,`0,`0,`0.00,`0.00,`,`,`云托管,测试,`,`0.00000,`0.90%,`0.01,`0.00,`',
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
  '`1,`0.01,`0.00,`0.00,`0.00000,`0.01,`0.00',
  '',
].join('\r\n');

const sha1 = (data: string | Buffer) => createHash('sha1').update(data).digest('hex');

/** What the application endpoints announce, and what the download serves. */
let announced: { hash_type: string; hash_value: string; download_url?: string };
let file: V3Reply;
/** How many downloads to answer 503 before serving `file`. */
let failingDownloads = 0;
const v3 = useV3Server({ handle: serve });

/** A client trusting the WeChat Pay public key, without retries; closed after the test. */
function client(overrides: Partial<WxpayOptions> = {}): Wxpay {
  return v3.client({ certs: { [v3.keys.publicKey.id]: v3.keys.publicKey.publicKeyPem }, maxRetries: 0, ...overrides });
}

function downloadUrl(): string {
  return `${v3.server.url}/v3/billdownload/file?token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA_Cv_isgaUtBzp4QtiozLO`;
}

function serve(request: V3Request): V3Reply {
  const path = request.path.split('?')[0];
  if (path === '/v3/bill/tradebill' || path === '/v3/bill/fundflowbill') {
    return { body: JSON.stringify({ download_url: downloadUrl(), ...announced }), sign: 'pubkey' };
  }
  if (path === '/v3/billdownload/file') {
    if (failingDownloads === 0) return file;
    failingDownloads--;
    return { status: 503, body: '{"code":"SYSTEM_ERROR","message":"busy"}', sign: 'none' };
  }
  return { status: 404, body: '{"code":"NOT_FOUND","message":"no such path"}', sign: 'none' };
}

/** The unsigned file reply of the download. */
function fileReply(bytes: Buffer): V3Reply {
  return { body: '', bodyBytes: bytes, sign: 'none', headers: { 'Content-Type': 'application/octet-stream' } };
}

function downloads(): RecordedV3Request[] {
  return v3.server.requests.filter((request) => request.path.startsWith('/v3/billdownload/file'));
}

beforeEach(() => {
  announced = { hash_type: 'SHA1', hash_value: sha1(BILL) };
  file = fileReply(Buffer.from(BILL, 'utf8'));
  failingDownloads = 0;
});

describe('downloadBill', () => {
  it('applies, downloads with a signed GET, checks the hash and hands out the text', async () => {
    const bill = await client().downloadBill({ tradebill: { bill_date: '2022-03-21', bill_type: 'ALL' } });
    expect(bill.text()).toBe(BILL);
    expect(bill.sha1).toBe(sha1(BILL));
    expect(bill.byteLength).toBe(Buffer.byteLength(BILL));
    const [apply, download] = v3.server.requests;
    expect(apply).toMatchObject({ method: 'GET', path: '/v3/bill/tradebill?bill_date=2022-03-21&bill_type=ALL' });
    expect(download?.method).toBe('GET');
    expect(download?.path).toBe(downloadUrl().slice(v3.server.url.length));
    expect(download?.headers.accept).toBe('*/*');
    expect(v3.server.requests.every((request) => request.authOk)).toBe(true);
    const rows = parseTradeBill(bill.text()).rows;
    expect(rows[0]?.goods_name).toBe('云托管,测试');
  });

  it('streams the verified text: async iteration and a ReadableStream give the same text', async () => {
    // Long enough for several chunks.
    const long = [
      BILL.split('\r\n')[0],
      ...Array(3000).fill(BILL.split('\r\n')[1]),
      ...BILL.split('\r\n').slice(2),
    ].join('\r\n');
    file = fileReply(Buffer.from(long, 'utf8'));
    announced = { hash_type: 'SHA1', hash_value: sha1(long) };
    const bill = await client().downloadBill({ tradebill: { bill_date: '2022-03-21' } });
    const chunks: string[] = [];
    for await (const chunk of bill) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe(long);
    // Every chunk but the last ends a line.
    for (const chunk of chunks.slice(0, -1)) expect(chunk.endsWith('\n')).toBe(true);
    const streamed: string[] = [];
    for await (const chunk of bill.stream()) streamed.push(chunk);
    expect(streamed.join('')).toBe(long);
    expect(parseTradeBill(bill.text()).rows).toHaveLength(3000);
  });

  it('unpacks a gzip bill (tar_type GZIP) and checks the hash of the UNCOMPRESSED bill', async () => {
    const gzipped = gzipSync(Buffer.from(BILL, 'utf8'));
    file = fileReply(gzipped);
    const bill = await client().downloadBill({ fundflowbill: { bill_date: '2022-03-21', tar_type: 'GZIP' } });
    expect(bill.text()).toBe(BILL);
    expect(v3.server.requests[0]?.path).toBe('/v3/bill/fundflowbill?bill_date=2022-03-21&tar_type=GZIP');

    // A hash of the compressed bytes is the wrong hash.
    announced = { hash_type: 'SHA1', hash_value: sha1(gzipped) };
    const error = await rejection(
      client().downloadBill({ tradebill: { bill_date: '2022-03-21', tar_type: 'GZIP' } }),
      WxpayIntegrityError,
    );
    expect(error.reason).toBe('hash mismatch');
  });

  it('refuses a bill whose hash does not match, handing out nothing of it', async () => {
    file = fileReply(Buffer.from(BILL.replace('0.01', '9.99'), 'utf8'));
    const error = await rejection(
      client().downloadBill({ tradebill: { bill_date: '2022-03-21' } }),
      WxpayIntegrityError,
    );
    expect(error.reason).toBe('hash mismatch');
    expect(error.expected).toBe(sha1(BILL));
    expect(error.actual).toBe(sha1(BILL.replace('0.01', '9.99')));
    expect(JSON.stringify(error)).not.toContain('WERUN');
    expect(error.message).not.toContain('WERUN');
  });

  it('compares the announced hash in either case', async () => {
    announced = { hash_type: 'SHA1', hash_value: sha1(BILL).toUpperCase() };
    expect((await client().downloadBill({ tradebill: { bill_date: '2022-03-21' } })).sha1).toBe(sha1(BILL));
  });

  it('refuses an unknown hash_type or a malformed hash_value before downloading', async () => {
    for (const hash of [
      { hash_type: 'MD5', hash_value: createHash('md5').update(BILL).digest('hex'), reason: 'unsupported hash_type' },
      { hash_type: 'sha1', hash_value: sha1(BILL), reason: 'unsupported hash_type' },
      { hash_type: 'SHA1', hash_value: sha1(BILL).slice(1), reason: 'invalid hash_value' },
      { hash_type: 'SHA1', hash_value: `${sha1(BILL).slice(1)}g`, reason: 'invalid hash_value' },
    ]) {
      announced = { hash_type: hash.hash_type, hash_value: hash.hash_value };
      const error = await rejection(
        client().downloadBill({ tradebill: { bill_date: '2022-03-21' } }),
        WxpayIntegrityError,
      );
      expect(error.reason).toBe(hash.reason);
    }
    expect(downloads()).toHaveLength(0);
  });

  it('refuses tar_type GZIP with plain bytes, and a damaged gzip stream', async () => {
    const notGzip = await rejection(
      client().downloadBill({ tradebill: { bill_date: '2022-03-21', tar_type: 'GZIP' } }),
      WxpayIntegrityError,
    );
    expect(notGzip.reason).toBe('not gzip');
    const gzipped = gzipSync(Buffer.from(BILL, 'utf8'));
    file = fileReply(Buffer.concat([gzipped.subarray(0, 20), Buffer.from('garbage'), gzipped.subarray(27)]));
    const damaged = await rejection(
      client().downloadBill({ tradebill: { bill_date: '2022-03-21', tar_type: 'GZIP' } }),
      WxpayIntegrityError,
    );
    expect(damaged.reason).toBe('gzip error');
  });

  it('caps the bill in memory, as downloaded and as unpacked (a gzip bomb)', async () => {
    const big = Buffer.alloc(4096, 'a');
    file = fileReply(big);
    announced = { hash_type: 'SHA1', hash_value: sha1(big) };
    const tooLarge = await rejection(
      client().downloadBill({ tradebill: { bill_date: '2022-03-21' } }, { maxBytes: 1024 }),
      WxpayIntegrityError,
    );
    expect(tooLarge.reason).toBe('too large');
    expect(tooLarge.cause).toBeUndefined();
    expect(JSON.stringify(tooLarge)).not.toContain('aaaa');

    const bomb = Buffer.alloc(10 * 1024 * 1024, 0);
    file = fileReply(gzipSync(bomb));
    announced = { hash_type: 'SHA1', hash_value: sha1(bomb) };
    const unpacked = await rejection(
      client().downloadBill({ tradebill: { bill_date: '2022-03-21', tar_type: 'GZIP' } }, { maxBytes: 64 * 1024 }),
      WxpayIntegrityError,
    );
    expect(unpacked.reason).toBe('too large');
    expect(
      await client().downloadBill({ tradebill: { bill_date: '2022-03-21' } }, { maxBytes: 11 * 1024 * 1024 }),
    ).toBeDefined();
  });

  it('takes a bill above the client reply cap (10 MiB) when maxBytes allows it, and its own deadline', async () => {
    const big = Buffer.from(`${BILL}${'#'.repeat(11 * 1024 * 1024)}`, 'utf8');
    file = fileReply(big);
    announced = { hash_type: 'SHA1', hash_value: sha1(big) };
    const bill = await client().downloadBill(
      { tradebill: { bill_date: '2022-03-21' } },
      { maxBytes: 12 * 1024 * 1024 },
    );
    expect(bill.byteLength).toBe(big.length);

    // A server that takes 400 ms to answer, against a 100 ms deadline for this download only.
    announced = { hash_type: 'SHA1', hash_value: sha1(BILL) };
    const server2 = await startV3Server({
      pki: v3.pki,
      keys: v3.keys,
      handle: async () => {
        await new Promise((resolve) => setTimeout(resolve, 400));
        return fileReply(Buffer.from(BILL, 'utf8'));
      },
    });
    try {
      const error = await rejection(
        client({ baseURL: server2.url }).downloadBill(
          { download_url: `${server2.url}/v3/billdownload/file?token=t`, ...announced },
          { timeout: 100 },
        ),
        WxpayConnectionError,
      );
      expect(error.code).toBe('ETIMEDOUT');
    } finally {
      await server2.close();
    }
  });

  it('lets a download outlast the client timeout when its own deadline is longer', async () => {
    // undici's own header and body timers (set from the client timeout) must not end the download before its deadline.
    const slow = await startV3Server({
      pki: v3.pki,
      keys: v3.keys,
      handle: async () => {
        await new Promise((resolve) => setTimeout(resolve, 1500));
        return fileReply(Buffer.from(BILL, 'utf8'));
      },
    });
    try {
      const bill = await client({ baseURL: slow.url, timeout: 100 }).downloadBill(
        { download_url: `${slow.url}/v3/billdownload/file?token=t`, ...announced },
        { timeout: 10_000 },
      );
      expect(bill.text()).toBe(BILL);
    } finally {
      await slow.close();
    }
  });

  it('retries the download GET like any read after a 5xx, signing each attempt afresh', async () => {
    failingDownloads = 1;
    const bill = await client({ maxRetries: 1 }).downloadBill({ download_url: downloadUrl(), ...announced });
    expect(bill.text()).toBe(BILL);
    const [first, second] = downloads();
    expect(downloads()).toHaveLength(2);
    expect(second?.authOk).toBe(true);
    expect(second?.headers.authorization).not.toBe(first?.headers.authorization);
  });

  it('takes the reply of an earlier application as is', async () => {
    const bill = await client().downloadBill({ download_url: downloadUrl(), ...announced });
    expect(bill.text()).toBe(BILL);
    expect(v3.server.requests).toHaveLength(1);
    expect(v3.server.requests[0]?.authOk).toBe(true);
    const error = await rejection(
      client().downloadBill({ download_url: downloadUrl(), hash_type: 'SHA1', hash_value: '' }),
      ValidationError,
    );
    expect(error.field).toBe('hash_value');
  });

  it('sends the signed GET only to the client own host, over https', async () => {
    const elsewhere = [
      'https://api.mch.weixin.qq.com/v3/billdownload/file?token=x',
      `${v3.server.url.replace('https:', 'http:')}/v3/billdownload/file?token=x`,
      `${v3.server.url}/other/billdownload/file?token=x`,
      `https://user:pass@${v3.server.url.slice('https://'.length)}/v3/billdownload/file?token=x`,
      'not a url',
    ];
    for (const download_url of elsewhere) {
      const error = await rejection(client().downloadBill({ download_url, ...announced }), ValidationError);
      expect(error.field).toBe('download_url');
    }
    expect(v3.server.requests).toHaveLength(0);
    // The real host is the client's own when no baseURL overrides it.
    const real = v3.track(new Wxpay(v3.merchant()));
    const error = await rejection(real.downloadBill({ download_url: downloadUrl(), ...announced }), ValidationError);
    expect(error.field).toBe('download_url');
  });

  it('trusts the application only when its reply verifies', async () => {
    // A second server whose application reply is damaged after signing.
    const other = await startV3Server({
      pki: v3.pki,
      keys: v3.keys,
      handle: () => ({
        body: JSON.stringify({ download_url: downloadUrl(), ...announced }),
        sign: 'pubkey',
        tamper: 'body',
      }),
    });
    try {
      const error = await rejection(
        client({ baseURL: other.url }).downloadBill({ tradebill: { bill_date: '2022-03-21' } }),
        SignatureVerificationError,
      );
      expect(error.reason).toBe('signature mismatch');
      expect(other.requests).toHaveLength(1);
    } finally {
      await other.close();
    }
  });

  it('reports an error reply of the download as WxpayAPIError, and a non-UTF-8 bill as WxpayParseError', async () => {
    file = { status: 404, body: '{"code":"RESOURCE_NOT_EXISTS","message":"账单文件不存在"}', sign: 'none' };
    const missing = await rejection(client().downloadBill({ tradebill: { bill_date: '2022-03-21' } }), WxpayAPIError);
    expect(missing).toMatchObject({ status: 404, code: 'RESOURCE_NOT_EXISTS' });

    const latin1 = Buffer.from([0xc4, 0xe3, 0xba, 0xc3, 0xff]);
    file = fileReply(latin1);
    announced = { hash_type: 'SHA1', hash_value: sha1(latin1) };
    const notText = await rejection(client().downloadBill({ tradebill: { bill_date: '2022-03-21' } }), WxpayParseError);
    expect(notText.body).toBe('');
  });

  it('validates the application before sending anything', async () => {
    const error = await rejection(client().downloadBill({ tradebill: { bill_date: '2022/03/21' } }), ValidationError);
    expect(error).toMatchObject({ field: 'query.bill_date', rule: 'date yyyy-MM-dd' });
    for (const options of [{ maxBytes: 0 }, { timeout: 0 }, { timeout: Number.NaN }, { timeout: -1 }]) {
      const refused = await rejection(
        client().downloadBill({ tradebill: { bill_date: '2022-03-21' } }, options),
        ValidationError,
      );
      expect(refused.field).toBe(Object.keys(options)[0]);
    }
    expect(v3.server.requests).toHaveLength(0);
  });

  it('prints a bill as its size and digest only', async () => {
    const bill = await client().downloadBill({ tradebill: { bill_date: '2022-03-21' } });
    expect(JSON.stringify(bill)).toBe(JSON.stringify({ byteLength: bill.byteLength, sha1: bill.sha1 }));
    expect(inspect(bill)).not.toContain('WERUN');
    expect(inspect(bill)).toContain(bill.sha1);
  });
});

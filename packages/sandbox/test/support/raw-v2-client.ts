// Test-only APIv2 client that is not the wxpay SDK: node:https, its own MD5 sign and CDATA XML, its own reply reading.
// The fidelity tests use it to see the replies exactly as any client would.
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:https';

export type Fields = Record<string, string>;

/** What the client needs of a sandbox merchant: its APIv2 key and API certificate, and the sandbox's CA. */
export interface RawMerchant {
  mchid: string;
  secret: string;
  cert: string;
  key: string;
}

/** What the client needs, taken from a sandbox merchant's client configuration. */
export function rawMerchant(config: {
  mchid: string;
  secret: string;
  merchant: { cert: string; key: string };
}): RawMerchant {
  return { mchid: config.mchid, secret: config.secret, cert: config.merchant.cert, key: config.merchant.key };
}

/**
 * MD5 over `k=v&...` (sorted; empty values and `sign` left out; only the names in `subset` when given) + `&<suffix>`,
 * uppercase hex: the APIv2 `sign` with suffix `key=<APIv2 key>`, `workwx_sign` with `secret=<WeCom secret>`.
 */
export function md5Signature(fields: Fields, suffix: string, subset?: readonly string[]): string {
  const text = Object.keys(fields)
    .filter((name) => name !== 'sign' && fields[name] !== '' && (subset === undefined || subset.includes(name)))
    .sort()
    .map((name) => `${name}=${fields[name]}`)
    .join('&');
  return createHash('md5').update(`${text}&${suffix}`, 'utf8').digest('hex').toUpperCase();
}

/** The APIv2 `sign` (MD5) with the merchant's APIv2 key. */
export function md5Sign(fields: Fields, secret: string): string {
  return md5Signature(fields, `key=${secret}`);
}

/** `<xml>` with every value in CDATA, as WeChat Pay's own examples write it. */
export function toXml(fields: Fields): string {
  const children = Object.entries(fields).map(([name, value]) => `<${name}><![CDATA[${value}]]></${name}>`);
  return `<xml>${children.join('')}</xml>`;
}

const entities: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** The flat text elements of a reply (CDATA or escaped text); empty elements come out as "". */
export function readReply(xml: string): Fields {
  const fields: Fields = {};
  for (const match of xml.matchAll(/<([A-Za-z_][\w.-]*)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/\1>/g)) {
    const [, name = '', cdata, text] = match;
    fields[name] =
      cdata ??
      (text ?? '').replace(/&(#\d+|lt|gt|amp|quot|apos);/g, (_, ref: string) =>
        ref.startsWith('#') ? String.fromCodePoint(Number(ref.slice(1))) : (entities[ref] ?? ''),
      );
  }
  return fields;
}

/**
 * POSTs `fields` (plus mch_id, a nonce and the MD5 sign) to `url` + `path`, presenting the merchant's certificate and
 * trusting only `ca`; resolves with the reply's fields.
 */
export function postV2(url: string, ca: string, merchant: RawMerchant, path: string, fields: Fields): Promise<Fields> {
  const signed: Fields = { mch_id: merchant.mchid, nonce_str: randomBytes(16).toString('hex'), ...fields };
  signed.sign = md5Sign(signed, merchant.secret);
  const body = toXml(signed);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${url}${path}`,
      {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8' },
        ca,
        cert: merchant.cert,
        key: merchant.key,
        agent: false,
      },
      (reply) => {
        const chunks: Buffer[] = [];
        reply.on('data', (chunk: Buffer) => chunks.push(chunk));
        reply.on('end', () => {
          if (reply.statusCode !== 200) reject(new Error(`HTTP ${reply.statusCode}`));
          else resolve(readReply(Buffer.concat(chunks).toString('utf8')));
        });
        reply.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

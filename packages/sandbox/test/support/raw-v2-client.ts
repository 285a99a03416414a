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

/** MD5 over `k=v&...` (sorted; empty values and `sign` left out) + `&key=<secret>`, uppercase hex. */
export function md5Sign(fields: Fields, secret: string): string {
  const text = Object.keys(fields)
    .filter((name) => name !== 'sign' && fields[name] !== '')
    .sort()
    .map((name) => `${name}=${fields[name]}`)
    .join('&');
  return createHash('md5').update(`${text}&key=${secret}`, 'utf8').digest('hex').toUpperCase();
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
  const body = `<xml>${Object.entries(signed)
    .map(([name, value]) => `<${name}><![CDATA[${value}]]></${name}>`)
    .join('')}</xml>`;
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

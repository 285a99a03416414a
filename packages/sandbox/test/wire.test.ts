// The sandbox's own wire code against answers computed by someone else: the known-answer vectors of docs/vectors.md
// and the message layouts of docs/protocol.md. These are what keep the sandbox an independent check on the SDK.
import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Transformer } from 'wxpay';
import { encryptAesGcm } from '../src/wire/aes-gcm.js';
import { equalsInConstantTime } from '../src/wire/constant-time.js';
import { sha256Hex } from '../src/wire/digest.js';
import { createNonce } from '../src/wire/nonce.js';
import { randomBelow } from '../src/wire/random-pool.js';
import { signV2 } from '../src/wire/v2-sign.js';
import { replySignMessage, signReplyMessage } from '../src/wire/v3-reply-signature.js';
import { requestSignMessage, verifyRequestSignature } from '../src/wire/v3-request-signature.js';
import { signWorkwx } from '../src/wire/workwx-sign.js';
import { xmlElement } from '../src/wire/xml-element.js';

describe('APIv2 sign (docs/vectors.md, "APIv2 sign")', () => {
  const fields = {
    appid: 'wxd930ea5d5a258f4f',
    mch_id: '10000100',
    device_info: '1000',
    body: 'test',
    nonce_str: 'ibuaiVcKdpRxkhJA',
  };
  const key = '192006250b4c09247ec02edce69f6a2d';

  it('gives the documented MD5 and HMAC-SHA256 answers', () => {
    expect(signV2(fields, key, 'MD5')).toBe('9A0A8659F005D6984697E2CA0A9CF3B7');
    expect(signV2(fields, key, 'HMAC-SHA256')).toBe('6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6');
  });

  it('leaves out sign itself and empty values, and covers unknown extra fields', () => {
    const answer = signV2(fields, key, 'MD5');
    expect(signV2({ ...fields, sign: 'ANYTHING', attach: '' }, key, 'MD5')).toBe(answer);
    expect(signV2({ ...fields, extra: 'x' }, key, 'MD5')).not.toBe(answer);
  });

  it('sorts names by byte value, so upper case comes before lower case', () => {
    const expected = createHash('md5').update('B=2&a=1&key=k').digest('hex').toUpperCase();
    expect(signV2({ a: '1', B: '2' }, 'k', 'MD5')).toBe(expected);
  });

  it('sorts names beyond U+D7FF by their UTF-8 bytes too, where UTF-16 order differs', () => {
    // UTF-8: U+E000 is EE 80 80, U+10000 is F0 90 80 80; in UTF-16 U+10000 (D800 DC00) would come first.
    const expected = createHash('md5').update('a=1&\uE000=2&\u{10000}=3&key=k').digest('hex').toUpperCase();
    expect(signV2({ '\u{10000}': '3', '\uE000': '2', a: '1' }, 'k', 'MD5')).toBe(expected);
  });
});

describe('workwx_sign (docs/protocol.md, "WeCom workwx_sign")', () => {
  it('covers only the subset, sorted, then &secret=', () => {
    const fields = {
      wxappid: 'wxe062425f740d30d8',
      mch_id: '1900000109',
      act_name: '年会',
      total_amount: '100',
      re_openid: 'o1',
      nonce_str: 'n1',
      mch_billno: 'B1',
      remark: 'not covered',
      sign: 'not covered',
      empty: '',
    };
    const subset = ['act_name', 'mch_billno', 'mch_id', 'nonce_str', 're_openid', 'total_amount', 'wxappid', 'empty'];
    const message =
      'act_name=年会&mch_billno=B1&mch_id=1900000109&nonce_str=n1&re_openid=o1&total_amount=100&wxappid=wxe062425f740d30d8&secret=S';
    expect(signWorkwx(fields, subset, 'S')).toBe(createHash('md5').update(message, 'utf8').digest('hex').toUpperCase());
    expect(signWorkwx({ ...fields, remark: 'changed' }, subset, 'S')).toBe(signWorkwx(fields, subset, 'S'));
  });
});

describe('AES-256-GCM (docs/vectors.md)', () => {
  it('seals to the documented ciphertext', () => {
    const sealed = encryptAesGcm({
      key: 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb',
      nonce: 'uluk4a9R25RW',
      associatedData: 'associatedData',
      plaintext: 'message',
    });
    expect(sealed).toBe('ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=');
  });

  it('refuses a key or nonce of the wrong size instead of sealing with it', () => {
    const input = { key: 'k'.repeat(32), nonce: 'n'.repeat(12), associatedData: '', plaintext: 'p' };
    expect(() => encryptAesGcm({ ...input, key: 'k'.repeat(31) })).toThrow(/32-byte/);
    expect(() => encryptAesGcm({ ...input, nonce: 'n'.repeat(16) })).toThrow(/12-byte/);
  });
});

describe('APIv3 reply signature (docs/vectors.md, public key example)', () => {
  const publicKey = createPublicKey(
    readFileSync(new URL('../../sdk/test/fixtures/pub_key_id_example.pem', import.meta.url), 'utf8'),
  );
  const signature =
    'mfI1CPqvBrgcXfgXMFjdNIhBf27ACE2YyeWsWV9ZI7T7RU0vHvbQpu9Z32ogzc+k8ZC5n3kz7h70eWKjgqNdKQF0eRp8mVKlmfzMLBVHbssB9jEZEDXThOX1XFqX7s7ymia1hoHQxQagPGzkdWxtlZPZ4ZPvr1RiqkgAu6Is8MZgXXrRoBKqjmSdrP1N7uxzJ/cjfSiis9FiLjuADoqmQ1P7p2N876YPAol7Rn0+GswwAwxldbdLrmVSjfytfSBJFqTMHn4itojgxSWWN1byuckQt8hSTEv/Lg97QoeGniYP17T80pJeQyL3b+295FPHSO2AtvCgyIbKMZ0BALilAA==';

  it('builds the three-line message WeChat Pay signed', () => {
    const message = replySignMessage(
      '1722850421',
      'd824f2e086d3c1df967785d13fcd22ef',
      '{"code_url":"weixin://wxpay/bizpayurl?pr=JyC91EIz1"}',
    );
    // The documented signature verifies over exactly these bytes.
    expect(verify('sha256', message, publicKey, Buffer.from(signature, 'base64'))).toBe(true);
    const otherBody = replySignMessage('1722850421', 'd824f2e086d3c1df967785d13fcd22ef', '{}');
    expect(verify('sha256', otherBody, publicKey, Buffer.from(signature, 'base64'))).toBe(false);
  });

  it('signs SHA256withRSA, base64', () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const message = replySignMessage('1', 'n', '');
    expect(message.toString('utf8')).toBe('1\nn\n\n');
    expect(verifyRequestSignature(message, signReplyMessage(message, pair.privateKey), pair.publicKey)).toBe(true);
  });
});

describe('APIv3 request signature (docs/protocol.md, "APIv3: signing requests")', () => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const parts = {
    method: 'POST',
    pathAndQuery: '/v3/global/refunds?x=%2F',
    timestamp: '1722850421',
    nonce: 'abc',
    body: Buffer.from('{"a":1}'),
  };
  const signatureOf = (text: string | Buffer): string =>
    sign('sha256', Buffer.from(text), pair.privateKey).toString('base64');

  it('is the five lines, each ending in a line feed, over the body bytes as received', () => {
    const message = requestSignMessage(parts);
    expect(message?.toString('utf8')).toBe('POST\n/v3/global/refunds?x=%2F\n1722850421\nabc\n{"a":1}\n');
    const signature = signatureOf('POST\n/v3/global/refunds?x=%2F\n1722850421\nabc\n{"a":1}\n');
    expect(message !== undefined && verifyRequestSignature(message, signature, pair.publicKey)).toBe(true);
    // Bytes that are not UTF-8 are signed as they are, not as a decoder would repair them.
    const raw = Buffer.from([0xff, 0xfe]);
    const rawMessage = requestSignMessage({ ...parts, body: raw });
    const rawSigned = Buffer.concat([
      Buffer.from('POST\n/v3/global/refunds?x=%2F\n1722850421\nabc\n'),
      raw,
      Buffer.from('\n'),
    ]);
    expect(rawMessage !== undefined && verifyRequestSignature(rawMessage, signatureOf(rawSigned), pair.publicKey)).toBe(
      true,
    );
  });

  it('refuses a line break inside a line, a changed path and loose base64', () => {
    expect(requestSignMessage({ ...parts, nonce: 'a\nb' })).toBeUndefined();
    expect(requestSignMessage({ ...parts, pathAndQuery: '/v3/x\r' })).toBeUndefined();
    const message = requestSignMessage(parts) ?? Buffer.alloc(0);
    const signature = signatureOf(message);
    const other = requestSignMessage({ ...parts, pathAndQuery: '/v3/global/refunds?x=/' }) ?? Buffer.alloc(0);
    expect(verifyRequestSignature(other, signature, pair.publicKey)).toBe(false);
    expect(verifyRequestSignature(message, `${signature.slice(0, 20)}\n${signature.slice(20)}`, pair.publicKey)).toBe(
      false,
    );
    expect(verifyRequestSignature(message, signature.replace(/=+$/, ''), pair.publicKey)).toBe(false);
    expect(verifyRequestSignature(message, '', pair.publicKey)).toBe(false);
    expect(verifyRequestSignature(message, 'WECHATPAY/SIGNTEST/abc', pair.publicKey)).toBe(false);
  });
});

describe('small pieces', () => {
  it('compares in constant time, and only equal strings are equal', () => {
    expect(equalsInConstantTime('ABC', 'ABC')).toBe(true);
    expect(equalsInConstantTime('ABC', 'ABD')).toBe(false);
    expect(equalsInConstantTime('ABC', 'ABCD')).toBe(false);
    expect(equalsInConstantTime('ABCD', 'ABC')).toBe(false);
    expect(equalsInConstantTime('', '')).toBe(true);
    // Same number of characters, not of bytes.
    expect(equalsInConstantTime('é', 'e')).toBe(false);
    expect(equalsInConstantTime('红', '红')).toBe(true);
  });

  it('draws random numbers below a bound, each one about as often as the others', () => {
    const counts = new Array<number>(62).fill(0);
    for (let i = 0; i < 62_000; i++) {
      const value = randomBelow(62);
      expect(Number.isInteger(value) && value >= 0 && value < 62).toBe(true);
      counts[value] = (counts[value] ?? 0) + 1;
    }
    // 1000 expected each; a modulo bias (4 of 62 values drawn 5/4 as often) would show as 1200 against 960.
    for (const count of counts) expect(count).toBeGreaterThan(850);
    for (const count of counts) expect(count).toBeLessThan(1150);
    expect(() => randomBelow(0)).toThrow(RangeError);
    expect(() => randomBelow(257)).toThrow(RangeError);
  });

  it('hashes SHA-256 to the FIPS 180-2 answer', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('makes nonces of letters and digits, of the length asked, never twice the same', () => {
    expect(createNonce()).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(createNonce(12)).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(new Set(Array.from({ length: 1000 }, () => createNonce(16))).size).toBe(1000);
    expect(() => createNonce(0)).toThrow(RangeError);
  });

  it('writes XML elements the SDK parser reads back exactly', () => {
    const values = ['plain', 'a<b>&"c\'', 'x]]>y', 'line\r\nbreak\rcr', '红包 🧧', ''];
    for (const value of values) {
      expect(Transformer.toObject(`<xml>${xmlElement('v', value)}</xml>`).v ?? '').toBe(value);
    }
    expect(xmlElement('v', 'x]]>y')).toBe('<v><![CDATA[x]]]]><![CDATA[>y]]></v>');
    expect(() => xmlElement('v', 'bell\u0007')).toThrow(/XML/);
    expect(() => xmlElement('a b', 'x')).toThrow(/element name/);
  });
});

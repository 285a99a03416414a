// APIv2 signatures against the official vector, and WeCom's workwx_sign over its fixed field subset.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signV2, signWorkwx, v2SignString, verifyV2Sign } from '../src/v2/sign.js';

const official = {
  appid: 'wxd930ea5d5a258f4f',
  mch_id: '10000100',
  device_info: '1000',
  body: 'test',
  nonce_str: 'ibuaiVcKdpRxkhJA',
};
const KEY = '192006250b4c09247ec02edce69f6a2d';

describe('APIv2 sign (official vector)', () => {
  it('builds the documented string to sign', () => {
    expect(v2SignString(official, KEY)).toBe(
      'appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA&key=192006250b4c09247ec02edce69f6a2d',
    );
  });

  it('computes the documented MD5 and HMAC-SHA256 signatures', () => {
    expect(signV2(official, KEY)).toBe('9A0A8659F005D6984697E2CA0A9CF3B7');
    expect(signV2(official, KEY, 'HMAC-SHA256')).toBe(
      '6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6',
    );
  });

  it('ignores sign and empty values, keeps spaces, and sorts by byte order (uppercase first)', () => {
    const withNoise = { ...official, sign: 'X', empty: '', Zeta: ' z ' };
    expect(v2SignString(withNoise, 'k')).toBe(
      'Zeta= z &appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA&key=k',
    );
  });

  it('verifies with the algorithm of the exchange, never by signature length, and rejects tampering', () => {
    const md5Signed = { ...official, sign: '9A0A8659F005D6984697E2CA0A9CF3B7' };
    const hmacSigned = { ...official, sign: '6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6' };
    expect(verifyV2Sign(md5Signed, KEY, 'MD5')).toBe(true);
    expect(verifyV2Sign(hmacSigned, KEY, 'HMAC-SHA256')).toBe(true);
    // A valid signature of the other algorithm does not stand in.
    expect(verifyV2Sign(md5Signed, KEY, 'HMAC-SHA256')).toBe(false);
    expect(verifyV2Sign(hmacSigned, KEY, 'MD5')).toBe(false);
    expect(verifyV2Sign(hmacSigned, KEY)).toBe(false); // MD5 by default
    expect(verifyV2Sign({ ...md5Signed, body: 'test2' }, KEY)).toBe(false);
    expect(
      verifyV2Sign(
        { ...official, extra_new_field: 'x', sign: signV2({ ...official, extra_new_field: 'x' }, KEY) },
        KEY,
      ),
    ).toBe(true);
    expect(verifyV2Sign(official, KEY)).toBe(false);
    expect(verifyV2Sign({ ...official, sign: 'ABC' }, KEY)).toBe(false);
    expect(verifyV2Sign(md5Signed, 'another-key')).toBe(false);
  });
});

describe('workwx_sign', () => {
  const subset = ['act_name', 'mch_billno', 'mch_id', 'nonce_str', 're_openid', 'total_amount', 'wxappid'];
  const fields = {
    act_name: '新年红包',
    mch_billno: '100000982026112500000001',
    mch_id: '10000098',
    nonce_str: 'abc',
    re_openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
    total_amount: '1000',
    wxappid: 'wxe062425f740d30d8',
    wishing: 'not in the subset',
    remark: '',
  };

  it('covers only the subset, sorted, with &secret= appended', () => {
    const expected = createHash('md5')
      .update(
        'act_name=新年红包&mch_billno=100000982026112500000001&mch_id=10000098&nonce_str=abc&re_openid=oxTWIuGaIt6gTKsQRLau2M0yL16E&total_amount=1000&wxappid=wxe062425f740d30d8&secret=S3CRET',
      )
      .digest('hex')
      .toUpperCase();
    expect(signWorkwx(fields, subset, 'S3CRET')).toBe(expected);
    expect(signWorkwx({ ...fields, wishing: 'changed' }, subset, 'S3CRET')).toBe(expected);
    expect(signWorkwx({ ...fields, total_amount: '1001' }, subset, 'S3CRET')).not.toBe(expected);
  });
});

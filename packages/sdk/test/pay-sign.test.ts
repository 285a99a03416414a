// Client-side pay signs: exact field names and signed messages, verified with the merchant public key.
import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../src/errors.js';
import { appPaySign, jsapiPaySign } from '../src/v3/pay-sign.js';

const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_KEY_PEM = merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const now = () => 1_722_850_421_987;

function verifies(message: string, signature: string): boolean {
  return verify('sha256', Buffer.from(message, 'utf8'), merchant.publicKey, Buffer.from(signature, 'base64'));
}

describe('jsapiPaySign', () => {
  it('returns the getBrandWCPayRequest fields, signing appId, timeStamp, nonceStr and package', () => {
    const params = jsapiPaySign({
      appId: 'wx8888888888888888',
      prepayId: 'wx201410272009395522657a690389285100',
      privateKey: PRIVATE_KEY_PEM,
      nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
      now,
    });
    expect(Object.keys(params)).toEqual(['appId', 'timeStamp', 'nonceStr', 'package', 'signType', 'paySign']);
    expect(params).toMatchObject({
      appId: 'wx8888888888888888',
      timeStamp: '1722850421',
      nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
      package: 'prepay_id=wx201410272009395522657a690389285100',
      signType: 'RSA',
    });
    const message =
      'wx8888888888888888\n1722850421\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx201410272009395522657a690389285100\n';
    expect(verifies(message, params.paySign)).toBe(true);
  });

  it('defaults to a random 32-character nonce and takes an explicit timeStamp', () => {
    const a = jsapiPaySign({ appId: 'wx1', prepayId: 'p1', privateKey: merchant.privateKey, timeStamp: '1700000000' });
    const b = jsapiPaySign({ appId: 'wx1', prepayId: 'p1', privateKey: merchant.privateKey, timeStamp: '1700000000' });
    expect(a.nonceStr).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(a.nonceStr).not.toBe(b.nonceStr);
    expect(a.timeStamp).toBe('1700000000');
    expect(verifies(`wx1\n1700000000\n${a.nonceStr}\nprepay_id=p1\n`, a.paySign)).toBe(true);
  });

  it('refuses values that would change the signed lines or that WeChat rejects', () => {
    const base = { appId: 'wx1', prepayId: 'p1', privateKey: PRIVATE_KEY_PEM, now };
    expect(() => jsapiPaySign({ ...base, prepayId: 'prepay_id=p1' })).toThrow(ValidationError);
    expect(() => jsapiPaySign({ ...base, appId: 'wx1\nextra' })).toThrow(ValidationError);
    expect(() => jsapiPaySign({ ...base, timeStamp: '1722850421987' })).toThrow(ValidationError);
    expect(() => jsapiPaySign({ ...base, nonceStr: 'x'.repeat(33) })).toThrow(ValidationError);
    expect(() => jsapiPaySign({ ...base, appId: '' })).toThrow(ValidationError);
  });
});

describe('appPaySign', () => {
  it('returns the APP PayReq fields, signing the bare prepay id on line 4', () => {
    const params = appPaySign({
      appid: 'wxd678efh567hg6787',
      partnerid: '1900000109',
      prepayid: 'WX1217752501201407033233368018',
      privateKey: PRIVATE_KEY_PEM,
      noncestr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
      now,
    });
    expect(Object.keys(params)).toEqual(['appid', 'partnerid', 'prepayid', 'package', 'noncestr', 'timestamp', 'sign']);
    expect(params).toMatchObject({
      appid: 'wxd678efh567hg6787',
      partnerid: '1900000109',
      prepayid: 'WX1217752501201407033233368018',
      package: 'Sign=WXPay',
      noncestr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
      timestamp: '1722850421',
    });
    const message =
      'wxd678efh567hg6787\n1722850421\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nWX1217752501201407033233368018\n';
    expect(verifies(message, params.sign)).toBe(true);
  });

  it('refuses a missing partnerid', () => {
    expect(() => appPaySign({ appid: 'wx1', partnerid: '', prepayid: 'p1', privateKey: PRIVATE_KEY_PEM, now })).toThrow(
      ValidationError,
    );
  });
});

// checkV2Request: the catalogue's field rules without sending, as a batch tool checks every row before the first send.
import { describe, expect, it } from 'vitest';
import { checkV2Request, ValidationError } from '../src/index.js';

const packet = {
  mch_billno: '10000098201411111234567890',
  wxappid: 'wx8888888888888888',
  send_name: '天虹百货',
  re_openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
  total_amount: 1000,
  total_num: 1,
  wishing: '感谢您参加猜灯谜活动',
  client_ip: '192.168.0.1',
  act_name: '猜灯谜抢红包活动',
  remark: '猜越多得越多',
};

describe('checkV2Request', () => {
  it('passes a valid request that leaves out what the pipeline fills (mch_id, nonce_str, sign)', () => {
    expect(checkV2Request('v2/mmpaymkttransfers/sendredpack', packet)).toBeUndefined();
  });

  it('returns the ValidationError a call would throw, naming the field and the rule', () => {
    const broken = checkV2Request('v2/mmpaymkttransfers/sendredpack', { ...packet, mch_billno: 'has-dash' });
    expect(broken).toBeInstanceOf(ValidationError);
    expect(broken).toMatchObject({ field: 'mch_billno', rule: 'charset [0-9A-Za-z]' });
    expect(checkV2Request('v2/mmpaymkttransfers/sendredpack', { ...packet, total_amount: 30000 })).toMatchObject({
      field: 'scene_id',
    });
    expect(checkV2Request('v2/mmpaymkttransfers/sendredpack', { ...packet, total_amount: Number.NaN })).toMatchObject({
      field: 'total_amount',
      rule: 'finite number',
    });
  });

  it('leaves undefined fields out, as a call does', () => {
    expect(checkV2Request('v2/mmpaymkttransfers/sendredpack', { ...packet, scene_id: undefined })).toBeUndefined();
    expect(checkV2Request('v2/mmpaymkttransfers/sendredpack', { ...packet, wishing: undefined })).toMatchObject({
      field: 'wishing',
      rule: 'required',
    });
  });

  it('refuses an uncatalogued path', () => {
    expect(checkV2Request('v2/pay/unifiedorder', {})).toMatchObject({ field: 'path' });
  });
});

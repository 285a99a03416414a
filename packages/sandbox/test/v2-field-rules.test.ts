// The field rules of WeCom pay to staff (promotion/paywwsptrans2pocket) as its official field table gives them
// (https://developer.work.weixin.qq.com/document/path/90278): every documented length, and a partner_trade_no of
// letters and digits only. Sent by a raw client, not the SDK, so the sandbox's own answer is what is seen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index.js';
import { v2Endpoint } from '../src/v2/endpoints.js';
import { createNonce } from '../src/wire/nonce.js';
import { signWorkwx } from '../src/wire/workwx-sign.js';
import { startTestSandbox, type TestSandbox } from './support/fixtures.js';
import { type Fields, postV2, type RawMerchant, rawMerchant } from './support/raw-v2-client.js';

const MCH = '10000077';
const CORPID = 'ww77777777777777';
const PATH = '/mmpaymkttransfers/promotion/paywwsptrans2pocket';
const staff = [
  { openid: 'oxTWIuGaIt6gTKsQRLau2M0y77A', name: '张三', appid: CORPID },
  { openid: 'oxTWIuGaIt6gTKsQRLau2M0y77B', name: '李四', appid: CORPID },
];

let world: TestSandbox;
let sandbox: Sandbox;
let merchant: RawMerchant;
let workwxSecret: string;

beforeAll(async () => {
  world = await startTestSandbox();
  sandbox = world.sandbox;
  const config = await sandbox.admin.createMerchant({
    mchid: MCH,
    workwxCorpid: CORPID,
    balance: 10_000_000,
    users: staff,
  });
  merchant = rawMerchant(config);
  workwxSecret = config.workwxSecret ?? '';
});

afterAll(async () => {
  await world?.close();
});

let sequence = 0;

/** A payment to staff with `overrides`, carrying a correct workwx_sign (and, from the client, a correct sign). */
function payToStaff(overrides: Fields): Promise<Fields> {
  sequence += 1;
  const fields: Fields = {
    mch_id: MCH,
    nonce_str: createNonce(),
    appid: CORPID,
    partner_trade_no: `${MCH}F${String(sequence).padStart(10, '0')}`,
    openid: staff[0]?.openid ?? '',
    check_name: 'NO_CHECK',
    amount: '100',
    desc: '六月出差报销费用',
    spbill_create_ip: '10.2.3.10',
    ww_msg_type: 'NORMAL_MSG',
    act_name: '出差报销',
    ...overrides,
  };
  fields.workwx_sign = signWorkwx(
    fields,
    v2Endpoint('promotion/paywwsptrans2pocket')?.workwxFields ?? [],
    workwxSecret,
  );
  return postV2(sandbox.url, sandbox.tls.ca, merchant, PATH, fields);
}

describe('paywwsptrans2pocket field rules', () => {
  it.each([
    ['a partner_trade_no with a symbol', { partner_trade_no: 'P-20250101-1' }, 'partner_trade_no: charset [0-9A-Za-z]'],
    ['a partner_trade_no over 32 characters', { partner_trade_no: '1'.repeat(33) }, 'partner_trade_no: maxLength 32'],
    ['an appid over 128 characters', { appid: 'w'.repeat(129) }, 'appid: maxLength 128'],
    ['an openid over 64 characters', { openid: 'o'.repeat(65) }, 'openid: maxLength 64'],
    ['a re_user_name over 64 characters', { re_user_name: '名'.repeat(65) }, 're_user_name: maxLength 64'],
    ['a desc over 81 characters', { desc: '报'.repeat(82) }, 'desc: maxLength 81'],
    ['a spbill_create_ip over 32 characters', { spbill_create_ip: '1'.repeat(33) }, 'spbill_create_ip: maxLength 32'],
    ['an act_name over 50 characters', { act_name: '项'.repeat(51) }, 'act_name: maxLength 50'],
    ['a device_info over 32 characters', { device_info: 'd'.repeat(33) }, 'device_info: maxLength 32'],
    [
      'an approval_type other than 1',
      { ww_msg_type: 'APPROVAL_MSG', approval_number: '201705160008', approval_type: '2' },
      'approval_type: integer = 1',
    ],
  ])('answers PARAM_ERROR naming the field for %s', async (_, overrides, des) => {
    const reply = await payToStaff(overrides);
    expect(reply).toMatchObject({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: 'PARAM_ERROR' });
    expect(reply.err_code_des).toContain(des);
  });

  it('takes every field at its documented maximum length', async () => {
    const reply = await payToStaff({
      partner_trade_no: `${'A'.repeat(31)}9`,
      openid: staff[1]?.openid ?? '',
      re_user_name: '名'.repeat(64),
      desc: '报'.repeat(81),
      spbill_create_ip: '1'.repeat(32),
      act_name: '项'.repeat(50),
      device_info: 'd'.repeat(32),
    });
    expect(reply).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS' });
  });
});

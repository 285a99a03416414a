// Test-only red packet requests for the default mainland merchant, with fresh bill numbers.
import type { SendRedpackRequest, SendWorkwxRedpackRequest } from 'wxpay';
import { DEFAULTS } from '../../src/bootstrap.js';

export const MCH: string = DEFAULTS.mainland;
export const REDPACK_APPID: string = DEFAULTS.redpackAppid;
export const CORPID: string = DEFAULTS.workwxCorpid;
export const [ZHANG, LI, WANG] = DEFAULTS.users.map((user) => user.openid) as [string, string, string];

let billSequence = 0;
/** mch_id + yyyymmdd + 10 digits, the documented convention (26 characters of [0-9]). */
export function nextBillno(): string {
  billSequence += 1;
  return `${MCH}20250101${String(billSequence).padStart(10, '0')}`;
}

const story = {
  wishing: '感谢您参加猜灯谜活动，祝您元宵节快乐！',
  act_name: '猜灯谜抢红包活动',
  remark: '猜越多得越多，快来抢！',
};

export function redpack(overrides: Partial<SendRedpackRequest> = {}): SendRedpackRequest {
  return {
    mch_billno: nextBillno(),
    mch_id: MCH,
    wxappid: REDPACK_APPID,
    send_name: '天虹百货',
    re_openid: ZHANG,
    total_amount: 1000,
    total_num: 1,
    client_ip: '192.168.0.1',
    ...story,
    ...overrides,
  };
}

export function workwxRedpack(overrides: Partial<SendWorkwxRedpackRequest> = {}): SendWorkwxRedpackRequest {
  return {
    mch_billno: nextBillno(),
    mch_id: MCH,
    wxappid: CORPID,
    sender_name: 'XX活动',
    re_openid: ZHANG,
    total_amount: 1000,
    ...story,
    ...overrides,
  };
}

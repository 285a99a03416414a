// The bill parsers: the official file layout (header, back-tick values, summary header, summary line) into typed rows,
// both bill kinds, the spellings that occur, and malformed files refused with the line, never the line's content.
import { describe, expect, it } from 'vitest';
import { parseFundFlowBill, parseTradeBill, WxpayParseError } from '../src/index.js';

// The examples of the official format pages (docs/endpoints.md#bill-files).
const TRADE_HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const TRADE_ROW =
  '`2022-03-21 13:51:31,`wxfdc955f7104ad557,`180023671,`176531292,`,`420000612032130748613220688,`2021WERUN1647840687637,`oZWaCKXip5njeEiloC4oeOV1TTsk,`JSAPI,`SUCCESS,`OTHERS,`CNY,`0.01,`0.00,`0,`0,`0.00,`0.00,`,`,`微信云托管支付测试,`,`0.00000,`0.90%,`0.01,`0.00,`';
const TRADE_SUMMARY_HEADER =
  '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';
const TRADE_SUMMARY = '`12,`0.06,`0.06,`0.00,`0.00000,`0.06,`0.06';
const FUND_HEADER =
  '记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),资金变更提交申请人,备注,业务凭证号';
const FUND_ROW =
  '`2018-02-01 04:21:23,`50000305742018020103387128253,`1900009231201802015884652186,`退款,`退款,`支出,`0.02,`0.17,`system,`缺货,`REF4200000068201801293084726067';
const FUND_SUMMARY_HEADER = '资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额';
const FUND_SUMMARY = '`20.0,`17.0,`0.35,`3.0,`0.18';

const lines = (...parts: string[]) => `${parts.join('\n')}\n`;

function parseError(run: () => unknown): WxpayParseError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WxpayParseError);
    return error as WxpayParseError;
  }
  throw new Error('expected a WxpayParseError');
}

describe('parseTradeBill', () => {
  it('reads the official example into typed rows and the summary, values exactly as written', () => {
    const bill = parseTradeBill(lines(TRADE_HEADER, TRADE_ROW, TRADE_SUMMARY_HEADER, TRADE_SUMMARY));
    expect(bill.header).toHaveLength(27);
    expect(bill.rows).toHaveLength(1);
    const [row] = bill.rows;
    expect(row).toMatchObject({
      trade_time: '2022-03-21 13:51:31',
      appid: 'wxfdc955f7104ad557',
      mchid: '180023671',
      sub_mchid: '176531292',
      device_info: '',
      transaction_id: '420000612032130748613220688',
      out_trade_no: '2021WERUN1647840687637',
      openid: 'oZWaCKXip5njeEiloC4oeOV1TTsk',
      trade_type: 'JSAPI',
      trade_state: 'SUCCESS',
      bank_type: 'OTHERS',
      currency: 'CNY',
      settlement_total_amount: '0.01',
      coupon_amount: '0.00',
      refund_id: '0',
      goods_name: '微信云托管支付测试',
      attach: '',
      fee: '0.00000',
      fee_rate: '0.90%',
      total_amount: '0.01',
      requested_refund_amount: '0.00',
      fee_rate_remark: '',
    });
    expect(row?.columns.商户订单号).toBe('2021WERUN1647840687637');
    expect(Object.keys(row?.columns ?? {})).toHaveLength(27);
    expect(bill.summaryHeader).toEqual(TRADE_SUMMARY_HEADER.split(','));
    expect(bill.summary).toMatchObject({
      total_count: '12',
      settlement_total_amount: '0.06',
      refund_total_amount: '0.06',
      recharge_coupon_refund_total_amount: '0.00',
      fee_total_amount: '0.00000',
      total_amount: '0.06',
      requested_refund_total_amount: '0.06',
    });
  });

  it('keeps commas inside a value, CRLF line ends and a BOM out of the way, and unknown columns under columns', () => {
    const header = `${TRADE_HEADER},新的列`;
    const row = `${TRADE_ROW.replace('微信云托管支付测试', '苹果,香蕉')},\`x`;
    const bill = parseTradeBill(`\uFEFF${[header, row, row, TRADE_SUMMARY_HEADER, TRADE_SUMMARY].join('\r\n')}\r\n`);
    expect(bill.rows).toHaveLength(2);
    expect(bill.rows[1]?.goods_name).toBe('苹果,香蕉');
    expect(bill.rows[1]?.columns.新的列).toBe('x');
    expect(bill.header[0]).toBe('交易时间');
  });

  it('reads a bill with no detail rows', () => {
    const bill = parseTradeBill(lines(TRADE_HEADER, TRADE_SUMMARY_HEADER, '`0,`0.00,`0.00,`0.00,`0.00000,`0.00,`0.00'));
    expect(bill.rows).toEqual([]);
    expect(bill.summary.total_count).toBe('0');
  });

  it('maps the older spellings (子商户号) as well', () => {
    const header = TRADE_HEADER.replace('特约商户号', '子商户号');
    expect(parseTradeBill(lines(header, TRADE_ROW, TRADE_SUMMARY_HEADER, TRADE_SUMMARY)).rows[0]?.sub_mchid).toBe(
      '176531292',
    );
  });

  it('refuses malformed files, naming the line but never quoting it', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /line 1: not a header/],
      [lines(TRADE_ROW), /line 1: not a header/],
      [
        lines(TRADE_HEADER.replace('商户订单号', '订单号'), TRADE_ROW, TRADE_SUMMARY_HEADER, TRADE_SUMMARY),
        /no column 商户订单号/,
      ],
      [
        lines(TRADE_HEADER, TRADE_ROW.replace(',`0.90%', ''), TRADE_SUMMARY_HEADER, TRADE_SUMMARY),
        /line 2: 26 values under 27 columns/,
      ],
      [lines(TRADE_HEADER, TRADE_ROW), /no summary header after line 2/],
      [lines(TRADE_HEADER, TRADE_ROW, TRADE_SUMMARY_HEADER), /line 4: expected the summary line/],
      [
        lines(TRADE_HEADER, TRADE_ROW, TRADE_SUMMARY_HEADER, TRADE_SUMMARY, TRADE_SUMMARY),
        /line 5: text after the summary/,
      ],
      [lines(TRADE_HEADER, TRADE_ROW, '记账时间', TRADE_SUMMARY), /line 3: no column 总交易单数/],
      [lines(FUND_HEADER, FUND_ROW, FUND_SUMMARY_HEADER, FUND_SUMMARY), /line 1: no column 交易时间/],
    ];
    for (const [text, message] of cases) {
      const error = parseError(() => parseTradeBill(text));
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('WERUN');
      expect(error.body).toBe('');
    }
    expect(parseError(() => parseTradeBill(42 as unknown as string)).message).toMatch(/text/);
  });

  it('treats a __proto__ column as a plain column', () => {
    const header = `${TRADE_HEADER},__proto__`;
    const bill = parseTradeBill(lines(header, `${TRADE_ROW},\`x`, TRADE_SUMMARY_HEADER, TRADE_SUMMARY));
    const row = bill.rows[0];
    expect(Object.getPrototypeOf(row?.columns)).toBe(Object.prototype);
    expect(Object.hasOwn(row?.columns ?? {}, '__proto__')).toBe(true);
  });
});

describe('parseFundFlowBill', () => {
  it('reads the official example, full-width parentheses in the header too', () => {
    for (const header of [FUND_HEADER, FUND_HEADER.replace(/\(/g, '（').replace(/\)/g, '）')]) {
      const bill = parseFundFlowBill(lines(header, FUND_ROW, FUND_SUMMARY_HEADER, FUND_SUMMARY));
      expect(bill.rows).toEqual([
        expect.objectContaining({
          booking_time: '2018-02-01 04:21:23',
          business_no: '50000305742018020103387128253',
          flow_no: '1900009231201802015884652186',
          business_name: '退款',
          business_type: '退款',
          direction: '支出',
          amount: '0.02',
          balance: '0.17',
          operator: 'system',
          remark: '缺货',
          voucher_no: 'REF4200000068201801293084726067',
        }),
      ]);
      expect(bill.summary).toMatchObject({
        total_count: '20.0',
        income_count: '17.0',
        income_amount: '0.35',
        expense_count: '3.0',
        expense_amount: '0.18',
      });
    }
  });

  it('refuses a trade bill', () => {
    const error = parseError(() =>
      parseFundFlowBill(lines(TRADE_HEADER, TRADE_ROW, TRADE_SUMMARY_HEADER, TRADE_SUMMARY)),
    );
    expect(error.message).toMatch(/fund-flow bill line 1: no column 记账时间/);
  });
});

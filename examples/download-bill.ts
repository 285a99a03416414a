// Trade and fund flow bills (申请交易账单 / 申请资金账单 + 下载账单): apply for yesterday's bill, download it with
// wxpay.downloadBill() — the file is not signed, so the SDK checks its SHA1 against the signed application first — and
// parse it. On the sandbox the bill is made from its own payments and refunds of that China day.
// Run: npx tsx examples/download-bill.ts
import { parseFundFlowBill, parseTradeBill, type Wxpay } from 'wxpay';
import { postControl, type SandboxControl } from './support/control.js';
import { isMain, withSandboxClient } from './support/sandbox-client.js';

export const MCHID = '1230000109';

/** `yyyy-MM-dd` of the China day `daysAgo` before `nowMs`. */
export function chinaDate(nowMs: number, daysAgo: number): string {
  return new Date(nowMs + 8 * 3_600_000 - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

export async function downloadBills(wxpay: Wxpay, billDate: string) {
  const trade = parseTradeBill(
    (await wxpay.downloadBill({ tradebill: { bill_date: billDate, tar_type: 'GZIP' } })).text(),
  );
  const fundFlow = parseFundFlowBill((await wxpay.downloadBill({ fundflowbill: { bill_date: billDate } })).text());
  return { trade, fundFlow };
}

/** On the sandbox: a paid Native order today, then sandbox time moves to tomorrow, when today's bill exists. */
export async function makeABillDay(wxpay: Wxpay, control: SandboxControl): Promise<string> {
  const outTradeNo = `bill${Date.now()}`;
  await wxpay.v3.pay.transactions.native.post({
    json: {
      appid: 'wxd678efh567hg6787',
      mchid: MCHID,
      description: 'Image形象店-深圳腾大-QQ公仔',
      out_trade_no: outTradeNo,
      notify_url: 'https://127.0.0.1/wxpay/notify',
      amount: { total: 888 },
    },
  });
  await postControl(control, '/_sandbox/orders/pay', { mchid: MCHID, out_trade_no: outTradeNo });
  const { now } = (await postControl(control, '/_sandbox/clock/advance', { seconds: 86_400 })) as { now: number };
  return chinaDate(now, 1);
}

if (isMain(import.meta.url)) {
  await withSandboxClient(MCHID, async (wxpay, config) => {
    const billDate = await makeABillDay(wxpay, { url: config.baseURL, ca: config.ca });
    const { trade, fundFlow } = await downloadBills(wxpay, billDate);
    for (const row of trade.rows) console.log(row.trade_time, row.out_trade_no, row.trade_state, row.total_amount);
    console.log('orders', trade.summary.total_count, 'total', trade.summary.total_amount, 'yuan');
    console.log('income', fundFlow.summary.income_amount, 'expense', fundFlow.summary.expense_amount);
  });
}

// examples/jsapi-pay.ts and examples/download-bill.ts run against the sandbox's default mainland merchant 1230000109:
// the order is paid through the control API over HTTP and refunded in part; the next day's bill holds the order.
import { expect, it } from 'vitest';
import { downloadBills, makeABillDay } from '../../../examples/download-bill.js';
import { payAndRefund } from '../../../examples/jsapi-pay.js';
import { startTestSandbox } from './support/fixtures.js';

it('examples/jsapi-pay.ts pays a JSAPI order and refunds 30 fen of it', async () => {
  const world = await startTestSandbox();
  try {
    const { sandbox } = world;
    const { order, refund } = await payAndRefund(
      world.client('1230000109'),
      { url: sandbox.url, ca: sandbox.tls.ca },
      'https://127.0.0.1/wxpay/notify',
    );
    expect(order).toMatchObject({
      mchid: '1230000109',
      trade_state: 'SUCCESS',
      payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    });
    expect(refund).toMatchObject({
      status: 'PROCESSING',
      transaction_id: order.transaction_id,
      amount: { refund: 30 },
    });
    const events = sandbox.admin.notifications({ mchid: '1230000109' }).map((n) => n.eventType);
    expect(events).toContain('TRANSACTION.SUCCESS');
  } finally {
    await world.close();
  }
});

it('examples/download-bill.ts downloads and parses the bill of the day it paid an order', async () => {
  const world = await startTestSandbox();
  try {
    const wxpay = world.client('1230000109');
    const billDate = await makeABillDay(wxpay, { url: world.sandbox.url, ca: world.sandbox.tls.ca });
    const { trade, fundFlow } = await downloadBills(wxpay, billDate);
    expect(trade.rows).toHaveLength(1);
    expect(trade.summary).toMatchObject({ total_count: '1', total_amount: '8.88' });
    expect(fundFlow.summary).toMatchObject({ income_count: '1', income_amount: '8.88' });
  } finally {
    await world.close();
  }
});

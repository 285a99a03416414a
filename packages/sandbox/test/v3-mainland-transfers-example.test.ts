// examples/transfer.ts runs against the sandbox's default mainland merchant: the transfer is created, confirmed
// through the control API over HTTP and queried until SUCCESS, and the merchant's balance pays for it.
import { expect, it } from 'vitest';
import { payByTransfer } from '../../../examples/transfer.js';
import { startTestSandbox, uniqueNo } from './support/fixtures.js';

it('examples/transfer.ts pays the default user 1.00 yuan from 1230000109', async () => {
  const world = await startTestSandbox();
  try {
    const { sandbox } = world;
    const before = sandbox.admin.balance('1230000109').balance;
    const outBillNo = uniqueNo('EX');
    const bill = await payByTransfer(world.client('1230000109'), { url: sandbox.url, ca: sandbox.tls.ca }, outBillNo);
    expect(bill).toMatchObject({
      mch_id: '1230000109',
      out_bill_no: outBillNo,
      appid: 'wxd678efh567hg6787',
      state: 'SUCCESS',
      transfer_amount: 100,
      openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
    });
    expect(sandbox.admin.balance('1230000109').balance).toBe(before - 100);
  } finally {
    await world.close();
  }
});

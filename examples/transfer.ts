// Merchant transfer (商家转账): pay a user from the merchant's balance. The transfer waits for the user to confirm
// (WAIT_USER_CONFIRM: hand package_info to wx.requestMerchantTransfer); on the sandbox the control API confirms in the
// user's place, and the query follows the bill to SUCCESS.
// Run: npx tsx examples/transfer.ts
import type { TransferBill, Wxpay } from 'wxpay';
import { postControl, type SandboxControl } from './support/control.js';
import { isMain, withSandboxClient } from './support/sandbox-client.js';

export const MCHID = '1230000109';
export const APPID = 'wxd678efh567hg6787';
/** The sandbox's default user of the mainland examples. */
export const OPENID = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';

/** Creates a 1.00 yuan cash-marketing transfer (scene 1000) to the default user. */
export async function createTransfer(wxpay: Wxpay, outBillNo: string) {
  return wxpay.v3.fundApp.mchTransfer.transferBills.post({
    json: {
      appid: APPID,
      out_bill_no: outBillNo,
      transfer_scene_id: '1000',
      openid: OPENID,
      transfer_amount: 100,
      transfer_remark: '新会员开通有礼',
      user_recv_perception: '现金奖励',
      transfer_scene_report_infos: [
        { info_type: '活动名称', info_content: '新会员有礼' },
        { info_type: '奖励说明', info_content: '注册会员抽奖一等奖' },
      ],
    },
  });
}

/** Queries the bill until it reaches a final state (SUCCESS, FAIL or CANCELLED). */
export async function waitForFinalState(wxpay: Wxpay, outBillNo: string, intervalMs = 500): Promise<TransferBill> {
  for (let attempt = 0; ; attempt++) {
    const bill = await wxpay.v3.fundApp.mchTransfer.transferBills.outBillNo._out_bill_no_.get({
      out_bill_no: outBillNo,
    });
    if (bill.state === 'SUCCESS' || bill.state === 'FAIL' || bill.state === 'CANCELLED') return bill;
    if (attempt >= 30) throw new Error(`transfer ${outBillNo} is still ${bill.state}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The whole story: create, confirm in the user's place, query until final. */
export async function payByTransfer(wxpay: Wxpay, control: SandboxControl, outBillNo: string): Promise<TransferBill> {
  const created = await createTransfer(wxpay, outBillNo);
  console.log(created.transfer_bill_no, created.state);
  // The user confirms, on the sandbox.
  await postControl(control, '/_sandbox/transfers/confirm', { mchid: MCHID, out_bill_no: outBillNo });
  return waitForFinalState(wxpay, outBillNo);
}

if (isMain(import.meta.url)) {
  await withSandboxClient(MCHID, async (wxpay, config) => {
    const bill = await payByTransfer(wxpay, { url: config.baseURL, ca: config.ca }, `demo${Date.now()}`);
    console.log(bill.transfer_bill_no, bill.state, bill.transfer_amount);
  });
}

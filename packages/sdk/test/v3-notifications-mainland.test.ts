// Mainland notifications through the public client: payment, the three refund outcomes and the merchant transfer's
// final state verify, decrypt and narrow to their typed resources, in parseNotification and in the handlers.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  isKnownNotification,
  type KnownNotification,
  type MainlandTransaction,
  type Notification,
  type NotifiedRefund,
  type NotifiedTransferBill,
  Wxpay,
} from '../src/index.js';
import { createV3Keys, type V3Keys } from './support/v3-keys.js';
import { notificationDelivery } from './support/v3-notification.js';

let keys: V3Keys;
let wxpay: Wxpay;

function deliver(eventType: string, resource: unknown, originalType: string) {
  return notificationDelivery({
    eventType,
    resource,
    originalType,
    apiv3Key: keys.apiv3Key,
    signer: { serial: keys.publicKey.id, privateKey: keys.publicKey.privateKey },
  });
}

const refund: NotifiedRefund = {
  mchid: '1900000100',
  transaction_id: '1008450740201411110005820873',
  out_trade_no: '20150806125346',
  refund_id: '50200207182018070300011301001',
  out_refund_no: '7752501201407033233368018',
  refund_status: 'SUCCESS',
  success_time: '2018-06-08T10:34:56+08:00',
  user_received_account: '招商银行信用卡0403',
  amount: { total: 999, refund: 999, payer_total: 999, payer_refund: 999 },
};

const transfer: NotifiedTransferBill = {
  out_bill_no: 'plfk2020042013',
  transfer_bill_no: '1330000071100999991182020050700019480001',
  state: 'SUCCESS',
  mch_id: '1900001109',
  transfer_amount: 2000,
  openid: 'o-MYE42l80oelYMDE34nYD456Xoy',
  create_time: '2025-01-01T12:59:59+08:00',
  update_time: '2025-01-01T13:00:00+08:00',
};

/** What an application would do with each known event: the switch must cover every member of the union. */
function describeEvent(notification: KnownNotification): string {
  switch (notification.event_type) {
    case 'TRANSACTION.SUCCESS':
      return `paid ${notification.resource.out_trade_no}`;
    case 'REFUND.SUCCESS':
    case 'REFUND.ABNORMAL':
    case 'REFUND.CLOSED':
      return `refund ${notification.resource.out_refund_no} ${notification.event_type}`;
    case 'MCHTRANSFER.BILL.FINISHED':
      return `transfer ${notification.resource.transfer_bill_no} ${notification.resource.state}`;
    default: {
      const unreachable: never = notification;
      return unreachable;
    }
  }
}

beforeAll(async () => {
  keys = await createV3Keys();
  wxpay = new Wxpay({ certs: { [keys.publicKey.id]: keys.publicKey.publicKeyPem }, apiv3Key: keys.apiv3Key });
});

describe('mainland notifications', () => {
  it('opens a mainland TRANSACTION.SUCCESS into the order as queried', async () => {
    const paid: MainlandTransaction = {
      appid: 'wxd678efh567hg6787',
      mchid: '1230000109',
      out_trade_no: '1217752501201407033233368018',
      transaction_id: '1217752501201407033233368018',
      trade_type: 'JSAPI',
      trade_state: 'SUCCESS',
      trade_state_desc: '支付成功',
      bank_type: 'CMC',
      success_time: '2018-06-08T10:34:56+08:00',
      payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
      amount: { total: 100, payer_total: 100, currency: 'CNY', payer_currency: 'CNY' },
    };
    const notification = await wxpay.parseNotification(deliver('TRANSACTION.SUCCESS', paid, 'transaction'));
    if (!isKnownNotification(notification) || notification.event_type !== 'TRANSACTION.SUCCESS') {
      throw new Error('expected a known payment notification');
    }
    const transactionId: string | undefined = notification.resource.transaction_id;
    expect(transactionId).toBe(paid.transaction_id);
    expect(notification.resource).toEqual(paid);
    expect(describeEvent(notification)).toBe('paid 1217752501201407033233368018');
  });

  it.each(['REFUND.SUCCESS', 'REFUND.ABNORMAL', 'REFUND.CLOSED'] as const)('opens %s', async (eventType) => {
    const notification = await wxpay.parseNotification(deliver(eventType, refund, 'refund'));
    if (!isKnownNotification(notification)) throw new Error('expected a known notification');
    expect(notification.event_type).toBe(eventType);
    expect(describeEvent(notification)).toBe(`refund 7752501201407033233368018 ${eventType}`);
    if (notification.event_type === eventType) {
      const account: string | undefined = notification.resource.user_received_account;
      expect(account).toBe('招商银行信用卡0403');
      expect(notification.resource.amount?.payer_refund).toBe(999);
    }
  });

  it('opens MCHTRANSFER.BILL.FINISHED into the transfer bill', async () => {
    const notification = await wxpay.parseNotification(deliver('MCHTRANSFER.BILL.FINISHED', transfer, 'mch_payment'));
    expect(isKnownNotification(notification)).toBe(true);
    if (!isKnownNotification(notification) || notification.event_type !== 'MCHTRANSFER.BILL.FINISHED') {
      throw new Error('expected a transfer notification');
    }
    const state: string = notification.resource.state;
    expect(state).toBe('SUCCESS');
    expect(notification.resource).toEqual(transfer);
    expect(describeEvent(notification)).toBe('transfer 1330000071100999991182020050700019480001 SUCCESS');
  });

  it('hands the typed notifications to a Web handler once each', async () => {
    const seen: string[] = [];
    const handle = wxpay.webNotificationHandler((notification: Notification) => {
      if (isKnownNotification(notification)) seen.push(describeEvent(notification));
    });
    for (const input of [
      deliver('MCHTRANSFER.BILL.FINISHED', transfer, 'mch_payment'),
      deliver('REFUND.CLOSED', { ...refund, refund_status: 'CLOSED' }, 'refund'),
    ]) {
      const response = await handle(
        new Request('https://merchant.example/notify', { method: 'POST', headers: input.headers, body: input.body }),
      );
      expect(response.status).toBe(200);
    }
    expect(seen).toEqual([
      'transfer 1330000071100999991182020050700019480001 SUCCESS',
      'refund 7752501201407033233368018 REFUND.CLOSED',
    ]);
  });
});

// Mainland merchant transfers (商家转账) end to end through the wxpay SDK: create (user_name encrypted by the SDK and
// decrypted by the sandbox), idempotency, the payee's confirmation and the other ends of the life (failure, cancel,
// the 24-hour close), the balance moves, the MCHTRANSFER.BILL.FINISHED notification at a 127.0.0.1 receiver, and the
// control API in process and over HTTP.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKnownNotification, type Notification, type TransferBillRequest, type Wxpay } from 'wxpay';
import type { Sandbox } from '../src/sandbox.js';
import { adminHttp, expectApiError, startTestSandbox, type TestSandbox, uniqueNo } from './support/fixtures.js';

/** A mainland merchant of this file, with a transfer appid, one known payee and a range up to 5,000 yuan. */
const MCHID = '1230000901';
const APPID = 'wxd678efh567hg6787';
const PAYEE = 'o-MYE42l80oelYMDE34nYD456Xoy';
const PAYEE_NAME = '张三';
/** A merchant whose balance is 100 fen. */
const POOR = '1230000902';

let world: TestSandbox;
let sandbox: Sandbox;
let wxpay: Wxpay;
let receiver: Server;
let receiverUrl: string;
const received: Notification[] = [];

function transfer(overrides: Partial<TransferBillRequest> = {}): TransferBillRequest {
  return {
    appid: APPID,
    out_bill_no: uniqueNo('T'),
    transfer_scene_id: '1000',
    openid: PAYEE,
    transfer_amount: 400,
    transfer_remark: '新会员开通有礼',
    notify_url: `${receiverUrl}/notify`,
    user_recv_perception: '现金奖励',
    transfer_scene_report_infos: [
      { info_type: '活动名称', info_content: '新会员有礼' },
      { info_type: '奖励说明', info_content: '注册会员抽奖一等奖' },
    ],
    ...overrides,
  };
}

function create(request: TransferBillRequest, client: Wxpay = wxpay) {
  return client.v3.fundApp.mchTransfer.transferBills.post({ json: request });
}

function queryByOutBillNo(outBillNo: string) {
  return wxpay
    .chain('v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{out_bill_no}')
    .get({ out_bill_no: outBillNo });
}

function balance(mchid = MCHID): number {
  return sandbox.admin.balance(mchid).balance;
}

/** Polls `find` until it returns something (notifications arrive asynchronously). */
async function eventually<T>(find: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('nothing arrived in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function finishedNotice(outBillNo: string): Notification | undefined {
  return received.find((notice) => (notice.resource as { out_bill_no?: string }).out_bill_no === outBillNo);
}

beforeAll(async () => {
  world = await startTestSandbox();
  sandbox = world.sandbox;
  const config = await sandbox.admin.createMerchant({
    mchid: MCHID,
    kind: 'mainland',
    appids: { transfer: APPID },
    users: [{ openid: PAYEE, appid: APPID, name: PAYEE_NAME }],
    settings: { transferMaxAmount: 500_000 },
  });
  wxpay = world.client(config);
  await sandbox.admin.createMerchant({ mchid: POOR, kind: 'mainland', appids: { transfer: APPID }, balance: 100 });

  const handle = wxpay.nodeNotificationHandler((notification) => {
    received.push(notification);
  });
  receiver = createServer((req: IncomingMessage, res: ServerResponse) => void handle(req, res));
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(async () => {
  receiver?.closeAllConnections();
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  await world?.close();
});

describe('creating a transfer', () => {
  it('answers WAIT_USER_CONFIRM with package_info and takes the amount from the balance', async () => {
    const before = balance();
    const request = transfer();
    const created = await create(request);
    expect(created).toEqual({
      out_bill_no: request.out_bill_no,
      transfer_bill_no: expect.stringMatching(/^1330000\d{27}$/),
      create_time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/),
      state: 'WAIT_USER_CONFIRM',
      package_info: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/),
    });
    expect(balance()).toBe(before - 400);
  });

  it('is a re-entry when resent with the same fields: the same answer, charged once', async () => {
    const request = transfer({ user_name: PAYEE_NAME });
    const first = await create(request);
    const before = balance();
    // The SDK encrypts user_name again (another ciphertext): the sandbox compares the name, not the bytes.
    const again = await create(request);
    expect(again).toEqual(first);
    expect(balance()).toBe(before);
  });

  it('refuses a used out_bill_no with other fields: INVALID_REQUEST, nothing charged', async () => {
    const request = transfer();
    await create(request);
    const before = balance();
    const error = await expectApiError(create({ ...request, transfer_amount: 500 }));
    expect(error.status).toBe(400);
    expect(error.code).toBe('INVALID_REQUEST');
    expect(balance()).toBe(before);
  });

  it('refuses NOT_ENOUGH when the balance is short, and takes the same number once topped up', async () => {
    const poor = world.client(POOR);
    const request = transfer({ transfer_amount: 400, notify_url: undefined });
    const error = await expectApiError(create(request, poor));
    expect(error.status).toBe(403);
    expect(error.code).toBe('NOT_ENOUGH');
    expect(balance(POOR)).toBe(100);
    sandbox.admin.topUp(POOR, 1000);
    const created = await create(request, poor);
    expect(created.state).toBe('WAIT_USER_CONFIRM');
    expect(balance(POOR)).toBe(700);
  });

  it('refuses what the product settings do not allow: INVALID_REQUEST', async () => {
    for (const overrides of [
      { transfer_amount: 9 },
      { transfer_amount: 500_001, user_name: PAYEE_NAME },
      { transfer_scene_id: '1009' },
      { appid: 'wx0000000000000000' },
      { user_recv_perception: '劳务报酬' },
    ]) {
      const error = await expectApiError(create(transfer(overrides)));
      expect([error.status, error.code], JSON.stringify(overrides)).toEqual([400, 'INVALID_REQUEST']);
    }
  });

  it('refuses a scene report without the lines the scene needs: PARAM_ERROR', async () => {
    const error = await expectApiError(
      create(transfer({ transfer_scene_report_infos: [{ info_type: '活动名称', info_content: '新会员有礼' }] })),
    );
    expect(error.status).toBe(400);
    expect(error.code).toBe('PARAM_ERROR');
  });

  it('refuses a global merchant: NO_AUTH', async () => {
    const global = world.client('1900000109');
    const error = await expectApiError(create(transfer({ appid: 'wx2421b1c4370ec43b' }), global));
    expect([error.status, error.code]).toEqual([403, 'NO_AUTH']);
  });
});

describe('querying a transfer', () => {
  it('answers the same bill by either number, user_name encrypted for the merchant', async () => {
    const request = transfer({ user_name: PAYEE_NAME });
    const created = await create(request);
    const byOutBillNo = await queryByOutBillNo(request.out_bill_no);
    expect(byOutBillNo).toMatchObject({
      mch_id: MCHID,
      out_bill_no: request.out_bill_no,
      transfer_bill_no: created.transfer_bill_no,
      appid: APPID,
      state: 'WAIT_USER_CONFIRM',
      transfer_amount: 400,
      transfer_remark: request.transfer_remark,
      openid: PAYEE,
      create_time: created.create_time,
      update_time: created.create_time,
    });
    expect(byOutBillNo.fail_reason).toBeUndefined();
    expect(wxpay.decrypt(byOutBillNo.user_name ?? '')).toBe(PAYEE_NAME);
    const byNo = await wxpay.v3.fundApp.mchTransfer.transferBills.transferBillNo._transfer_bill_no_.get({
      transfer_bill_no: created.transfer_bill_no,
    });
    expect({ ...byNo, user_name: undefined }).toEqual({ ...byOutBillNo, user_name: undefined });
  });

  it('answers NOT_FOUND for a bill the merchant does not have', async () => {
    const error = await expectApiError(queryByOutBillNo('nosuchbill1'));
    expect([error.status, error.code]).toEqual([404, 'NOT_FOUND']);
    const other = await expectApiError(
      wxpay.v3.fundApp.mchTransfer.transferBills.transferBillNo._transfer_bill_no_.get({ transfer_bill_no: '1330000' }),
    );
    expect([other.status, other.code]).toEqual([404, 'NOT_FOUND']);
  });
});

describe('the life of a transfer', () => {
  it('the payee confirms: TRANSFERING, then SUCCESS with MCHTRANSFER.BILL.FINISHED; the money stays paid', async () => {
    const request = transfer({ user_name: PAYEE_NAME });
    const created = await create(request);
    const paid = balance();
    const confirmed = await sandbox.admin.confirmTransfer({ mchid: MCHID, outBillNo: request.out_bill_no });
    expect(confirmed.state).toBe('TRANSFERING');
    expect((await queryByOutBillNo(request.out_bill_no)).state).toBe('TRANSFERING');
    await sandbox.admin.advanceClock(2000);
    const done = await queryByOutBillNo(request.out_bill_no);
    expect(done.state).toBe('SUCCESS');
    expect(balance()).toBe(paid);

    const notice = await eventually(() => finishedNotice(request.out_bill_no));
    expect(isKnownNotification(notice)).toBe(true);
    expect(notice.event_type).toBe('MCHTRANSFER.BILL.FINISHED');
    expect(notice.resource).toEqual({
      out_bill_no: request.out_bill_no,
      transfer_bill_no: created.transfer_bill_no,
      state: 'SUCCESS',
      mch_id: MCHID,
      transfer_amount: 400,
      openid: PAYEE,
      create_time: created.create_time,
      update_time: done.update_time,
    });
    const [delivery] = sandbox.admin.notifications({ id: notice.id });
    expect(delivery?.state).toBe('delivered');
  });

  it('a name that is not the payee fails the confirmation: FAIL NAME_NOT_CORRECT, money back, notified', async () => {
    const request = transfer({ user_name: '李四' });
    await create(request);
    const before = balance();
    const failed = await sandbox.admin.confirmTransfer({ mchid: MCHID, outBillNo: request.out_bill_no });
    expect(failed).toMatchObject({ state: 'FAIL', fail_reason: 'NAME_NOT_CORRECT' });
    expect(balance()).toBe(before + 400);
    const notice = await eventually(() => finishedNotice(request.out_bill_no));
    expect(notice.resource).toMatchObject({ state: 'FAIL', fail_reason: 'NAME_NOT_CORRECT' });
  });

  it('the operator fails a transfer with a documented reason: money back, notified', async () => {
    const request = transfer();
    await create(request);
    const before = balance();
    const failed = await sandbox.admin.failTransfer({
      mchid: MCHID,
      outBillNo: request.out_bill_no,
      reason: 'ACCOUNT_FROZEN',
    });
    expect(failed).toMatchObject({ state: 'FAIL', fail_reason: 'ACCOUNT_FROZEN' });
    expect(await queryByOutBillNo(request.out_bill_no)).toMatchObject({ state: 'FAIL', fail_reason: 'ACCOUNT_FROZEN' });
    expect(balance()).toBe(before + 400);
    await eventually(() => finishedNotice(request.out_bill_no));
  });

  it('a bill not confirmed within 24 hours closes: FAIL OVERDUE_CLOSE, money back', async () => {
    const request = transfer();
    await create(request);
    const before = balance();
    // Every bill of this file still waiting closes with it.
    const waiting = sandbox.admin.transfers({ mchid: MCHID, state: 'WAIT_USER_CONFIRM' });
    const waitingFen = waiting.reduce((sum, bill) => sum + Number(bill.transfer_amount), 0);
    expect(waiting.map((bill) => bill.out_bill_no)).toContain(request.out_bill_no);
    // A minute short of 24 hours (real time moves sandbox time on as well), then past it.
    await sandbox.admin.advanceClock(86_340_000);
    expect((await queryByOutBillNo(request.out_bill_no)).state).toBe('WAIT_USER_CONFIRM');
    await sandbox.admin.advanceClock(60_000);
    expect(await queryByOutBillNo(request.out_bill_no)).toMatchObject({ state: 'FAIL', fail_reason: 'OVERDUE_CLOSE' });
    expect(balance()).toBe(before + waitingFen);
    expect(sandbox.admin.transfers({ mchid: MCHID, state: 'WAIT_USER_CONFIRM' })).toEqual([]);
  });

  it('a cancel before the payee confirms: CANCELING, then CANCELLED, money back, notified; resends answer again', async () => {
    const request = transfer();
    const created = await create(request);
    const before = balance();
    const cancel = () =>
      wxpay.v3.fundApp.mchTransfer.transferBills.outBillNo._out_bill_no_.cancel.post({
        out_bill_no: request.out_bill_no,
      });
    const canceling = await cancel();
    expect(canceling).toEqual({
      out_bill_no: request.out_bill_no,
      transfer_bill_no: created.transfer_bill_no,
      state: 'CANCELING',
      update_time: expect.any(String),
    });
    expect((await cancel()).state).toBe('CANCELING');
    expect(balance()).toBe(before);
    await sandbox.admin.advanceClock(2000);
    expect((await queryByOutBillNo(request.out_bill_no)).state).toBe('CANCELLED');
    expect((await cancel()).state).toBe('CANCELLED');
    expect(balance()).toBe(before + 400);
    const notice = await eventually(() => finishedNotice(request.out_bill_no));
    expect(notice.resource).toMatchObject({ state: 'CANCELLED' });
  });

  it('refuses to cancel a confirmed transfer (INVALID_REQUEST) or an unknown one (NOT_FOUND)', async () => {
    const request = transfer();
    await create(request);
    await sandbox.admin.confirmTransfer({ mchid: MCHID, outBillNo: request.out_bill_no });
    const cancel = (outBillNo: string) =>
      wxpay.v3.fundApp.mchTransfer.transferBills.outBillNo._out_bill_no_.cancel.post({ out_bill_no: outBillNo });
    const refused = await expectApiError(cancel(request.out_bill_no));
    expect([refused.status, refused.code]).toEqual([400, 'INVALID_REQUEST']);
    const missing = await expectApiError(cancel('nosuchbill2'));
    expect([missing.status, missing.code]).toEqual([404, 'NOT_FOUND']);
  });
});

describe('the control API over HTTP', () => {
  it('lists, confirms and fails transfers; refusals are 404, 409 and 400', async () => {
    const confirmed = transfer();
    const failed = transfer();
    await create(confirmed);
    await create(failed);
    const ok = await adminHttp(sandbox, 'POST', '/_sandbox/transfers/confirm', {
      mchid: MCHID,
      out_bill_no: confirmed.out_bill_no,
    });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ out_bill_no: confirmed.out_bill_no, state: 'TRANSFERING' });
    const again = await adminHttp(sandbox, 'POST', '/_sandbox/transfers/confirm', {
      mchid: MCHID,
      out_bill_no: confirmed.out_bill_no,
    });
    expect(again.status).toBe(409);
    const failedBill = await queryByOutBillNo(failed.out_bill_no);
    const fail = await adminHttp(sandbox, 'POST', '/_sandbox/transfers/fail', {
      mchid: MCHID,
      transfer_bill_no: failedBill.transfer_bill_no,
      reason: 'TRANSFER_QUOTA_EXCEED',
    });
    expect(fail.json).toMatchObject({ state: 'FAIL', fail_reason: 'TRANSFER_QUOTA_EXCEED' });
    const listed = await adminHttp(
      sandbox,
      'GET',
      `/_sandbox/transfers?mchid=${MCHID}&out_bill_no=${failed.out_bill_no}`,
    );
    expect(listed.json).toEqual([expect.objectContaining({ out_bill_no: failed.out_bill_no, state: 'FAIL' })]);

    const missing = await adminHttp(sandbox, 'POST', '/_sandbox/transfers/confirm', {
      mchid: MCHID,
      out_bill_no: 'x1',
    });
    expect(missing.status).toBe(404);
    const unnamed = await adminHttp(sandbox, 'POST', '/_sandbox/transfers/confirm', { mchid: MCHID });
    expect(unnamed.status).toBe(400);
    const badReason = await adminHttp(sandbox, 'POST', '/_sandbox/transfers/fail', {
      mchid: MCHID,
      out_bill_no: confirmed.out_bill_no,
      reason: 'BECAUSE',
    });
    expect(badReason.status).toBe(400);
  });
});

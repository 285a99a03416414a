// Mainland merchant transfers (商家转账, user-confirms mode): create a bill (idempotent on out_bill_no, `user_name`
// decrypted with the WeChat Pay key the request's Wechatpay-Serial names, the amount taken from the balance), query it
// by either number, cancel it before the payee confirms. Its life, as sandbox time passes or the operator acts, is in
// transfer-life.ts. Facts: docs/endpoints.md#apiv3-merchant-transfers.
import { randomBytes } from 'node:crypto';
import { formatRfc3339China } from '../../clock.js';
import { newWechatNumber } from '../../ids.js';
import { debit } from '../../ledger.js';
import { requestHash } from '../../request-hash.js';
import type { JsonValue, MerchantRow, TransferBillRow, TransferBillState } from '../../store.js';
import { privateKeyOf, publicKeyOf } from '../../wire/keys.js';
import { decryptOaep, encryptOaep } from '../../wire/rsa-oaep.js';
import { numberReused, V3Error } from '../reply.js';
import type { V3Outcome, V3Request } from '../router.js';

/**
 * The transfer scenes every sandbox merchant is granted, with the report lines (`info_type`) each requires and, where
 * known, the payee perceptions it shows (docs/endpoints.md#merchant-transfer-scenes).
 */
const transferScenes: Readonly<Record<string, { reportTypes: readonly string[]; perceptions?: readonly string[] }>> = {
  '1000': { reportTypes: ['活动名称', '奖励说明'], perceptions: ['活动奖励', '现金奖励'] },
  '1005': { reportTypes: ['岗位类型', '报酬说明'] },
};

/** The default per-transfer range, fen (0.1 to 200 yuan); a merchant's settings may change it. */
const transferAmountDefaults = { transferMinAmount: 10, transferMaxAmount: 20_000 } as const;

/** The name the life of transfers (transfer-life.ts) is registered under in `clock.due`. */
export const transferLifeWork = 'merchant transfer life';
/** Sandbox seconds a cancel stays CANCELING before CANCELLED. */
export const cancelSettleSeconds = 2;
/** A bill the payee has not confirmed within this long is closed (WeChat Pay: 24 hours). */
export const confirmWindowSeconds = 86_400;

/** States a payee has not confirmed yet: the ones a cancel applies to. */
const cancellable: ReadonlySet<TransferBillState> = new Set(['ACCEPTED', 'PROCESSING', 'WAIT_USER_CONFIRM']);

/** `POST /v3/fund-app/mch-transfer/transfer-bills`. */
export function createTransferBill({ ctx, caller, json, headers }: V3Request): V3Outcome {
  requireMainland(caller);
  const body = json as Record<string, JsonValue>;
  const userName = decryptUserName(caller, body, headers?.['wechatpay-serial']);
  // The ciphertext differs on every encryption: a resend is recognised by the name it carries.
  const hash = requestHash(userName === undefined ? body : { ...body, user_name: userName });
  const outBillNo = String(body.out_bill_no);
  return ctx.store.writeTransaction(() => {
    const existing = ctx.store.transferBills.get({ mchid: caller.mchid, out_bill_no: outBillNo });
    if (existing !== undefined) {
      if (existing.request_hash !== hash) throw numberReused('out_bill_no', outBillNo);
      return { status: 200, body: createdView(existing) };
    }
    checkBusinessRules(caller, body);
    const amount = Number(body.transfer_amount);
    const now = ctx.clock.nowSeconds();
    // Nothing is recorded: the merchant tops up and resends the same out_bill_no.
    if (!debit(ctx.store, caller.mchid, amount, { reason: 'transfer', reference: outBillNo, at: now })) {
      throw new V3Error(403, 'NOT_ENOUGH', '商户运营账户资金不足,充值后可以原单号发起重试,请勿更换商户单号');
    }
    const bill: TransferBillRow = {
      mchid: caller.mchid,
      out_bill_no: outBillNo,
      transfer_bill_no: newWechatNumber('transferBill', now),
      appid: String(body.appid),
      openid: String(body.openid),
      user_name: userName ?? null,
      transfer_scene_id: String(body.transfer_scene_id),
      transfer_amount: amount,
      transfer_remark: String(body.transfer_remark),
      notify_url: typeof body.notify_url === 'string' ? body.notify_url : null,
      user_recv_perception: typeof body.user_recv_perception === 'string' ? body.user_recv_perception : null,
      transfer_scene_report_infos: body.transfer_scene_report_infos as JsonValue[],
      // Accepted and funds locked at once: the bill waits for the payee.
      state: 'WAIT_USER_CONFIRM',
      fail_reason: null,
      package_info: randomBytes(96).toString('base64'),
      request_hash: hash,
      created_at: now,
      updated_at: now,
    };
    ctx.store.transferBills.insert(bill);
    ctx.clock.due.expect(transferLifeWork, now + confirmWindowSeconds);
    return { status: 200, body: createdView(bill) };
  });
}

/** Merchant transfers are a mainland product: global merchants and institutions are not signed up for it. */
function requireMainland(caller: MerchantRow): void {
  if (caller.kind !== 'mainland') {
    throw new V3Error(
      403,
      'NO_AUTH',
      `merchant ${caller.mchid} has no merchant transfer product (not a mainland merchant)`,
    );
  }
}

/**
 * The plaintext `user_name`, decrypted with the private half of the WeChat Pay key `Wechatpay-Serial` names (the
 * platform certificate or the WeChat Pay public key of the merchant); undefined when there is none. A name without a
 * known serial, or one that does not decrypt, is a PARAM_ERROR: WeChat Pay never takes a name it cannot read.
 */
function decryptUserName(
  caller: MerchantRow,
  body: Record<string, JsonValue>,
  serial: string | undefined,
): string | undefined {
  const ciphertext = body.user_name;
  if (typeof ciphertext !== 'string') return undefined;
  const { platformCert, publicKey } = caller.config;
  const keyPem =
    serial === platformCert.serial
      ? platformCert.keyPem
      : serial === publicKey.id
        ? publicKey.privateKeyPem
        : undefined;
  if (keyPem === undefined) {
    const issue =
      serial === undefined
        ? 'required when a sensitive field (user_name) is encrypted'
        : 'not a WeChat Pay public key id or platform certificate serial of the merchant';
    throw new V3Error(400, 'PARAM_ERROR', `Wechatpay-Serial is invalid: ${issue}`, {
      field: 'Wechatpay-Serial',
      value: serial,
      issue,
      location: 'header',
    });
  }
  const plaintext = decryptOaep(ciphertext, privateKeyOf(keyPem));
  if (plaintext === undefined || plaintext === '') {
    const issue = `does not decrypt (RSA-OAEP) with the key ${serial}`;
    // The ciphertext is not quoted back: it may be long, and it is a person's name.
    throw new V3Error(400, 'PARAM_ERROR', `parameter /user_name is invalid: ${issue}`, {
      field: '/user_name',
      issue,
      location: 'body',
    });
  }
  return plaintext;
}

/** The rules of the merchant's product settings: appid bound, scene granted and reported, amount within the range. */
function checkBusinessRules(caller: MerchantRow, body: Record<string, JsonValue>): void {
  const appid = String(body.appid);
  if (!Object.values(caller.config.appids).includes(appid)) {
    throw new V3Error(400, 'INVALID_REQUEST', `appid ${appid} is not bound to merchant ${caller.mchid}`);
  }
  const sceneId = String(body.transfer_scene_id);
  const scene = transferScenes[sceneId];
  if (scene === undefined) {
    throw new V3Error(
      400,
      'INVALID_REQUEST',
      `你尚未获取该转账场景: scene ${sceneId} is not granted to ${caller.mchid}`,
    );
  }
  const reported = new Set((body.transfer_scene_report_infos as { info_type: string }[]).map((info) => info.info_type));
  const missing = scene.reportTypes.filter((type) => !reported.has(type));
  if (missing.length > 0) {
    throw new V3Error(
      400,
      'PARAM_ERROR',
      `需传入转账场景报备信息: scene ${sceneId} needs info_type ${missing.join(', ')}`,
      {
        field: '/transfer_scene_report_infos',
        issue: `scene ${sceneId} needs info_type ${scene.reportTypes.join(' and ')}`,
        location: 'body',
      },
    );
  }
  const perception = body.user_recv_perception;
  if (typeof perception === 'string' && scene.perceptions !== undefined && !scene.perceptions.includes(perception)) {
    throw new V3Error(
      400,
      'INVALID_REQUEST',
      `暂不支持展示当前传入的用户收款感知: scene ${sceneId} shows ${scene.perceptions.join('|')}`,
    );
  }
  const { min, max } = amountRange(caller);
  const amount = Number(body.transfer_amount);
  if (amount < min || amount > max) {
    throw new V3Error(400, 'INVALID_REQUEST', `超过单笔转账上下限: transfer_amount must be ${min}..${max} fen`);
  }
}

function amountRange(caller: MerchantRow): { min: number; max: number } {
  const setting = (name: keyof typeof transferAmountDefaults): number => {
    const value = caller.config.settings?.[name];
    return typeof value === 'number' ? value : transferAmountDefaults[name];
  };
  return { min: setting('transferMinAmount'), max: setting('transferMaxAmount') };
}

/** The reply of a create (and of its resends): `package_info` while the payee has yet to confirm. */
function createdView(bill: TransferBillRow): { [key: string]: JsonValue } {
  const view: { [key: string]: JsonValue } = {
    out_bill_no: bill.out_bill_no,
    transfer_bill_no: bill.transfer_bill_no,
    create_time: formatRfc3339China(bill.created_at * 1000),
    state: bill.state,
  };
  if (bill.fail_reason !== null) view.fail_reason = bill.fail_reason;
  if (bill.state === 'WAIT_USER_CONFIRM') view.package_info = bill.package_info;
  return view;
}

/**
 * The bill as the queries return it. `user_name` goes back encrypted under the merchant's API certificate, for
 * `wxpay.decrypt`; `merchant` is the bill's merchant (its certificate).
 */
export function transferBillView(
  bill: TransferBillRow,
  merchant: MerchantRow | undefined,
): { [key: string]: JsonValue } {
  const view: { [key: string]: JsonValue } = {
    mch_id: bill.mchid,
    out_bill_no: bill.out_bill_no,
    transfer_bill_no: bill.transfer_bill_no,
    appid: bill.appid,
    state: bill.state,
    transfer_amount: bill.transfer_amount,
    transfer_remark: bill.transfer_remark,
  };
  if (bill.fail_reason !== null) view.fail_reason = bill.fail_reason;
  view.openid = bill.openid;
  if (bill.user_name !== null && merchant !== undefined) {
    view.user_name = encryptOaep(bill.user_name, publicKeyOf(merchant.config.apiCert.certPem));
  }
  view.create_time = formatRfc3339China(bill.created_at * 1000);
  view.update_time = formatRfc3339China(bill.updated_at * 1000);
  return view;
}

/** `GET .../transfer-bills/out-bill-no/{out_bill_no}`. */
export function queryTransferBillByOutBillNo(request: V3Request): V3Outcome {
  return {
    status: 200,
    body: transferBillView(findBill(request, { out_bill_no: request.params.out_bill_no ?? '' }), request.caller),
  };
}

/** `GET .../transfer-bills/transfer-bill-no/{transfer_bill_no}`. */
export function queryTransferBillByNo(request: V3Request): V3Outcome {
  const key = { transfer_bill_no: request.params.transfer_bill_no ?? '' };
  return { status: 200, body: transferBillView(findBill(request, key), request.caller) };
}

function findBill(
  { ctx, caller }: V3Request,
  key: { out_bill_no: string } | { transfer_bill_no: string },
): TransferBillRow {
  requireMainland(caller);
  const bill = ctx.store.transferBills.get({ mchid: caller.mchid, ...key });
  if (bill === undefined) throw new V3Error(404, 'NOT_FOUND', '记录不存在: the merchant has no such transfer bill');
  return bill;
}

/**
 * `POST .../out-bill-no/{out_bill_no}/cancel`: a bill the payee has not confirmed becomes CANCELING, and CANCELLED
 * (money back, MCHTRANSFER.BILL.FINISHED) a moment later; a resend while it is either answers its state again.
 */
export function cancelTransferBill(request: V3Request): V3Outcome {
  const { ctx } = request;
  return ctx.store.writeTransaction(() => {
    const bill = findBill(request, { out_bill_no: request.params.out_bill_no ?? '' });
    let current = bill;
    if (cancellable.has(bill.state)) {
      const now = ctx.clock.nowSeconds();
      const updated = ctx.store.transferBills.update(
        { mchid: bill.mchid, out_bill_no: bill.out_bill_no, state: bill.state },
        { state: 'CANCELING', updated_at: now },
      );
      if (updated !== 1) throw new V3Error(500, 'SYSTEM_ERROR', 'the bill changed meanwhile; resend the cancel');
      current = { ...bill, state: 'CANCELING', updated_at: now };
      ctx.clock.due.expect(transferLifeWork, now + cancelSettleSeconds);
    } else if (bill.state !== 'CANCELING' && bill.state !== 'CANCELLED') {
      throw new V3Error(
        400,
        'INVALID_REQUEST',
        `the bill is ${bill.state}: only a bill the payee has not confirmed can be cancelled`,
      );
    }
    const body = {
      out_bill_no: current.out_bill_no,
      transfer_bill_no: current.transfer_bill_no,
      state: current.state,
      update_time: formatRfc3339China(current.updated_at * 1000),
    };
    return { status: 200, body };
  });
}

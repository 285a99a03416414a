// `transfer`: APIv3 merchant transfers (商家转账) by out_bill_no, resolved with the query by out_bill_no. A bill WeChat
// Pay accepts waits for the payee to confirm with its `package_info`, which the row keeps (docs/endpoints.md,
// "APIv3 merchant transfers").
import { type TransferBillRequest, type TransferSceneReportInfo, type Wxpay, WxpayAPIError } from 'wxpay';
import type { PayoutKind, QueryAnswer, Reconciled, Settled } from './kind.js';

/**
 * The amounts a row may have: the documented floor of the per-transfer range (0.1 yuan) and what one payee may
 * receive from a merchant in a day (20,000 yuan). The merchant's own range (by default up to 200 yuan) is WeChat Pay's
 * to check: outside it the create answers INVALID_REQUEST and the run stops for the merchant to fix.
 */
const MIN_FEN = 10;
const MAX_FEN = 2_000_000;
/** From 2,000 yuan the payee's real name is required. */
const USER_NAME_FROM_FEN = 200_000;
const REMARK_MAX = 32;
const SCENE_ID_MAX = 36;
const OPENID_MAX = 64;
const APPID_MAX = 32;
const NOTIFY_URL_MAX = 256;
/** Not stated by the pages: only to keep a value a string of sane size (as the SDK's rules). */
const FREE_TEXT_MAX = 1024;

/** States whose bill paid nothing and never will under its number: the row is `failed`. */
const unpaidStates: ReadonlySet<string> = new Set(['FAIL', 'CANCELLED']);
/**
 * States before the payee confirmed: the query does not carry `package_info`, an identical resend's answer does
 * (WeChat Pay answers a resend with the existing bill).
 */
const unconfirmedStates: ReadonlySet<string> = new Set(['ACCEPTED', 'PROCESSING', 'WAIT_USER_CONFIRM']);

const characters = (text: string): number => [...text].length;

/** The `report_info` column: a JSON array of `{ info_type, info_content }`, at least one (`--report-info TYPE=TEXT`). */
export function parseReportInfos(text: string): TransferSceneReportInfo[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const infos: TransferSceneReportInfo[] = [];
  for (const item of value) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
    const { info_type, info_content, ...rest } = item as Record<string, unknown>;
    if (Object.keys(rest).length > 0) return undefined;
    if (typeof info_type !== 'string' || typeof info_content !== 'string') return undefined;
    if (info_type.trim() === '' || info_content.trim() === '') return undefined;
    if (characters(info_type) > FREE_TEXT_MAX || characters(info_content) > FREE_TEXT_MAX) return undefined;
    infos.push({ info_type, info_content });
  }
  return infos;
}

/** The JSON body of the create, from the flat request the journal's row data rebuilds every time. */
function createBody(request: Readonly<Record<string, string | number | undefined>>): TransferBillRequest {
  const text = (name: string) => (request[name] === undefined ? undefined : String(request[name]));
  const body: TransferBillRequest = {
    appid: String(request.appid),
    out_bill_no: String(request.out_bill_no),
    transfer_scene_id: String(request.transfer_scene_id),
    openid: String(request.openid),
    transfer_amount: Number(request.transfer_amount),
    transfer_remark: String(request.transfer_remark),
    transfer_scene_report_infos: parseReportInfos(String(request.report_info)) ?? [],
  };
  const userName = text('user_name');
  if (userName !== undefined) body.user_name = userName;
  const notifyUrl = text('notify_url');
  if (notifyUrl !== undefined) body.notify_url = notifyUrl;
  const perception = text('user_recv_perception');
  if (perception !== undefined) body.user_recv_perception = perception;
  return body;
}

/** A bill (a create's reply or a query's): sent while it may still pay, failed once it cannot. */
function readBill(bill: Readonly<Record<string, unknown>>): Settled {
  const state = String(bill.state ?? '');
  const billNo = String(bill.transfer_bill_no ?? '');
  if (unpaidStates.has(state)) {
    const reason = typeof bill.fail_reason === 'string' && bill.fail_reason !== '' ? bill.fail_reason : state;
    return { state: 'failed', code: reason, message: `transfer bill ${billNo} is ${state}` };
  }
  const packageInfo = bill.package_info;
  return {
    state: 'sent',
    wxId: billNo,
    status: state,
    ...(typeof packageInfo === 'string' && packageInfo !== '' && { detail: packageInfo }),
  };
}

async function fetchBill(wxpay: Wxpay, number: string): Promise<Record<string, unknown> | undefined> {
  try {
    const bill = await wxpay.v3.fundApp.mchTransfer.transferBills.outBillNo._out_bill_no_.get({ out_bill_no: number });
    return bill as unknown as Record<string, unknown>;
  } catch (error) {
    // Never created: the identical resend creates it once.
    if (error instanceof WxpayAPIError && error.status === 404) return undefined;
    throw error;
  }
}

function isHttpsWithoutQuery(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && parsed.search === '' && !url.includes('?');
  } catch {
    return false;
  }
}

export const transferKind: PayoutKind = {
  name: 'transfer',
  sendPath: 'v3/fund-app/mch-transfer/transfer-bills',
  numberField: 'out_bill_no',
  columns: ['user_name', 'transfer_remark', 'transfer_scene_id', 'report_info', 'user_recv_perception', 'notify_url'],
  amountRequired: true,
  detailName: 'package_info',
  columnOf: (field) => (field === 'transfer_amount' ? 'amount' : field),
  rowRule: (row) => {
    if (row.amount < MIN_FEN || row.amount > MAX_FEN) return ['amount', `integer ${MIN_FEN}..${MAX_FEN} (fen)`];
    // The name is the row's alone (no flag gives a default), so its rules are stated here, where no flag is named.
    const userName = row.fields.user_name;
    if (userName === undefined && row.amount >= USER_NAME_FROM_FEN) {
      return ['user_name', `required from ${USER_NAME_FROM_FEN} fen (2,000 yuan): the payee's real name`];
    }
    if (userName !== undefined && characters(userName) > FREE_TEXT_MAX) {
      return ['user_name', `at most ${FREE_TEXT_MAX} characters`];
    }
    return undefined;
  },
  request: (row, settings, number) => ({
    appid: settings.appid,
    out_bill_no: number,
    transfer_scene_id: row.fields.transfer_scene_id,
    openid: row.openid,
    user_name: row.fields.user_name,
    transfer_amount: row.amount,
    transfer_remark: row.fields.transfer_remark,
    notify_url: row.fields.notify_url,
    user_recv_perception: row.fields.user_recv_perception,
    report_info: row.fields.report_info,
  }),
  checkRequest: (request) => {
    const text = (name: string) => (request[name] === undefined ? undefined : String(request[name]));
    const appid = text('appid');
    if (appid === undefined || characters(appid) > APPID_MAX)
      return { field: 'appid', rule: `1..${APPID_MAX} characters` };
    const sceneId = text('transfer_scene_id');
    if (sceneId === undefined) return { field: 'transfer_scene_id', rule: 'required (e.g. 1000 现金营销)' };
    if (characters(sceneId) > SCENE_ID_MAX)
      return { field: 'transfer_scene_id', rule: `at most ${SCENE_ID_MAX} characters` };
    if (characters(String(request.openid)) > OPENID_MAX)
      return { field: 'openid', rule: `at most ${OPENID_MAX} characters` };
    const remark = text('transfer_remark');
    if (remark === undefined) return { field: 'transfer_remark', rule: 'required (shown to the payee)' };
    if (characters(remark) > REMARK_MAX) return { field: 'transfer_remark', rule: `at most ${REMARK_MAX} characters` };
    const perception = text('user_recv_perception');
    if (perception !== undefined && characters(perception) > FREE_TEXT_MAX) {
      return { field: 'user_recv_perception', rule: `at most ${FREE_TEXT_MAX} characters` };
    }
    const notifyUrl = text('notify_url');
    if (notifyUrl !== undefined && !(notifyUrl.length <= NOTIFY_URL_MAX && isHttpsWithoutQuery(notifyUrl))) {
      return { field: 'notify_url', rule: `an https URL without a query string, at most ${NOTIFY_URL_MAX} characters` };
    }
    const reportInfo = text('report_info');
    if (reportInfo === undefined || parseReportInfos(reportInfo) === undefined) {
      return {
        field: 'report_info',
        rule: 'the scene report: a JSON array of {"info_type","info_content"}, at least one',
      };
    }
    return undefined;
  },
  send: async (wxpay, request) =>
    (await wxpay.v3.fundApp.mchTransfer.transferBills.post({ json: createBody(request) })) as unknown as Record<
      string,
      unknown
    >,
  accepted: readBill,
  query: async (wxpay, _row, _settings, number): Promise<QueryAnswer> => {
    const bill = await fetchBill(wxpay, number);
    if (bill === undefined) return { state: 'not-found' };
    if (unconfirmedStates.has(String(bill.state))) return { state: 'resend' };
    return readBill(bill);
  },
  reconcile: async (wxpay, _row, _settings, number): Promise<Reconciled | undefined> => {
    const bill = await fetchBill(wxpay, number);
    if (bill === undefined) return undefined;
    const state = String(bill.state ?? '');
    // FAIL and CANCELLED give the money back, as a refunded red packet does.
    return unpaidStates.has(state) ? { status: state, refundAmount: Number(bill.transfer_amount) } : { status: state };
  },
};

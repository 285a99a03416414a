// What the payout engine needs to know about one kind of payout: one small adapter per kind, one engine for all.
import type { Wxpay } from 'wxpay';

export type PayoutKindName = 'redpack' | 'workwx' | 'pocket' | 'coupon' | 'transfer';

export const payoutKindNames: readonly PayoutKindName[] = ['redpack', 'workwx', 'pocket', 'coupon', 'transfer'];

/**
 * One recipient as the batch pays them: the file's row with the defaults applied. `fields` holds the optional columns
 * the kind takes (`wishing`, `act_name`, `remark`, `scene_id`, `send_name`, `re_user_name`, `desc`, `coupon_stock_id`,
 * a transfer's `user_name`, `transfer_remark`, `transfer_scene_id`, `report_info`, ...), only those with a value. This is what the journal stores and what every resend is rebuilt from.
 */
export interface RowData {
  openid: string;
  /** Integer fen (0 for a coupon, whose value the stock fixes). */
  amount: number;
  fields: Readonly<Record<string, string>>;
}

/** Batch-wide settings that are not columns: they take part in the batch's fingerprint. */
export interface BatchSettings {
  kind: PayoutKindName;
  /** The merchant that pays (the client's `mchid`). */
  mchid: string;
  /** `wxappid` / `appid` of the requests: the official account, or the WeCom corp id for `workwx` and `pocket`. */
  appid: string;
  /** `client_ip` / `spbill_create_ip` of the requests. */
  clientIp: string;
}

/**
 * What a send (or a query) settled. `detail` is what the merchant still needs from the reply, journaled with the row
 * (a transfer's `package_info`, for the payee's confirmation).
 */
export type Settled =
  | { state: 'sent'; wxId: string; status?: string; detail?: string }
  | { state: 'failed'; code: string; message: string };

/**
 * What a query found out about a business number. `resend`: the payout exists, but only the answer to an identical
 * resend carries what the row keeps (a transfer's `package_info`); WeChat Pay answers it with the existing payout.
 */
export type QueryAnswer = Settled | { state: 'not-found' } | { state: 'resend' };

/** The status of a sent payout after reconciling: e.g. `RECEIVED`, `REFUND` with the amount given back. */
export interface Reconciled {
  status: string;
  refundAmount?: number;
}

export interface PayoutKind {
  readonly name: PayoutKindName;
  /** The catalogued path that sends one payout (APIv2 unless the kind has its own `send`). */
  readonly sendPath: string;
  /** The request field that carries the business number: the idempotency key. */
  readonly numberField: 'mch_billno' | 'partner_trade_no' | 'out_bill_no';
  /** The optional columns this kind takes, beyond `openid` and `amount`. */
  readonly columns: readonly string[];
  /** Whether `amount` is required (a coupon's value comes from its stock). */
  readonly amountRequired: boolean;
  /** The column a request field comes from, for naming problems as the file names them. */
  columnOf(field: string): string;
  /** Extra per-row rules the catalogue cannot state (e.g. a payment's documented minimum), as `[column, rule]`. */
  rowRule?(row: RowData): [string, string] | undefined;
  /**
   * The business fields of the send (the pipeline adds `mch_id`, `nonce_str` and the signatures; undefined = absent),
   * flat: a kind with its own `send` builds its body from them (a transfer's `report_info` becomes a JSON array).
   */
  request(row: RowData, settings: BatchSettings, number: string): Record<string, string | number | undefined>;
  /**
   * The first rule a request breaks, as `{ field, rule }` (field: a request field), checked before the first send;
   * absent for APIv2 kinds, whose requests the catalogue's field rules check (`checkV2Request`).
   */
  checkRequest?(
    request: Readonly<Record<string, string | number | undefined>>,
  ): { field: string; rule: string } | undefined;
  /**
   * Sends the request built by `request` and resolves to the reply; absent for APIv2 kinds, which the engine posts as
   * XML to `sendPath`. Rejects with the SDK's typed errors, which send-outcome.ts maps to what happens to the row.
   */
  send?(wxpay: Wxpay, request: Readonly<Record<string, string | number | undefined>>): Promise<Record<string, unknown>>;
  /** The name of what `Settled.detail` holds, for reports (e.g. `package_info`); absent when the kind keeps none. */
  readonly detailName?: string;
  /** Reads a reply that passed (APIv2: return_code and result_code SUCCESS; APIv3: a 2xx reply). */
  accepted(reply: Readonly<Record<string, unknown>>): Settled;
  /** Asks what became of `number`; absent when the kind is resolved by an identical resend only. */
  query?(wxpay: Wxpay, row: RowData, settings: BatchSettings, number: string): Promise<QueryAnswer>;
  /** The payout's status now (reconcile); absent when the kind has no query. */
  reconcile?(
    wxpay: Wxpay,
    row: RowData,
    settings: BatchSettings,
    number: string,
    wxId: string,
  ): Promise<Reconciled | undefined>;
}

// Mainland APIv3 bills: the trade bill and the fund flow bill of one China day, made from the sandbox's own mainland
// orders and refunds in WeChat Pay's file format (docs/endpoints.md#bill-files), announced by a signed reply
// `{hash_type, hash_value, download_url}` and served, unsigned, from `v3/billdownload/file?token=`.
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { formatChinaTime } from '../../clock.js';
import type { SandboxContext } from '../../context.js';
import type { OrderRow, RefundRow } from '../../store.js';
import { V3Error } from '../reply.js';
import type { V3Outcome, V3Request } from '../router.js';

/** How long a download_url works, sandbox seconds (the newer pages say 5 minutes). */
const downloadSeconds = 300;
/** How far back bills can be applied for: three months, counted as 92 days. */
const oldestBillDays = 92;
/** The fee the sandbox charges on payments (the common 0.6 %), in the bill's own notation. */
const feeRate = { perMille: 6, text: '0.60%' };
const dayMs = 86_400_000;
const chinaOffsetMs = 8 * 3_600_000;

/**
 * What a download token stands for: the application, not the file. A past day's bill never changes (what completes
 * later is stamped later), so the download makes the same bytes again and the kept record stays small.
 */
interface BillApplication {
  mchid: string;
  kind: 'trade' | 'fundflow';
  query: Readonly<Record<string, string>>;
  expiresAt: number;
}

/** `GET v3/bill/tradebill?bill_date=&bill_type=&tar_type=&sub_mchid=`. */
export function applyTradeBill(request: V3Request): V3Outcome {
  return announce(request, 'trade');
}

/** `GET v3/bill/fundflowbill?bill_date=&account_type=&tar_type=`: the basic account's money in and out. */
export function applyFundFlowBill(request: V3Request): V3Outcome {
  return announce(request, 'fundflow');
}

/** `GET v3/billdownload/file?token=`: the bill's bytes (gzip when asked for), not signed, for its merchant only. */
export function downloadBillFile({ ctx, caller, query }: V3Request): V3Outcome {
  const saved = ctx.store.getKv(tokenKey(query.token ?? ''));
  const application = saved === undefined ? undefined : (JSON.parse(saved) as BillApplication);
  if (
    application === undefined ||
    application.mchid !== caller.mchid ||
    application.expiresAt < ctx.clock.nowSeconds()
  ) {
    throw new V3Error(400, 'INVALID_REQUEST', 'the download token is unknown or has expired');
  }
  const bytes = Buffer.from(billText(ctx, application), 'utf8');
  return { status: 200, file: application.query.tar_type === 'GZIP' ? gzipSync(bytes) : bytes };
}

/** Makes the bill (refusing a day without one), keeps the application behind a fresh token, and answers the SHA1 of
 * the uncompressed text and where to download it. */
function announce({ ctx, caller, query, headers }: V3Request, kind: BillApplication['kind']): V3Outcome {
  const application: BillApplication = {
    mchid: caller.mchid,
    kind,
    query,
    expiresAt: ctx.clock.nowSeconds() + downloadSeconds,
  };
  const text = billText(ctx, application);
  const token = randomBytes(24).toString('base64url');
  ctx.store.setKv(tokenKey(token), JSON.stringify(application));
  const host = headers?.host ?? '127.0.0.1';
  const gzip = query.tar_type === 'GZIP';
  return {
    status: 200,
    body: {
      hash_type: 'SHA1',
      hash_value: createHash('sha1').update(text, 'utf8').digest('hex'),
      download_url: `https://${host}/v3/billdownload/file?token=${token}${gzip ? '&tartype=gzip' : ''}`,
    },
  };
}

function billText(ctx: SandboxContext, { mchid, kind, query }: BillApplication): string {
  const day = billDay(ctx, query.bill_date ?? '');
  if (kind === 'trade') {
    const type = query.bill_type ?? 'ALL';
    const { payments, refunds } = dayRecords(ctx, mchid, query.sub_mchid, day);
    const lines = [
      ...(type === 'REFUND' ? [] : payments.map(paymentLine)),
      ...(type === 'SUCCESS' ? [] : refunds.map(refundLine)),
    ].sort((a, b) => a.at - b.at);
    if (lines.length === 0) throw noStatement();
    return tradeBillText(lines);
  }
  // The sandbox moves money through the basic account only: the operation and fees accounts have no flows.
  if ((query.account_type ?? 'BASIC') !== 'BASIC') throw noStatement();
  const { payments, refunds } = dayRecords(ctx, mchid, undefined, day);
  const flows: Flow[] = [
    ...payments.map((o) => ({
      at: o.success_time ?? 0,
      no: o.id,
      name: '交易',
      direction: '收入' as const,
      fen: o.amount_total,
    })),
    ...refunds.map((r) => ({
      at: r.success_time ?? 0,
      no: r.id,
      name: '退款',
      direction: '支出' as const,
      fen: r.amount_refund,
    })),
  ].sort((a, b) => a.at - b.at);
  if (flows.length === 0) throw noStatement();
  return fundFlowBillText(flows);
}

function tokenKey(token: string): string {
  return `mainland.bill.${token}`;
}

function noStatement(): V3Error {
  return new V3Error(400, 'NO_STATEMENT_EXIST', '请求的账单文件不存在');
}

/**
 * The China day `bill_date` names, as unix seconds [start, end). Today's bill is still being made
 * (STATEMENT_CREATING); a later day or one more than three months back cannot be applied for (INVALID_REQUEST).
 */
function billDay(ctx: SandboxContext, billDate: string): { start: number; end: number } {
  const startMs = Date.parse(`${billDate}T00:00:00+08:00`);
  const todayMs = Math.floor((ctx.clock.now() + chinaOffsetMs) / dayMs) * dayMs - chinaOffsetMs;
  if (startMs === todayMs) throw new V3Error(400, 'STATEMENT_CREATING', '账单生成中');
  if (startMs > todayMs || startMs < todayMs - oldestBillDays * dayMs) {
    throw new V3Error(400, 'INVALID_REQUEST', `bill_date ${billDate} is not a past day of the last three months`);
  }
  return { start: startMs / 1000, end: startMs / 1000 + 86_400 };
}

/**
 * The merchant's mainland payments and completed refunds of the day: its own (direct mode) and, as a service provider,
 * its sub-merchants' (one of them with `sub_mchid`).
 */
function dayRecords(
  ctx: SandboxContext,
  mchid: string,
  subMchid: string | undefined,
  day: { start: number; end: number },
): { payments: OrderRow[]; refunds: RefundRow[] } {
  const within = (at: number | null) => at !== null && at >= day.start && at < day.end;
  const wheres =
    subMchid === undefined ? [{ mchid, sp_mchid: null }, { sp_mchid: mchid }] : [{ mchid: subMchid, sp_mchid: mchid }];
  const payments = wheres.flatMap((where) =>
    ctx.store.orders.list({ ...where, api: 'mainland' }).filter((o) => within(o.success_time)),
  );
  const refunds = wheres.flatMap((where) =>
    ctx.store.refunds.list({ ...where, api: 'mainland', status: 'SUCCESS' }).filter((r) => within(r.success_time)),
  );
  return { payments, refunds };
}

// ---- The file format.

const tradeColumns = [
  '交易时间',
  '公众账号ID',
  '商户号',
  '特约商户号',
  '设备号',
  '微信订单号',
  '商户订单号',
  '用户标识',
  '交易类型',
  '交易状态',
  '付款银行',
  '货币种类',
  '应结订单金额',
  '代金券金额',
  '微信退款单号',
  '商户退款单号',
  '退款金额',
  '充值券退款金额',
  '退款类型',
  '退款状态',
  '商品名称',
  '商户数据包',
  '手续费',
  '费率',
  '订单金额',
  '申请退款金额',
  '费率备注',
] as const;
type TradeColumn = (typeof tradeColumns)[number];

/** One detail line of the trade bill, with the amounts the summary adds up (fen). */
interface TradeLine {
  at: number;
  values: Partial<Record<TradeColumn, string>>;
  settlement: number;
  refund: number;
  fee: number;
  total: number;
}

function paymentLine(order: OrderRow): TradeLine {
  const fee = feeOf(order.amount_total);
  return {
    at: order.success_time ?? 0,
    settlement: order.amount_total,
    refund: 0,
    fee,
    total: order.amount_total,
    values: {
      ...orderValues(order),
      交易状态: 'SUCCESS',
      应结订单金额: yuan(order.amount_total),
      退款金额: yuan(0),
      申请退款金额: yuan(0),
      手续费: yuan(fee),
      订单金额: yuan(order.amount_total),
    },
  };
}

function refundLine(refund: RefundRow): TradeLine {
  const fee = -feeOf(refund.amount_refund);
  return {
    at: refund.success_time ?? 0,
    settlement: 0,
    refund: refund.amount_refund,
    fee,
    total: 0,
    values: {
      交易时间: formatChinaTime((refund.success_time ?? 0) * 1000),
      商户号: refund.sp_mchid ?? refund.mchid,
      特约商户号: refund.sp_mchid === null ? '0' : refund.mchid,
      微信订单号: refund.order_id,
      商户订单号: refund.out_trade_no,
      交易状态: 'REFUND',
      货币种类: refund.currency,
      应结订单金额: yuan(0),
      微信退款单号: refund.id,
      商户退款单号: refund.out_refund_no,
      退款金额: yuan(refund.amount_refund),
      退款类型: 'ORIGINAL',
      退款状态: 'SUCCESS',
      手续费: yuan(fee),
      订单金额: yuan(0),
      申请退款金额: yuan(refund.amount_refund),
    },
  };
}

function orderValues(order: OrderRow): Partial<Record<TradeColumn, string>> {
  const payer = order.payer ?? {};
  return {
    交易时间: formatChinaTime((order.success_time ?? 0) * 1000),
    公众账号ID: order.appid ?? order.sp_appid ?? '',
    商户号: order.sp_mchid ?? order.mchid,
    特约商户号: order.sp_mchid === null ? '0' : order.mchid,
    微信订单号: order.id,
    商户订单号: order.out_trade_no,
    用户标识: payer.openid ?? payer.sub_openid ?? payer.sp_openid ?? '',
    交易类型: order.trade_type,
    付款银行: order.bank_type ?? '',
    货币种类: order.currency,
    商品名称: order.description,
    商户数据包: order.attach ?? '',
  };
}

function tradeBillText(lines: TradeLine[]): string {
  const sum = (pick: (line: TradeLine) => number) => lines.reduce((total, line) => total + pick(line), 0);
  const detail = lines.map((line) =>
    ticked(
      tradeColumns.map(
        (column) => line.values[column] ?? (column === '费率' ? feeRate.text : defaultTradeValue(column)),
      ),
    ),
  );
  const summary = [
    String(lines.length),
    yuan(sum((l) => l.settlement)),
    yuan(sum((l) => l.refund)),
    yuan(0),
    yuan(sum((l) => l.fee)),
    yuan(sum((l) => l.total)),
    yuan(sum((l) => l.refund)),
  ];
  return [
    tradeColumns.join(','),
    ...detail,
    '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
    ticked(summary),
  ].join('\r\n');
}

/** What a column holds on a line that has nothing of its own for it: zero amounts, '0' numbers, else empty. */
function defaultTradeValue(column: TradeColumn): string {
  if (column === '代金券金额' || column === '充值券退款金额') return yuan(0);
  if (column === '微信退款单号' || column === '商户退款单号') return '0';
  return '';
}

interface Flow {
  at: number;
  no: string;
  name: string;
  direction: '收入' | '支出';
  fen: number;
}

function fundFlowBillText(flows: Flow[]): string {
  let balance = 0;
  const detail = flows.map((flow, i) => {
    balance += flow.direction === '收入' ? flow.fen : -flow.fen;
    const flowNo = `${flow.no.slice(-20)}${String(i).padStart(4, '0')}`;
    return ticked([
      formatChinaTime(flow.at * 1000),
      flow.no,
      flowNo,
      flow.name,
      flow.name,
      flow.direction,
      yuan(flow.fen),
      yuan(balance),
      'system',
      '',
      flow.no,
    ]);
  });
  const income = flows.filter((flow) => flow.direction === '收入');
  const expense = flows.filter((flow) => flow.direction === '支出');
  const total = (list: Flow[]) => yuan(list.reduce((sum, flow) => sum + flow.fen, 0));
  return [
    '记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),资金变更提交申请人,备注,业务凭证号',
    ...detail,
    '资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额',
    ticked([String(flows.length), String(income.length), total(income), String(expense.length), total(expense)]),
  ].join('\r\n');
}

/** Every value behind a back-tick, so spreadsheets keep long numbers as text. */
function ticked(values: readonly string[]): string {
  return values.map((value) => `\`${value}`).join(',');
}

/** The fee on an amount, fen, rounded half up. */
function feeOf(fen: number): number {
  return Math.round((fen * feeRate.perMille) / 1000);
}

/** Fen as yuan with two decimals, exactly (no floating point). */
function yuan(fen: number): string {
  const abs = Math.abs(fen);
  return `${fen < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

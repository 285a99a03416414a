// The columns of the bill files by their header text (as WeChat Pay writes them) and the typed name each gets.
// Facts: docs/endpoints.md#bill-files.

/** Trade bill detail columns. Amounts are yuan with decimals, kept as the exact text (never floats). */
export interface TradeBillRow {
  /** 交易时间 `yyyy-MM-dd HH:mm:ss`: when it was paid, or when the refund was requested. */
  trade_time: string;
  /** 公众账号ID. */
  appid?: string;
  /** 服务商的APPID (partner bills). */
  sp_appid?: string;
  /** 商户号. */
  mchid: string;
  /** 特约商户号 / 子商户号. */
  sub_mchid?: string;
  /** 设备号. */
  device_info?: string;
  /** 微信订单号. */
  transaction_id: string;
  /** 商户订单号. */
  out_trade_no: string;
  /** 用户标识. */
  openid?: string;
  /** 交易类型, e.g. `JSAPI`. */
  trade_type: string;
  /** 交易状态, e.g. `SUCCESS`, `REFUND`. */
  trade_state: string;
  /** 付款银行. */
  bank_type?: string;
  /** 货币种类. */
  currency?: string;
  /** 应结订单金额. */
  settlement_total_amount?: string;
  /** 代金券金额. */
  coupon_amount?: string;
  /** 微信退款单号. */
  refund_id?: string;
  /** 商户退款单号. */
  out_refund_no?: string;
  /** 退款金额. */
  refund_amount?: string;
  /** 充值券退款金额. */
  recharge_coupon_refund_amount?: string;
  /** 退款类型. */
  refund_type?: string;
  /** 退款状态. */
  refund_status?: string;
  /** 商品名称. */
  goods_name?: string;
  /** 商户数据包. */
  attach?: string;
  /** 手续费. */
  fee?: string;
  /** 费率, e.g. `0.60%`. */
  fee_rate?: string;
  /** 订单金额. */
  total_amount?: string;
  /** 申请退款金额. */
  requested_refund_amount?: string;
  /** 费率备注. */
  fee_rate_remark?: string;
  /** 退款申请时间 (REFUND bills of older merchants). */
  refund_apply_time?: string;
  /** 退款成功时间 (REFUND bills of older merchants). */
  refund_success_time?: string;
  /** Every column by its header text, these and any the SDK does not know. */
  columns: Readonly<Record<string, string>>;
}

/** Trade bill summary (the last line). */
export interface TradeBillSummary {
  /** 总交易单数. */
  total_count: string;
  /** 应结订单总金额. */
  settlement_total_amount?: string;
  /** 退款总金额. */
  refund_total_amount?: string;
  /** 充值券退款总金额. */
  recharge_coupon_refund_total_amount?: string;
  /** 手续费总金额. */
  fee_total_amount?: string;
  /** 订单总金额. */
  total_amount?: string;
  /** 申请退款总金额. */
  requested_refund_total_amount?: string;
  columns: Readonly<Record<string, string>>;
}

/** Fund-flow bill detail columns. */
export interface FundFlowBillRow {
  /** 记账时间 `yyyy-MM-dd HH:mm:ss`. */
  booking_time: string;
  /** 微信支付业务单号. */
  business_no: string;
  /** 资金流水单号. */
  flow_no: string;
  /** 业务名称, e.g. `交易`, `退款`. */
  business_name: string;
  /** 业务类型. */
  business_type: string;
  /** 收支类型: `收入` or `支出`. */
  direction: string;
  /** 收支金额(元). */
  amount: string;
  /** 账户结余(元). */
  balance: string;
  /** 资金变更提交申请人. */
  operator?: string;
  /** 备注 (CR and LF arrive escaped as `\r`, `\n`: kept as written). */
  remark?: string;
  /** 业务凭证号. */
  voucher_no?: string;
  columns: Readonly<Record<string, string>>;
}

/** Fund-flow bill summary. Counts are written with a decimal point (`20.0`). */
export interface FundFlowBillSummary {
  /** 资金流水总笔数. */
  total_count: string;
  /** 收入笔数. */
  income_count?: string;
  /** 收入金额. */
  income_amount?: string;
  /** 支出笔数. */
  expense_count?: string;
  /** 支出金额. */
  expense_amount?: string;
  columns: Readonly<Record<string, string>>;
}

/** Header text -> typed name, and which typed names a file must have. */
export interface ColumnSet<Row> {
  names: Readonly<Record<string, Exclude<keyof Row, 'columns'>>>;
  required: ReadonlyArray<Exclude<keyof Row, 'columns'>>;
}

export const tradeRowColumns: ColumnSet<TradeBillRow> = {
  names: {
    交易时间: 'trade_time',
    公众账号ID: 'appid',
    服务商的APPID: 'sp_appid',
    商户号: 'mchid',
    特约商户号: 'sub_mchid',
    子商户号: 'sub_mchid',
    设备号: 'device_info',
    微信订单号: 'transaction_id',
    商户订单号: 'out_trade_no',
    用户标识: 'openid',
    交易类型: 'trade_type',
    交易状态: 'trade_state',
    付款银行: 'bank_type',
    货币种类: 'currency',
    应结订单金额: 'settlement_total_amount',
    代金券金额: 'coupon_amount',
    微信退款单号: 'refund_id',
    商户退款单号: 'out_refund_no',
    退款金额: 'refund_amount',
    充值券退款金额: 'recharge_coupon_refund_amount',
    退款类型: 'refund_type',
    退款状态: 'refund_status',
    商品名称: 'goods_name',
    商户数据包: 'attach',
    手续费: 'fee',
    费率: 'fee_rate',
    订单金额: 'total_amount',
    申请退款金额: 'requested_refund_amount',
    费率备注: 'fee_rate_remark',
    退款申请时间: 'refund_apply_time',
    退款成功时间: 'refund_success_time',
  },
  required: ['trade_time', 'mchid', 'transaction_id', 'out_trade_no', 'trade_type', 'trade_state'],
};

export const tradeSummaryColumns: ColumnSet<TradeBillSummary> = {
  names: {
    总交易单数: 'total_count',
    应结订单总金额: 'settlement_total_amount',
    退款总金额: 'refund_total_amount',
    充值券退款总金额: 'recharge_coupon_refund_total_amount',
    手续费总金额: 'fee_total_amount',
    订单总金额: 'total_amount',
    申请退款总金额: 'requested_refund_total_amount',
  },
  required: ['total_count'],
};

export const fundFlowRowColumns: ColumnSet<FundFlowBillRow> = {
  names: {
    记账时间: 'booking_time',
    微信支付业务单号: 'business_no',
    资金流水单号: 'flow_no',
    业务名称: 'business_name',
    业务类型: 'business_type',
    收支类型: 'direction',
    '收支金额(元)': 'amount',
    '账户结余(元)': 'balance',
    资金变更提交申请人: 'operator',
    备注: 'remark',
    业务凭证号: 'voucher_no',
  },
  required: [
    'booking_time',
    'business_no',
    'flow_no',
    'business_name',
    'business_type',
    'direction',
    'amount',
    'balance',
  ],
};

export const fundFlowSummaryColumns: ColumnSet<FundFlowBillSummary> = {
  names: {
    资金流水总笔数: 'total_count',
    收入笔数: 'income_count',
    收入金额: 'income_amount',
    支出笔数: 'expense_count',
    支出金额: 'expense_amount',
  },
  required: ['total_count'],
};

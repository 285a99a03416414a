// The sandbox's persistent state, one SQLite database (WAL) per data directory. This is its entry point; the parts are in
// src/store/: the schema and its migrations (schema.ts), how tables are described (columns.ts), typed access to one
// table (table.ts), and opening a database with its transactions (open.ts).

export { isUniqueViolation, type KvStore, openStore, type Store, type Tables } from './store/open.js';
export {
  type CouponRow,
  type CouponStockRow,
  type CouponStockStatus,
  type DailyProduct,
  type DailyTotalRow,
  type JsonValue,
  type LedgerReason,
  type LedgerRow,
  type MerchantConfig,
  type MerchantKind,
  type MerchantRow,
  type NewRow,
  type NotificationAttempt,
  type NotificationRow,
  type OrderRow,
  type PayApi,
  type PocketPaymentRow,
  type RedpackKind,
  type RedpackRow,
  type RedpackStatus,
  type RefundRow,
  type RefundStatus,
  type Row,
  SCHEMA_VERSION,
  type SigningMode,
  type TableName,
  type TradeState,
  type TradeType,
  type TransferBillRow,
  type TransferBillState,
  type UserRow,
} from './store/schema.js';
export { type ListOptions, Table } from './store/table.js';

// The sandbox's control API (in-process): inspect and drive red packets, payouts, coupons, orders, time, balances,
// merchants and faults.
// Every refusal is an AdminError: no such thing (404 over HTTP), wrong state (409), bad input (400).
import { invalidInput, invalidState, notFound } from './admin-error.js';
import { merchantFiles } from './config-files.js';
import type { SandboxContext } from './context.js';
import type { FaultSettings } from './faults.js';
import { balanceOf, ledgerEntries } from './ledger.js';
import { createMerchant, merchantClientConfig, type NewMerchant, type SandboxMerchantConfig } from './merchants.js';
import type { Notifier } from './notifier.js';
import {
  createCouponStock,
  listCouponStocks,
  listCoupons,
  listPocketPayments,
  listRedpacks,
  openRedpack,
  topUp,
} from './v2/actions.js';
import { listOrders, payOrder } from './v3/actions.js';
import { failMainlandRefund } from './v3/mainland/refunds.js';
import { confirmTransfer, failTransfer, listTransfers } from './v3/mainland/transfer-life.js';

/** What the admin needs from the running sandbox. */
export interface AdminHooks {
  endpoint(): { url: string; caPem: string };
  /** Called after a merchant is added (the sandbox rewrites its config files). */
  merchantsChanged(): void;
}

type Arg<F extends (ctx: SandboxContext, ...args: never[]) => unknown> = Parameters<F>[1];

export class SandboxAdmin {
  readonly #ctx: SandboxContext;
  readonly #notifier: Notifier;
  readonly #hooks: AdminHooks;

  constructor(ctx: SandboxContext, notifier: Notifier, hooks: AdminHooks) {
    this.#ctx = ctx;
    this.#notifier = notifier;
    this.#hooks = hooks;
  }

  /**
   * Red packets, newest first, after applying the passage of sandbox time; `filter.kind` NORMAL (sendredpack) or
   * WORKWX (sendworkwxredpack).
   */
  redpacks(filter?: Arg<typeof listRedpacks>) {
    return listRedpacks(this.#ctx, filter);
  }

  /** WeCom pay-to-staff payments (promotion/paywwsptrans2pocket), newest first. */
  pocketPayments(filter?: Arg<typeof listPocketPayments>) {
    return listPocketPayments(this.#ctx, filter);
  }

  /** Coupons sent by send_coupon, newest first. */
  coupons(filter?: Arg<typeof listCoupons>) {
    return listCoupons(this.#ctx, filter);
  }

  /** The user opens a red packet: `SENT` -> `RECEIVED`. */
  openRedpack(input: Arg<typeof openRedpack>) {
    return openRedpack(this.#ctx, input);
  }

  orders(filter?: Arg<typeof listOrders>) {
    return listOrders(this.#ctx, filter);
  }

  /** The user pays an order (`SUCCESS`, the default) or the payment fails (`PAYERROR`); notifications follow. */
  async payOrder(input: Arg<typeof payOrder>) {
    const order = payOrder(this.#ctx, input);
    // Its notification is due at once.
    await this.#ctx.clock.due.run();
    return order;
  }

  /** Merchant transfers (商家转账) as the query returns them, newest first. */
  transfers(filter?: Arg<typeof listTransfers>) {
    return listTransfers(this.#ctx, filter);
  }

  /**
   * The payee confirms a WAIT_USER_CONFIRM transfer: TRANSFERING, SUCCESS 2 sandbox seconds later (NAME_NOT_CORRECT at
   * once when the bill's user_name is not the name the sandbox knows the user by).
   */
  async confirmTransfer(input: Arg<typeof confirmTransfer>) {
    const bill = confirmTransfer(this.#ctx, input);
    // A failed name check notifies at once.
    await this.#ctx.clock.due.run();
    return bill;
  }

  /** The transfer fails before it is paid (`reason`, default TRANSFER_RISK): money back, notification sent. */
  async failTransfer(input: Arg<typeof failTransfer>) {
    const bill = failTransfer(this.#ctx, input);
    await this.#ctx.clock.due.run();
    return bill;
  }

  /** A PROCESSING mainland refund fails (`ABNORMAL`); REFUND.ABNORMAL goes to its notify_url. */
  async failRefund(input: Arg<typeof failMainlandRefund>) {
    const refund = failMainlandRefund(this.#ctx, input);
    await this.#ctx.clock.due.run();
    return refund;
  }

  /**
   * Moves sandbox time forward, then lets everything that was waiting for that time happen (the clock's registry of
   * due work: red packets expire and are refunded, refunds complete, notifications are delivered and retried).
   */
  async advanceClock(ms: number) {
    if (!(Number.isSafeInteger(ms) && ms >= 0)) throw invalidInput('ms must be a whole number >= 0');
    this.#ctx.clock.advance(ms);
    await this.#ctx.clock.due.run({ all: true });
    return this.clock();
  }

  clock() {
    return { now: this.#ctx.clock.now(), offsetMs: this.#ctx.clock.offset() };
  }

  topUp(mchid: string, amountFen: number) {
    return topUp(this.#ctx, mchid, amountFen);
  }

  async createMerchant(input: NewMerchant): Promise<SandboxMerchantConfig> {
    const row = await createMerchant(this.#ctx, input);
    this.#hooks.merchantsChanged();
    const { url, caPem } = this.#hooks.endpoint();
    return merchantClientConfig(row, url, caPem);
  }

  couponStocks() {
    return listCouponStocks(this.#ctx);
  }

  createCouponStock(input: Arg<typeof createCouponStock>) {
    return createCouponStock(this.#ctx, input);
  }

  faults(): Readonly<FaultSettings> {
    return this.#ctx.faults.settings;
  }

  setFaults(changes: Partial<FaultSettings>): Readonly<FaultSettings> {
    try {
      return this.#ctx.faults.set(changes);
    } catch (error) {
      // Faults refuses out-of-range settings with a RangeError naming the setting.
      if (error instanceof RangeError) throw invalidInput(error.message);
      throw error;
    }
  }

  resetFaults(): Readonly<FaultSettings> {
    this.#ctx.faults.reset();
    return this.#ctx.faults.settings;
  }

  /** A merchant's balance (red packets and payouts are paid from it), in fen, with expired packets refunded. */
  balance(mchid: string): { mchid: string; balance: number } {
    this.#ctx.clock.due.settle();
    const balance = balanceOf(this.#ctx.store, mchid);
    if (balance === undefined) throw notFound(`merchant ${mchid} does not exist`);
    return { mchid, balance };
  }

  /**
   * Every move of the balances, oldest first: amount (fen, negative out), the balance after it, reason and reference
   * (mch_billno, partner_trade_no, ...). Read-only: balances move only through the APIs and `topUp`.
   */
  ledger(filter: { mchid?: string; limit?: number } = {}) {
    if (filter.limit !== undefined && !(Number.isSafeInteger(filter.limit) && filter.limit >= 0)) {
      throw invalidInput('limit must be a whole number >= 0');
    }
    this.#ctx.clock.due.settle();
    if (filter.mchid !== undefined && balanceOf(this.#ctx.store, filter.mchid) === undefined) {
      throw notFound(`merchant ${filter.mchid} does not exist`);
    }
    return ledgerEntries(this.#ctx.store, filter);
  }

  /** Notification deliveries with every attempt. */
  notifications(filter?: Parameters<Notifier['log']>[0]) {
    return this.#notifier.log(filter);
  }

  /**
   * Attempts a notification now rather than at its next retry (also one given up); returns it with the new attempt.
   * A delivered notification is not sent again: WeChat Pay never does.
   */
  async deliverNotification(id: string) {
    const [delivery] = this.#notifier.log({ id });
    if (delivery === undefined) throw notFound(`no notification ${id}`);
    if (delivery.state === 'delivered') throw invalidState(`notification ${id} was delivered already`);
    this.#ctx.store.notifications.update({ id }, { next_attempt_at: this.#ctx.clock.nowSeconds() });
    await this.#notifier.tick();
    return this.#notifier.log({ id })[0];
  }

  /**
   * The merchants with what a developer needs to point a client at one (no secrets: those are in `sandbox.json` and
   * the key files, whose paths are relative to the data directory).
   */
  merchants() {
    this.#ctx.clock.due.settle();
    return this.#ctx.store.merchants.list({}, { orderBy: 'mchid' }).map((row) => ({
      mchid: row.mchid,
      kind: row.kind,
      name: row.name,
      parent_mchid: row.parent_mchid,
      balance: row.balance,
      rate_limit: row.rate_limit,
      signing_mode: row.config.signingMode,
      appids: row.config.appids,
      settings: row.config.settings ?? {},
      serial: row.config.apiCert.serial,
      platform_cert_serial: row.config.platformCert.serial,
      public_key_id: row.config.publicKey.id,
      files: merchantFiles(row),
    }));
  }

  /** Refunds, newest first (at most 100 per merchant filter), as sandbox time has brought them. */
  refunds(filter: { mchid?: string } = {}) {
    this.#ctx.clock.due.settle();
    const rows = this.#ctx.store.refunds.list(
      { mchid: filter.mchid },
      { orderBy: 'created_at', descending: true, limit: 100 },
    );
    return rows.map(({ request_hash: _hash, ...refund }) => refund);
  }

  /** The `code_url` of every Native order still awaiting payment, by WeChat's order id (the dashboard draws them). */
  codeUrls(): Record<string, string> {
    const rows = this.#ctx.store.orders.list({ trade_type: 'NATIVE', trade_state: 'NOTPAY' });
    return Object.fromEntries(rows.flatMap((row) => (row.code_url === null ? [] : [[row.id, row.code_url]])));
  }

  /** The order a Native `code_url` stands for, as the payer's phone shows it before paying. */
  orderByCodeUrl(codeUrl: string) {
    this.#ctx.clock.due.settle();
    const row = this.#ctx.store.orders.get({ code_url: codeUrl });
    if (row === undefined) throw notFound('no order has this code_url');
    const merchant = this.#ctx.store.merchants.get({ mchid: row.mchid });
    return {
      mchid: row.mchid,
      merchant_name: merchant?.name ?? null,
      out_trade_no: row.out_trade_no,
      id: row.id,
      description: row.description,
      amount_total: row.amount_total,
      currency: row.currency,
      trade_state: row.trade_state,
    };
  }
}

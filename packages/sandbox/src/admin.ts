// The sandbox's control API (in-process): inspect and drive red packets, payouts, coupons, orders, time, balances,
// merchants and faults.
// Every refusal is an AdminError: no such thing (404 over HTTP), wrong state (409), bad input (400).
import { invalidInput, notFound } from './admin-error.js';
import type { SandboxContext } from './context.js';
import type { FaultSettings } from './faults.js';
import { balanceOf } from './ledger.js';
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

  /** Notification deliveries with every attempt. */
  notifications(filter?: Parameters<Notifier['log']>[0]) {
    return this.#notifier.log(filter);
  }
}

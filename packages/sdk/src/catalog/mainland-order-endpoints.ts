// The order endpoints of one mainland merchant mode (create x4, two lookups, close): the direct and the partner family
// differ only in their path prefix and in the merchant ids their rules want (mainland-fields.ts), so one builder
// makes both. Facts: docs/endpoints.md#apiv3-mainland-payments.
import { closeRules, createOrderRules, lookupRules, type MerchantMode, type OrderKind } from './mainland-fields.js';
import type { CataloguedEndpoint } from './types.js';

/** One mode's order endpoints, their paths kept literal under the mode's prefix `B`. */
export interface OrderEndpoints<B extends string> {
  readonly create: { readonly [K in OrderKind]: CataloguedEndpoint<`${B}/${K}`, 'post'> };
  readonly byId: CataloguedEndpoint<`${B}/id/{transaction_id}`, 'get'>;
  readonly byOutTradeNo: CataloguedEndpoint<`${B}/out-trade-no/{out_trade_no}`, 'get'>;
  readonly close: CataloguedEndpoint<`${B}/out-trade-no/{out_trade_no}/close`, 'post'>;
}

/** The metadata of the order endpoints under `base` (e.g. `v3/pay/transactions`), checked by the rules of `mode`. */
export function orderEndpoints<const B extends string>(mode: MerchantMode, base: B): OrderEndpoints<B> {
  const create = <K extends OrderKind>(kind: K): CataloguedEndpoint<`${B}/${K}`, 'post'> => ({
    path: `${base}/${kind}`,
    verb: 'post',
    host: 'mainland',
    idempotencyKey: 'out_trade_no',
    validate: createOrderRules(mode, kind),
  });
  return {
    create: { jsapi: create('jsapi'), native: create('native'), app: create('app'), h5: create('h5') },
    byId: {
      path: `${base}/id/{transaction_id}`,
      verb: 'get',
      host: 'mainland',
      validate: lookupRules(mode, 'transaction_id'),
    },
    byOutTradeNo: {
      path: `${base}/out-trade-no/{out_trade_no}`,
      verb: 'get',
      host: 'mainland',
      validate: lookupRules(mode, 'out_trade_no'),
    },
    close: {
      path: `${base}/out-trade-no/{out_trade_no}/close`,
      verb: 'post',
      host: 'mainland',
      // Closing twice is harmless, so a resend for the same order number is a re-entry.
      idempotencyKey: 'out_trade_no',
      validate: closeRules(mode),
    },
  };
}

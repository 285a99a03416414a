// First start: the sandbox CA and server certificate, and the default merchants, users and coupon stock that let the
// seed documents' example requests run verbatim. Later starts reuse what the store already holds.
import type { SandboxContext } from './context.js';
import { createMerchant } from './merchants.js';
import { createCa, issueServerCert, type Pem } from './pki.js';
import type { KvStore } from './store.js';

export const DEFAULTS = {
  mainland: '10000098',
  redpackAppid: 'wx8888888888888888',
  workwxCorpid: 'wxe062425f740d30d8',
  couponAppid: 'wx5edab3bdfba3dc1c',
  couponStockId: '1757',
  global: '1900000109',
  globalAppid: 'wx2421b1c4370ec43b',
  institution: '1900000100',
  institutionAppid: 'wxd678efh567hg6787',
  /**
   * The appid of the official global pages' examples (their field tables give `wx8888888888888888` for appid,
   * sp_appid and sub_appid: docs/endpoints.md#example-values), bound to both global merchants so the examples run
   * verbatim.
   */
  exampleAppid: 'wx8888888888888888',
  users: [
    { openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16E', name: '张三' },
    { openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16F', name: '李四' },
    { openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16G', name: '王五' },
  ],
  globalPayer: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
  /**
   * The mainland APIv3 pages' example merchant (docs/endpoints.md#apiv3-mainland-payments): direct mode with `appid`
   * wxd678efh567hg6787, and the service provider (`sp_appid` wx8888888888888888) of sub-merchant 1900000109, which
   * takes wxd678efh567hg6787 as its `sub_appid`. Their payer is `globalPayer`.
   */
  mainlandPay: '1230000109',
  mainlandPayAppid: 'wxd678efh567hg6787',
  mainlandSpAppid: 'wx8888888888888888',
} as const;

/** The sandbox CA and the server certificate, created once and kept in the store. */
export async function loadOrCreatePki(kv: KvStore, now: number): Promise<{ ca: Pem; server: Pem }> {
  const saved = kv.getKv('pki');
  if (saved) return JSON.parse(saved) as { ca: Pem; server: Pem };
  const ca = await createCa(now);
  const server = await issueServerCert(ca, now);
  kv.setKv('pki', JSON.stringify({ ca, server }));
  return { ca, server };
}

/** Creates the default merchants, users and coupon stock unless they exist. */
export async function seedDefaults(ctx: SandboxContext): Promise<void> {
  const { store } = ctx;
  if (store.getKv('seeded')) {
    bindExampleAppids(ctx);
    await addMainlandPayMerchant(ctx);
    return;
  }
  await createMerchant(ctx, {
    mchid: DEFAULTS.mainland,
    kind: 'mainland',
    name: 'wxpay sandbox mainland merchant',
    appids: { redpack: DEFAULTS.redpackAppid, coupon: DEFAULTS.couponAppid },
    workwxCorpid: DEFAULTS.workwxCorpid,
  });
  await createMerchant(ctx, {
    mchid: DEFAULTS.institution,
    kind: 'institution',
    name: 'wxpay sandbox institution',
    appids: { pay: DEFAULTS.institutionAppid, example: DEFAULTS.exampleAppid },
    signingMode: 'public_key',
  });
  await createMerchant(ctx, {
    mchid: DEFAULTS.global,
    kind: 'global',
    parentMchid: DEFAULTS.institution,
    name: 'wxpay sandbox global merchant',
    appids: { pay: DEFAULTS.globalAppid, example: DEFAULTS.exampleAppid },
  });
  for (const user of DEFAULTS.users) {
    store.users.insert({
      openid: user.openid,
      mchid: DEFAULTS.mainland,
      appid: DEFAULTS.redpackAppid,
      name: user.name,
    });
  }
  store.users.insert({
    openid: DEFAULTS.globalPayer,
    mchid: DEFAULTS.global,
    appid: DEFAULTS.globalAppid,
    name: 'Chan Tai Man',
  });
  const nowSeconds = ctx.clock.nowSeconds();
  store.couponStocks.insert({
    coupon_stock_id: DEFAULTS.couponStockId,
    mchid: DEFAULTS.mainland,
    appid: DEFAULTS.couponAppid,
    name: '新人立减5元',
    value: 500,
    minimum: 1000,
    status: 4,
    total: 10_000,
    max_quota: 1,
    budget: 5_000_000,
    begin_time: nowSeconds - 86_400,
    end_time: nowSeconds + 90 * 86_400,
    create_time: nowSeconds - 2 * 86_400,
  });
  store.setKv('seeded', '1');
  store.setKv('example-appids', '1');
  await addMainlandPayMerchant(ctx);
}

/**
 * The mainland payment merchant 1230000109 and its sub-merchant 1900000109 (which stays the global default as well),
 * added once: on the first start, and on the next start of data directories seeded before they existed.
 */
async function addMainlandPayMerchant(ctx: SandboxContext): Promise<void> {
  const { store } = ctx;
  if (store.getKv('mainland-pay')) return;
  if (store.merchants.get({ mchid: DEFAULTS.mainlandPay }) === undefined) {
    await createMerchant(ctx, {
      mchid: DEFAULTS.mainlandPay,
      kind: 'mainland',
      name: 'wxpay sandbox mainland payments',
      appids: { pay: DEFAULTS.mainlandPayAppid, partner: DEFAULTS.mainlandSpAppid },
    });
  }
  store.writeTransaction(() => {
    const sub = store.merchants.get({ mchid: DEFAULTS.global });
    if (sub !== undefined) {
      // Its sub_appid there is bound under 1230000109 only: as the global merchant it keeps its own appids.
      const serviceProviders = { ...sub.config.serviceProviders, [DEFAULTS.mainlandPay]: [DEFAULTS.mainlandPayAppid] };
      store.merchants.update({ mchid: DEFAULTS.global }, { config: { ...sub.config, serviceProviders } });
    }
    store.setKv('mainland-pay', '1');
  });
}

/**
 * Data directories seeded before the example appid was bound get it now, once: the global merchant and the
 * institution, if they still exist, take `wx8888888888888888` as well.
 */
function bindExampleAppids({ store }: SandboxContext): void {
  if (store.getKv('example-appids')) return;
  store.writeTransaction(() => {
    for (const mchid of [DEFAULTS.global, DEFAULTS.institution]) {
      const merchant = store.merchants.get({ mchid });
      if (merchant === undefined || Object.values(merchant.config.appids).includes(DEFAULTS.exampleAppid)) continue;
      const appids = { ...merchant.config.appids, example: DEFAULTS.exampleAppid };
      store.merchants.update({ mchid }, { config: { ...merchant.config, appids } });
    }
    store.setKv('example-appids', '1');
  });
}

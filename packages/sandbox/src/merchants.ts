// Merchant creation and the client configuration that points any SDK at a sandbox merchant.
import { invalidInput, invalidState, notFound } from './admin-error.js';
import type { SandboxContext } from './context.js';
import { recordOpeningBalance } from './ledger.js';
import { createPublicKey, issueMerchantCert, issuePlatformCert, randomSecret32 } from './pki.js';
import { isUniqueViolation, type MerchantKind, type MerchantRow, type SigningMode } from './store.js';

export interface NewMerchant {
  mchid: string;
  kind?: MerchantKind;
  /** The institution this merchant belongs to (institutional mode). */
  parentMchid?: string;
  name?: string;
  /** Appids by purpose, e.g. `{ redpack: 'wx...', coupon: 'wx...', pay: 'wx...' }`. */
  appids?: Record<string, string>;
  /** WeCom corp id; a WeCom payment secret is generated with it. */
  workwxCorpid?: string;
  signingMode?: SigningMode;
  /** Starting balance in fen (default 10 000 000 = 100 000 yuan). */
  balance?: number;
  /** Requests per second before FREQ_LIMIT / RATELIMIT_EXCEEDED / FREQUENCY_LIMITED (default 30). */
  rateLimit?: number;
  /**
   * Handler knobs: `sendingSeconds` (red packets stay SENDING that long), `redpackUserDailyCount`,
   * `redpackUserDailyAmount`, `redpackMerchantDailyAmount` (daily limits, fen).
   */
  settings?: Record<string, number>;
  /** The merchant's users (red packet and payout recipients); appid defaults to the `redpack` appid. */
  users?: Array<{ openid: string; appid?: string; name?: string }>;
}

/** The options a `Wxpay` client needs for one sandbox merchant (secrets included: this is a sandbox). */
export interface SandboxMerchantConfig {
  mchid: string;
  secret: string;
  merchant: { cert: string; key: string };
  serial: string;
  privateKey: string;
  certs: Record<string, string>;
  apiv3Key: string;
  workwxSecret?: string;
  baseURL: string;
  ca: string;
}

export async function createMerchant(ctx: SandboxContext, input: NewMerchant): Promise<MerchantRow> {
  if (!/^\d{6,32}$/.test(input.mchid)) throw invalidInput('mchid must be 6 to 32 digits');
  if (input.kind !== undefined && !['mainland', 'global', 'institution'].includes(input.kind)) {
    throw invalidInput('kind must be mainland, global or institution');
  }
  if (input.signingMode !== undefined && !['certificate', 'public_key', 'mixed'].includes(input.signingMode)) {
    throw invalidInput('signingMode must be certificate, public_key or mixed');
  }
  for (const [name, value] of [
    ['balance', input.balance],
    ['rateLimit', input.rateLimit],
  ] as const) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
      throw invalidInput(`${name} must be a whole number >= 0`);
    }
  }
  if (ctx.store.merchants.get({ mchid: input.mchid })) throw invalidState(`merchant ${input.mchid} already exists`);
  if (input.parentMchid && !ctx.store.merchants.get({ mchid: input.parentMchid })) {
    throw notFound(`parent merchant ${input.parentMchid} does not exist`);
  }
  const now = ctx.clock.now();
  const [apiCert, platformCert, publicKey] = await Promise.all([
    issueMerchantCert(ctx.ca, input.mchid, now),
    issuePlatformCert(ctx.ca, input.mchid, now),
    createPublicKey(),
  ]);
  const balance = input.balance ?? 10_000_000;
  // One transaction: a refused user leaves no half-created merchant behind.
  ctx.store.writeTransaction(() => {
    ctx.store.merchants.insert({
      mchid: input.mchid,
      kind: input.kind ?? 'mainland',
      parent_mchid: input.parentMchid ?? null,
      name: input.name ?? null,
      balance,
      rate_limit: input.rateLimit ?? 30,
      config: {
        apiv2Key: randomSecret32(),
        apiv3Key: randomSecret32(),
        apiCert,
        platformCert,
        publicKey,
        signingMode: input.signingMode ?? 'certificate',
        appids: input.appids ?? {},
        ...(input.workwxCorpid ? { workwx: { corpid: input.workwxCorpid, secret: randomSecret32() } } : {}),
        ...(input.settings ? { settings: input.settings } : {}),
      },
    });
    recordOpeningBalance(ctx.store, input.mchid, balance, Math.floor(now / 1000));
    for (const user of input.users ?? []) {
      const appid = user.appid ?? input.appids?.redpack;
      if (!appid) throw invalidInput(`user ${user.openid} needs an appid (or give the merchant a redpack appid)`);
      try {
        ctx.store.users.insert({ openid: user.openid, mchid: input.mchid, appid, name: user.name ?? null });
      } catch (error) {
        // An openid belongs to one merchant (the store keeps one row per user).
        if (isUniqueViolation(error)) throw invalidState(`user ${user.openid} already exists`);
        throw error;
      }
    }
  });
  return ctx.store.merchants.get({ mchid: input.mchid }) as MerchantRow;
}

export function merchantClientConfig(row: MerchantRow, baseURL: string, caPem: string): SandboxMerchantConfig {
  const { config } = row;
  return {
    mchid: row.mchid,
    secret: config.apiv2Key,
    merchant: { cert: config.apiCert.certPem, key: config.apiCert.keyPem },
    serial: config.apiCert.serial,
    privateKey: config.apiCert.keyPem,
    certs: {
      [config.platformCert.serial]: config.platformCert.certPem,
      [config.publicKey.id]: config.publicKey.publicKeyPem,
    },
    apiv3Key: config.apiv3Key,
    ...(config.workwx ? { workwxSecret: config.workwx.secret } : {}),
    baseURL,
    ca: caPem,
  };
}

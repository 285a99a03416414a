// Test-only: the one builder of what the sandbox tests start from — keys, merchants and a handler context on an
// in-memory store (with the sandbox's due work registered, as in a running sandbox), a started sandbox whose clients
// close with it, red packet requests and fresh business numbers, and the refusals every suite asserts.
import { request } from 'node:https';
import { expect } from 'vitest';
import {
  type ResultOutcome,
  type SendCouponRequest,
  type SendRedpackRequest,
  type SendWorkwxRedpackRequest,
  ValidationError,
  Wxpay,
  WxpayAPIError,
  type WxpayOptions,
  WxpayResultError,
} from 'wxpay';
import { DEFAULTS } from '../../src/bootstrap.js';
import { SandboxClock } from '../../src/clock.js';
import type { NotifyFn, SandboxContext } from '../../src/context.js';
import { registerDueWork } from '../../src/due-work.js';
import { DEFAULT_FAULTS, Faults } from '../../src/faults.js';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/index.js';
import {
  createCa,
  createPublicKey,
  issueMerchantCert,
  issuePlatformCert,
  issueServerCert,
  type Pem,
  type PublicKeyPair,
  randomSecret32,
} from '../../src/pki.js';
import { type MerchantConfig, openStore } from '../../src/store.js';

// ---- Keys and merchants for a bare store.

export interface TestKeys {
  ca: Pem;
  /** A server certificate for 127.0.0.1 (a local https notification receiver). */
  server: Pem;
  /** One platform certificate and one WeChat Pay public key, shared by the merchants of a test. */
  platform: Pem;
  publicKey: PublicKeyPair;
  /** Each merchant's API certificate, by mchid. */
  apiCerts: Record<string, Pem>;
}

/** A CA valid from `atMs`, with everything it issues for the merchants `mchids` (issued in parallel: RSA is slow). */
export async function issueTestKeys(atMs: number, mchids: readonly string[]): Promise<TestKeys> {
  const ca = await createCa(atMs);
  const [server, platform, publicKey, ...certs] = await Promise.all([
    issueServerCert(ca, atMs),
    issuePlatformCert(ca, mchids[0] ?? '10000000', atMs),
    createPublicKey(),
    ...mchids.map((mchid) => issueMerchantCert(ca, mchid, atMs)),
  ]);
  const apiCerts: Record<string, Pem> = {};
  mchids.forEach((mchid, i) => {
    const cert = certs[i];
    if (cert !== undefined) apiCerts[mchid] = cert;
  });
  return { ca, server, platform, publicKey, apiCerts };
}

/** A stand-in for tests that never sign with the WeChat Pay public key. */
const unusedPublicKey: PublicKeyPair = {
  id: `PUB_KEY_ID_${'1'.repeat(32)}`,
  publicKeyPem: 'unused',
  privateKeyPem: 'unused',
};

/**
 * A merchant's `config` for inserting into a bare store: fresh APIv2 and APIv3 keys, `certificate` signing with the
 * API certificate standing in for the platform certificate, no appids, unless `parts` says otherwise.
 */
export function merchantConfig(parts: Partial<MerchantConfig> & Pick<MerchantConfig, 'apiCert'>): MerchantConfig {
  return {
    apiv2Key: randomSecret32(),
    apiv3Key: randomSecret32(),
    platformCert: parts.apiCert,
    publicKey: unusedPublicKey,
    signingMode: 'certificate',
    appids: {},
    ...parts,
  };
}

// ---- A context for calling handlers directly.

export interface HandlerContextOptions {
  ca: Pem;
  /** The real clock under the sandbox clock; tests freeze it (`() => startMs`) or drive it (`() => now`). */
  realNow: () => number;
  /** Default: faults that never fire. */
  faults?: Faults;
  /** Where notifications go; default nowhere. */
  notify?: NotifyFn;
  /** Delivers due notifications when the due work runs (a notifier's `tick`); default none. */
  deliver?: () => Promise<void>;
}

/**
 * A sandbox context on a fresh in-memory store, with the sandbox's due work (red packet life, refund completion)
 * registered on its clock as `startSandbox` does. Close it with `ctx.store.close()`.
 */
export function handlerContext(options: HandlerContextOptions): SandboxContext {
  const store = openStore(':memory:');
  const ctx: SandboxContext = {
    store,
    clock: new SandboxClock(store, options.realNow),
    faults: options.faults ?? new Faults(),
    ca: options.ca,
    notify: options.notify ?? (() => {}),
  };
  registerDueWork(ctx, options.deliver);
  return ctx;
}

// ---- A running sandbox.

export interface TestSandbox {
  readonly sandbox: Sandbox;
  /** A client of a sandbox merchant (by mchid, default 10000098, or its options); closed with the sandbox. */
  client(merchant?: string | WxpayOptions, overrides?: Partial<WxpayOptions>): Wxpay;
  /** Closes every client, then the sandbox. */
  close(): Promise<void>;
}

export interface TestSandboxOptions extends SandboxOptions {
  /**
   * Requests a merchant may make per second. Default 10 000: tests send bursts and are not about the rate limit
   * (30 a second per merchant); `null` keeps the sandbox's own limits.
   */
  rateLimitPerSecond?: number | null;
}

/** A sandbox on 127.0.0.1 (in memory unless `dataDir` is given) and the clients the test makes of it. */
export async function startTestSandbox(options: TestSandboxOptions = {}): Promise<TestSandbox> {
  const { rateLimitPerSecond = 10_000, ...sandboxOptions } = options;
  const sandbox = await startSandbox({ port: 0, dataDir: ':memory:', ...sandboxOptions });
  if (rateLimitPerSecond !== null) sandbox.admin.setFaults({ ...DEFAULT_FAULTS, rateLimitPerSecond });
  const clients: Wxpay[] = [];
  return {
    sandbox,
    client(merchant = DEFAULTS.mainland, overrides = {}) {
      const config = typeof merchant === 'string' ? sandbox.merchantConfig(merchant) : merchant;
      const created = new Wxpay({ ...config, ...overrides });
      clients.push(created);
      return created;
    },
    async close() {
      await Promise.all(clients.splice(0).map((each) => each.close()));
      await sandbox.close();
    },
  };
}

/** A reply of the HTTP control API: its status and JSON body. */
export interface AdminReply {
  status: number;
  json: unknown;
}

/**
 * One call of the HTTP control API under `/_sandbox/`, on a fresh connection trusting only the sandbox CA. `body` is
 * sent as JSON, or as it is when a string. Every reply must be JSON, refusals included.
 */
export function adminHttp(sandbox: Sandbox, method: 'GET' | 'POST', path: string, body?: unknown): Promise<AdminReply> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${sandbox.url}${path}`,
      { method, ca: sandbox.tls.ca, agent: false, headers: { 'content-type': 'application/json' } },
      (reply) => {
        const chunks: Buffer[] = [];
        reply.on('data', (chunk: Buffer) => chunks.push(chunk));
        reply.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            expect(reply.headers['content-type']).toContain('application/json');
            resolve({ status: reply.statusCode ?? 0, json: JSON.parse(text) });
          } catch (error) {
            reject(error);
          }
        });
        reply.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
  });
}

/** A successful control API call's JSON, typed by the caller. */
export async function adminOk<T>(sandbox: Sandbox, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const reply = await adminHttp(sandbox, method, path, body);
  expect(reply.status, JSON.stringify(reply.json)).toBe(200);
  return reply.json as T;
}

// ---- Business numbers.

/** `prefix` followed by 1, 2, 3, ... padded to `width` digits: numbers unique within one test file's sandbox. */
export function numberSequence(prefix: string, width = 10): () => string {
  let sequence = 0;
  return () => {
    sequence += 1;
    return `${prefix}${String(sequence).padStart(width, '0')}`;
  };
}

let uniqueSequence = 0;
/** `tag`, the real time and a counter: unique also across runs that share a data directory (at most 32 characters). */
export function uniqueNo(tag: string): string {
  uniqueSequence += 1;
  return `${tag}${Date.now()}${uniqueSequence}`;
}

// ---- What the first start seeds (src/bootstrap.ts), by the names the tests use.

/** The mainland merchant 10000098: red packets, WeCom, coupons. */
export const MCH: string = DEFAULTS.mainland;
export const REDPACK_APPID: string = DEFAULTS.redpackAppid;
export const CORPID: string = DEFAULTS.workwxCorpid;
export const COUPON_APPID: string = DEFAULTS.couponAppid;
/** The seeded stock: 500 fen off orders of 1000 fen or more, one per user. */
export const COUPON_STOCK: string = DEFAULTS.couponStockId;
/** The seeded users of 10000098: 张三, 李四, 王五. */
export const [ZHANG, LI, WANG] = DEFAULTS.users.map((user) => user.openid) as [string, string, string];
/** The global merchant 1900000109 (common mode), also the sub-merchant of the institution 1900000100. */
export const GLOBAL: string = DEFAULTS.global;
export const GLOBAL_APPID: string = DEFAULTS.globalAppid;
export const GLOBAL_PAYER: string = DEFAULTS.globalPayer;
export const INSTITUTION: string = DEFAULTS.institution;
export const INSTITUTION_APPID: string = DEFAULTS.institutionAppid;
/** The appid of the official pages' examples, bound to both global merchants. */
export const EXAMPLE_APPID: string = DEFAULTS.exampleAppid;
/** The query of a global order or refund in common mode, and in institutional mode (for the sub-merchant). */
export const COMMON_QUERY = { mchid: GLOBAL } as const;
export const INSTITUTIONAL_QUERY = { sp_mchid: INSTITUTION, sub_mchid: GLOBAL } as const;

// ---- Requests for the mainland merchant 10000098.

/** mch_id + yyyymmdd + 10 digits, the documented convention (26 characters of [0-9]). */
export const nextBillno: () => string = numberSequence(`${MCH}20250101`);

const story = {
  wishing: '感谢您参加猜灯谜活动，祝您元宵节快乐！',
  act_name: '猜灯谜抢红包活动',
  remark: '猜越多得越多，快来抢！',
};

export function redpack(overrides: Partial<SendRedpackRequest> = {}): SendRedpackRequest {
  return {
    mch_billno: nextBillno(),
    mch_id: MCH,
    wxappid: REDPACK_APPID,
    send_name: '天虹百货',
    re_openid: ZHANG,
    total_amount: 1000,
    total_num: 1,
    client_ip: '192.168.0.1',
    ...story,
    ...overrides,
  };
}

export function workwxRedpack(overrides: Partial<SendWorkwxRedpackRequest> = {}): SendWorkwxRedpackRequest {
  return {
    mch_billno: nextBillno(),
    mch_id: MCH,
    wxappid: CORPID,
    sender_name: 'XX活动',
    re_openid: ZHANG,
    total_amount: 1000,
    ...story,
    ...overrides,
  };
}

/** A fresh send_coupon `partner_trade_no` of 10000098. */
export const nextCouponTradeNo: () => string = numberSequence(`${MCH}C`);

/** One coupon of the seeded stock for `openid`, under a fresh partner_trade_no. */
export function sendCouponRequest(openid: string, overrides: Partial<SendCouponRequest> = {}): SendCouponRequest {
  return {
    coupon_stock_id: COUPON_STOCK,
    openid_count: 1,
    partner_trade_no: nextCouponTradeNo(),
    openid,
    appid: COUPON_APPID,
    ...overrides,
  };
}

// ---- Refusals.

/** The error a call rejects with (fails the test when it resolves). */
export async function rejectionOf(call: PromiseLike<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (error) {
    return error;
  }
  throw new Error('the call succeeded, a failure was expected');
}

/** The APIv2 result error a call rejects with, checked for its `err_code` and, when given, its outcome. */
export async function expectResultError(
  call: PromiseLike<unknown>,
  errCode: string,
  outcome?: ResultOutcome,
): Promise<WxpayResultError> {
  const error = await rejectionOf(call);
  expect(error).toBeInstanceOf(WxpayResultError);
  const result = error as WxpayResultError;
  expect(result.errCode, result.message).toBe(errCode);
  if (outcome !== undefined) expect(result.outcome).toBe(outcome);
  return result;
}

/** The APIv3 error reply a call rejects with. */
export async function expectApiError(call: PromiseLike<unknown>): Promise<WxpayAPIError> {
  const error = await rejectionOf(call);
  expect(error).toBeInstanceOf(WxpayAPIError);
  return error as WxpayAPIError;
}

/** The SDK's own refusal (nothing sent) a call rejects with. */
export async function expectValidationError(call: PromiseLike<unknown>): Promise<ValidationError> {
  const error = await rejectionOf(call);
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

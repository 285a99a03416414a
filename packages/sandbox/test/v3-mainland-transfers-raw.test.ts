// Mainland merchant transfers from a client that is not the wxpay SDK: plain node:https and node:crypto (the raw client
// of support/raw-v3-client.ts: its own APIv3 Authorization and check of the reply signature), its own RSA-OAEP of
// user_name. Covers what the SDK refuses to send (so only the sandbox's own rules can answer it): names that do not
// decrypt, a missing or unknown Wechatpay-Serial, broken field rules.
import { constants, createPublicKey, privateDecrypt, publicEncrypt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxMerchantConfig } from '../src/merchants.js';
import { startTestSandbox, type TestSandbox, uniqueNo } from './support/fixtures.js';
import {
  configuredMerchant,
  expectV3Signed,
  header,
  type Merchant,
  rawClient,
  type V3Reply,
} from './support/raw-v3-client.js';

const MCHID = '1230000903';
const APPID = 'wxd678efh567hg6787';
const PAYEE = 'o-MYE42l80oelYMDE34nYD456Xoy';
const PATH = '/v3/fund-app/mch-transfer/transfer-bills';

let world: TestSandbox;
let merchant: SandboxMerchantConfig;
let raw: Merchant;
let client: ReturnType<typeof rawClient>;
/** The merchant's two WeChat Pay keys: the platform certificate and the public key, by serial / id. */
let platformSerial: string;
let publicKeyId: string;

type Reply = V3Reply & { json: Record<string, unknown> };

/** One signed APIv3 call on a fresh connection trusting only the sandbox CA (support/raw-v3-client.ts). */
async function call(
  method: 'GET' | 'POST',
  path: string,
  json?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return (await client.callV3(raw, method, path, json, { headers })) as Reply;
}

/** The reply is signed by the key its Wechatpay-Serial names, over `timestamp\nnonce\nbody\n`. */
function expectSigned(reply: Reply): void {
  const serial = header(reply.headers, 'wechatpay-serial');
  const pem = merchant.certs[serial];
  expect(pem, `a key of the merchant signs: ${serial}`).toBeDefined();
  expectV3Signed(reply, raw, { serial, key: createPublicKey(pem ?? '') });
}

/** RSA-OAEP (SHA-1) under a PEM certificate or public key, base64: WeChat Pay's sensitive-field encryption. */
function encryptName(name: string, pem: string): string {
  return publicEncrypt(
    { key: createPublicKey(pem), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    Buffer.from(name, 'utf8'),
  ).toString('base64');
}

function transfer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    appid: APPID,
    out_bill_no: uniqueNo('R'),
    transfer_scene_id: '1005',
    openid: PAYEE,
    transfer_amount: 300_000,
    transfer_remark: '2020年4月报酬',
    transfer_scene_report_infos: [
      { info_type: '岗位类型', info_content: '外卖员' },
      { info_type: '报酬说明', info_content: '7月份配送费' },
    ],
    ...overrides,
  };
}

function expectParamError(reply: Reply, field: string): void {
  expect(reply.status, reply.body).toBe(400);
  expect(reply.json.code).toBe('PARAM_ERROR');
  expect((reply.json.detail as { field?: string }).field).toBe(field);
  expectSigned(reply);
}

beforeAll(async () => {
  world = await startTestSandbox();
  merchant = await world.sandbox.admin.createMerchant({
    mchid: MCHID,
    kind: 'mainland',
    appids: { transfer: APPID },
    settings: { transferMaxAmount: 500_000 },
  });
  raw = configuredMerchant(merchant);
  client = rawClient({ url: merchant.baseURL, ca: merchant.ca, merchants: { [MCHID]: raw } });
  const serials = Object.keys(merchant.certs);
  publicKeyId = serials.find((serial) => serial.startsWith('PUB_KEY_ID_')) ?? '';
  platformSerial = serials.find((serial) => serial !== publicKeyId) ?? '';
});

afterAll(async () => {
  await world?.close();
});

describe('user_name, encrypted by the client itself', () => {
  it('decrypts with the key Wechatpay-Serial names, the public key or the platform certificate', async () => {
    for (const serial of [publicKeyId, platformSerial]) {
      const json = transfer({ user_name: encryptName('王五', merchant.certs[serial] ?? '') });
      const created = await call('POST', PATH, json, { 'wechatpay-serial': serial });
      expect(created.status, created.body).toBe(200);
      expect(created.json.state).toBe('WAIT_USER_CONFIRM');
      expectSigned(created);

      // The query gives it back encrypted under the merchant's own certificate.
      const queried = await call('GET', `${PATH}/out-bill-no/${json.out_bill_no}`);
      expect(queried.status).toBe(200);
      expectSigned(queried);
      const plaintext = privateDecrypt(
        { key: raw.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
        Buffer.from(String(queried.json.user_name), 'base64'),
      );
      expect(plaintext.toString('utf8')).toBe('王五');
    }
  });

  it('a resend encrypted anew is the same request: the same answer', async () => {
    const json = transfer();
    const pem = merchant.certs[publicKeyId] ?? '';
    const headers = { 'wechatpay-serial': publicKeyId };
    const first = await call('POST', PATH, { ...json, user_name: encryptName('王五', pem) }, headers);
    const again = await call('POST', PATH, { ...json, user_name: encryptName('王五', pem) }, headers);
    expect(again.json).toEqual(first.json);
    const renamed = await call('POST', PATH, { ...json, user_name: encryptName('赵六', pem) }, headers);
    expect([renamed.status, renamed.json.code]).toEqual([400, 'INVALID_REQUEST']);
  });

  it('refuses a name that does not decrypt: PARAM_ERROR on /user_name, nothing recorded', async () => {
    const headers = { 'wechatpay-serial': publicKeyId };
    // Under the merchant's own certificate (the key WeChat Pay encrypts replies with), not a WeChat Pay key.
    const wrongKey = transfer({ user_name: encryptName('王五', merchant.merchant.cert) });
    expectParamError(await call('POST', PATH, wrongKey, headers), '/user_name');
    // Not even base64 of a ciphertext: the plaintext itself.
    const plain = transfer({ user_name: '王五' });
    expectParamError(await call('POST', PATH, plain, headers), '/user_name');
    const missing = await call('GET', `${PATH}/out-bill-no/${wrongKey.out_bill_no}`);
    expect([missing.status, missing.json.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('refuses a name without Wechatpay-Serial, or with a serial that is not the merchant’s: PARAM_ERROR', async () => {
    const json = transfer({ user_name: encryptName('王五', merchant.certs[publicKeyId] ?? '') });
    expectParamError(await call('POST', PATH, json), 'Wechatpay-Serial');
    expectParamError(
      await call('POST', PATH, json, { 'wechatpay-serial': `PUB_KEY_ID_${'9'.repeat(32)}` }),
      'Wechatpay-Serial',
    );
  });
});

describe('field rules', () => {
  it('refuses what the pages forbid, naming the field: PARAM_ERROR', async () => {
    // From 2,000 yuan the payee must be named.
    expectParamError(await call('POST', PATH, transfer({ user_name: undefined })), '/user_name');
    const small = (overrides: Record<string, unknown>) => transfer({ transfer_amount: 1000, ...overrides });
    expectParamError(await call('POST', PATH, small({ out_bill_no: 'bad-number' })), '/out_bill_no');
    expectParamError(await call('POST', PATH, small({ transfer_remark: 'x'.repeat(33) })), '/transfer_remark');
    expectParamError(await call('POST', PATH, transfer({ transfer_amount: 0 })), '/transfer_amount');
    expectParamError(
      await call('POST', PATH, small({ transfer_scene_report_infos: [] })),
      '/transfer_scene_report_infos',
    );
    expectParamError(
      await call('POST', PATH, small({ transfer_scene_report_infos: [{ info_type: '岗位类型' }] })),
      '/transfer_scene_report_infos/0/info_content',
    );
    expectParamError(await call('POST', PATH, small({ notify_url: 'http://example.com/n' })), '/notify_url');
    expectParamError(await call('GET', `${PATH}/out-bill-no/bad-number`), 'out_bill_no');
    expectParamError(await call('POST', `${PATH}/out-bill-no/bad-number/cancel`), 'out_bill_no');
  });
});

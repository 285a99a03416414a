// Printing a client never shows a secret: every way of printing, serialising or enumerating, on every object reachable
// from the client, shows ids, hosts and which credentials are configured (booleans), never their values.
import { format, inspect } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { Wxpay } from '../src/index.js';
import { createTestPki, type TestPki } from './support/test-pki.js';
import { createV3Keys, type V3Keys } from './support/v3-keys.js';

const SECRET = 'printTestApiv2Key000000000000000';
const WORKWX_SECRET = 'printTestWorkwxSecret';
const APIV3_KEY = 'printTestApiv3Key000000000000000';
const PASSPHRASE = 'printTestPassphrase';

let pki: TestPki;
let keys: V3Keys;
let secrets: string[];

beforeAll(async () => {
  [pki, keys] = await Promise.all([createTestPki(), createV3Keys()]);
  // A line from the middle of each PEM: a view that printed any part of a key would contain it.
  const innerLine = (pem: string) => pem.split('\n')[3] as string;
  secrets = [
    SECRET,
    WORKWX_SECRET,
    APIV3_KEY,
    PASSPHRASE,
    'PRIVATE KEY',
    innerLine(pki.clientKey),
    innerLine(keys.merchant.privateKeyPem),
  ];
});

function secretOptions() {
  return {
    mchid: keys.mchid,
    secret: SECRET,
    workwxSecret: WORKWX_SECRET,
    serial: keys.merchant.serial,
    privateKey: keys.merchant.privateKeyPem,
    apiv3Key: APIV3_KEY,
    merchant: { cert: pki.clientCert, key: pki.clientKey },
  };
}

function clients(): Record<string, Wxpay> {
  const common = {
    mchid: keys.mchid,
    secret: SECRET,
    workwxSecret: WORKWX_SECRET,
    serial: keys.merchant.serial,
    privateKey: keys.merchant.privateKeyPem,
    apiv3Key: APIV3_KEY,
    certs: { [keys.publicKey.id]: keys.publicKey.publicKeyPem },
  };
  return {
    pem: new Wxpay({ ...common, merchant: { cert: pki.clientCert, key: pki.clientKey } }),
    pfx: new Wxpay({ ...common, merchant: { pfx: Buffer.from('not a real bundle'), passphrase: PASSPHRASE } }),
  };
}

/** Every way a service might print or copy an object. */
function renderings(value: unknown): Record<string, string> {
  return {
    inspect: inspect(value),
    inspectDeep: inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: true }),
    inspectProxy: inspect(value, { showProxy: true, depth: 8 }),
    consoleFormat: format('%o %O %s %j', value, value, value, value),
    json: String(JSON.stringify(value)),
    spread: inspect({ ...(value as object) }, { depth: 8, showHidden: true }),
    keys: inspect(Object.getOwnPropertyNames(value as object)),
    entries: inspect(Object.entries(value as object), { depth: 8 }),
    string: String(value),
    structuredClone: (() => {
      try {
        return inspect(structuredClone(value), { depth: 8 });
      } catch (error) {
        return String(error);
      }
    })(),
  };
}

function expectNoSecret(value: unknown, label: string): void {
  for (const [how, text] of Object.entries(renderings(value))) {
    for (const secret of secrets) {
      expect(text.includes(secret), `${label} via ${how} shows ${secret.slice(0, 12)}…`).toBe(false);
    }
  }
}

describe('printing a client', () => {
  it('shows no secret, whatever prints it', () => {
    for (const [name, client] of Object.entries(clients())) expectNoSecret(client, name);
  });

  it('shows no secret on anything reachable from the client', () => {
    const client = clients().pem!;
    const reachable: Record<string, unknown> = {
      keyStore: client.keyStore,
      v2: client.v2,
      v3: client.v3,
      chain: client.chain('v2/mmpaymkttransfers/sendredpack'),
      index: client['v2/mmpaymkttransfers/gethbinfo'],
      view: client.toJSON(),
    };
    for (const [name, value] of Object.entries(reachable)) expectNoSecret(value, name);
    // Own properties are where spreading and enumeration look: nothing there at all.
    expect(Object.getOwnPropertyNames(client)).toEqual([]);
    expect(Object.getOwnPropertySymbols(client)).toEqual([]);
  });

  it('shows no secret and no Authorization header in the errors of failed calls', async () => {
    // Port 1 on loopback refuses at once.
    const client = new Wxpay({ ...secretOptions(), baseURL: 'https://127.0.0.1:1', maxRetries: 0 });
    const failures = await Promise.all([
      client.v3.global.transactions.id._id_
        .get({ id: '42', query: { mchid: keys.mchid } })
        .catch((error: unknown) => error),
      client.v2.mmpaymkttransfers.gethbinfo
        .post({ xml: { mch_billno: 'b1', appid: 'wx8888888888888888', bill_type: 'MCHT' } })
        .catch((error: unknown) => error),
      client
        .chain('v2/pay/orderquery')
        .post({ xml: { appid: 'wx1' } })
        .catch((error: unknown) => error),
    ]);
    for (const [index, error] of failures.entries()) {
      expect(error).toBeInstanceOf(Error);
      expectNoSecret(error, `error ${index}`);
      const deep = inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true });
      expect(deep).not.toMatch(/WECHATPAY2-SHA256-RSA2048|signature="/);
    }
  });

  it('shows the merchant id, hosts and which credentials are configured', () => {
    const client = clients().pem!;
    expect(client.toJSON()).toEqual({
      mchid: keys.mchid,
      hosts: {
        mainland: ['https://api.mch.weixin.qq.com', 'https://api2.mch.weixin.qq.com'],
        global: ['https://apihk.mch.weixin.qq.com'],
      },
      credentials: {
        secret: true,
        workwxSecret: true,
        merchantCertificate: true,
        privateKey: true,
        serial: keys.merchant.serial,
        apiv3Key: true,
      },
      trustedKeys: [keys.publicKey.id],
    });
    expect(inspect(client)).toContain(`mchid: '${keys.mchid}'`);
    expect(inspect(client)).toContain('apihk.mch.weixin.qq.com');
    expect(JSON.parse(JSON.stringify(client)).credentials.secret).toBe(true);
  });

  it('says which credentials are missing', () => {
    const view = new Wxpay({ mchid: '10000098', baseURL: 'https://127.0.0.1:8443' }).toJSON();
    expect(view.credentials).toEqual({
      secret: false,
      workwxSecret: false,
      merchantCertificate: false,
      privateKey: false,
      serial: undefined,
      apiv3Key: false,
    });
    expect(view.hosts).toEqual({ mainland: ['https://127.0.0.1:8443'], global: ['https://127.0.0.1:8443'] });
  });
});

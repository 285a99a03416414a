// SDK workloads against their floor: the same requests sent with raw `undici.request` through a keep-alive Agent,
// pre-built, plus only the crypto no client can skip (one MD5 per APIv2 call; one RSA sign and one verify per APIv3
// call; verify, decrypt and JSON.parse per notification). Both meet the same canned server in another process.
import { spawn } from 'node:child_process';
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
} from 'node:crypto';
import { createInterface } from 'node:readline';
import { Agent, request } from 'undici';
import { Wxpay } from 'wxpay';
import { createTestPki } from '../packages/sdk/test/support/test-pki.js';
import type { CannedServerSetup } from './canned-server.js';
import { compare, type Measured } from './measure.js';

export interface WorkloadResult {
  workload: string;
  concurrency: number;
  sdk: number;
  floor: number;
}

const MCHID = '10000098';
const APIV2_KEY = 'benchApiv2Key0000000000000000000';
const APIV3_KEY = 'benchApiv3Key0000000000000000000';
const PLATFORM_KEY_ID = 'PUB_KEY_ID_0000000000000000000000000000BENCH';

/** Starts the canned server in its own process; resolves with its URL and a stop function. */
async function startCannedServer(setup: CannedServerSetup): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./canned-server.ts', import.meta.url).pathname], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child.stdin.write(`${JSON.stringify(setup)}\n`);
  const line = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    createInterface({ input: child.stdout }).once('line', resolve);
  });
  const { port } = JSON.parse(line) as { port: number };
  return { url: `https://127.0.0.1:${port}`, stop: () => child.stdin.end() };
}

export async function benchSdk(options: { rounds: number; roundMs: number }): Promise<WorkloadResult[]> {
  const pki = await createTestPki();
  const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const platformPrivatePem = platform.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const platformPublicPem = platform.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const server = await startCannedServer({
    serverCert: pki.serverCert,
    serverKey: pki.serverKey,
    caCert: pki.caCert,
    platformPrivateKey: platformPrivatePem,
    platformKeyId: PLATFORM_KEY_ID,
  });
  const wxpay = new Wxpay({
    mchid: MCHID,
    secret: APIV2_KEY,
    merchant: { cert: pki.clientCert, key: pki.clientKey },
    ca: pki.caCert,
    baseURL: server.url,
    serial: pki.clientSerial,
    privateKey: pki.clientKey,
    apiv3Key: APIV3_KEY,
    certs: { [PLATFORM_KEY_ID]: platformPublicPem },
  });
  const floorAgent = new Agent({
    connect: { cert: pki.clientCert, key: pki.clientKey, ca: pki.caCert },
    keepAliveTimeout: 60_000,
  });
  const merchantKey = createPrivateKey(pki.clientKey);
  const platformKey = createPublicKey(platformPublicPem);

  // --- APIv2 sendredpack, with the client certificate ---
  const redpack = {
    mch_billno: '100000982026113000000001',
    wxappid: 'wx8888888888888888',
    send_name: 'wxpay',
    re_openid: 'oxTWIuGaIt6gTKsQRLau2M0yL16E',
    total_amount: 1000,
    total_num: 1,
    wishing: 'happy new year',
    client_ip: '192.168.0.1',
    act_name: 'lantern riddles',
    remark: 'thanks',
  };
  const prebuiltSignString = `act_name=lantern riddles&client_ip=192.168.0.1&mch_billno=100000982026113000000001&key=${APIV2_KEY}`;
  const prebuiltXml = `<xml>${Object.entries({ ...redpack, mch_id: MCHID, nonce_str: 'x', sign: 'y' })
    .map(([name, value]) => `<${name}>${value}</${name}>`)
    .join('')}</xml>`;
  const v2Sdk = () => wxpay.v2.mmpaymkttransfers.sendredpack.post({ xml: redpack });
  const v2Floor = async () => {
    createHash('md5').update(prebuiltSignString).digest('hex');
    const reply = await request(`${server.url}/mmpaymkttransfers/sendredpack`, {
      method: 'POST',
      body: prebuiltXml,
      headers: { 'content-type': 'text/xml' },
      dispatcher: floorAgent,
    });
    await reply.body.text();
  };

  // --- APIv3 global order query ---
  const orderPath = `/v3/global/transactions/id/4200000000202611300000000001?mchid=1900000109`;
  const v3Sdk = () =>
    wxpay.v3.global.transactions.id._id_.get({ id: '4200000000202611300000000001', query: { mchid: '1900000109' } });
  const v3Floor = async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = sign('sha256', Buffer.from(`GET\n${orderPath}\n${timestamp}\nnonce\n\n`), merchantKey);
    const reply = await request(`${server.url}${orderPath}`, {
      headers: {
        authorization: `WECHATPAY2-SHA256-RSA2048 signature="${signature.toString('base64')}"`,
        accept: 'application/json',
      },
      dispatcher: floorAgent,
    });
    const body = await reply.body.text();
    const h = reply.headers as Record<string, string>;
    verify(
      'sha256',
      Buffer.from(`${h['wechatpay-timestamp']}\n${h['wechatpay-nonce']}\n${body}\n`),
      platformKey,
      Buffer.from(h['wechatpay-signature'] as string, 'base64'),
    );
    JSON.parse(body);
  };

  // --- APIv3 notification, verified and decrypted (no network) ---
  const nonce = 'benchNonce12';
  const cipher = createCipheriv('aes-256-gcm', APIV3_KEY, nonce);
  cipher.setAAD(Buffer.from('transaction'));
  const sealed = Buffer.concat([
    cipher.update(JSON.stringify({ out_trade_no: 'BENCH0001', trade_state: 'SUCCESS' })),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  const notificationBody = JSON.stringify({
    id: 'EV-BENCH',
    create_time: '2026-11-30T08:00:00+08:00',
    resource_type: 'encrypt-resource',
    event_type: 'TRANSACTION.SUCCESS',
    summary: 'ok',
    resource: {
      algorithm: 'AEAD_AES_256_GCM',
      associated_data: 'transaction',
      nonce,
      ciphertext: sealed.toString('base64'),
      original_type: 'transaction',
    },
  });
  const notificationHeaders = () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    return {
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': 'n',
      'wechatpay-serial': PLATFORM_KEY_ID,
      'wechatpay-signature': sign(
        'sha256',
        Buffer.from(`${timestamp}\nn\n${notificationBody}\n`),
        platform.privateKey,
      ).toString('base64'),
    };
  };
  const signedHeaders = notificationHeaders();
  const notifySdk = () => wxpay.parseNotification({ headers: signedHeaders, body: notificationBody });
  const notifyFloor = async () => {
    verify(
      'sha256',
      Buffer.from(`${signedHeaders['wechatpay-timestamp']}\nn\n${notificationBody}\n`),
      platformKey,
      Buffer.from(signedHeaders['wechatpay-signature'], 'base64'),
    );
    const envelope = JSON.parse(notificationBody) as { resource: { ciphertext: string; nonce: string } };
    const bytes = Buffer.from(envelope.resource.ciphertext, 'base64');
    const opened = createDecipheriv('aes-256-gcm', APIV3_KEY, envelope.resource.nonce);
    opened.setAAD(Buffer.from('transaction'));
    opened.setAuthTag(bytes.subarray(bytes.length - 16));
    JSON.parse(Buffer.concat([opened.update(bytes.subarray(0, bytes.length - 16)), opened.final()]).toString('utf8'));
  };

  const results: WorkloadResult[] = [];
  const run = async (
    workload: string,
    concurrency: number,
    sdk: () => Promise<unknown>,
    floor: () => Promise<unknown>,
  ) => {
    const [a, b] = (await compare(
      [
        { name: 'sdk', op: sdk },
        { name: 'floor', op: floor },
      ],
      { concurrency, ...options },
    )) as [Measured, Measured];
    results.push({ workload, concurrency, sdk: a.rate, floor: b.rate });
    process.stderr.write(`  ${workload} c=${concurrency}: sdk ${a.rate.toFixed(0)}/s, floor ${b.rate.toFixed(0)}/s\n`);
  };
  try {
    for (const concurrency of [1, 16]) {
      await run('v2 sendredpack (mTLS)', concurrency, v2Sdk, v2Floor);
      await run('v3 global GET (sign + verify)', concurrency, v3Sdk, v3Floor);
    }
    await run('v3 notification parse', 1, notifySdk, notifyFloor);
  } finally {
    await wxpay.close();
    await floorAgent.close();
    server.stop();
  }
  return results;
}

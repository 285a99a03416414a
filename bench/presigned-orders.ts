// A lean load generator for APIv3 global create order: requests signed ahead of each measured round, handed straight to
// a keep-alive undici Agent's dispatcher (no body streams), each reply's status, `code_url` and WeChat Pay signature
// checked. Two
// RSA signatures per order (the merchant's and the sandbox's) are more CPU than the rest of an order; on a 2-core
// machine a client that signs while it sends takes half of what the sandbox could use, so this one signs before.
import { createPrivateKey, createPublicKey, randomBytes, sign, verify } from 'node:crypto';
import { Agent } from 'undici';
import { readSandboxConfig } from '../packages/sandbox/src/config-files.js';
import { BENCH_GLOBAL_APPID, BENCH_GLOBAL_MCHID } from './sandbox-peer.js';

const PATH = '/v3/global/transactions/native';

interface Signed {
  body: string;
  authorization: string;
}

export interface PresignedOrders {
  /** Signs `count` more orders (outside any measured time). */
  prepare(count: number): void;
  /** Sends the next signed order; throws when none is left or the reply is not a signed order. */
  op(): Promise<void>;
  /** Orders created so far. */
  done(): number;
  close(): Promise<void>;
}

export function presignedOrders(dataDir: string): PresignedOrders {
  const config = readSandboxConfig(dataDir, BENCH_GLOBAL_MCHID);
  const privateKey = createPrivateKey(config.privateKey);
  const platformKeys = new Map(Object.entries(config.certs).map(([serial, pem]) => [serial, createPublicKey(pem)]));
  const agent = new Agent({ connect: { ca: config.ca }, keepAliveTimeout: 60_000 });
  const origin = config.baseURL;
  const run = `P${Date.now().toString(36)}`;
  let queue: Signed[] = [];
  let taken = 0;
  let signed = 0;
  let created = 0;

  /** One request through the agent's dispatcher: no body stream, the reply collected as it comes. */
  const send = (signed: Signed) =>
    new Promise<{ status: number; headers: Record<string, string>; body: string }>((resolve, reject) => {
      let status = 0;
      let headers: Record<string, string> = {};
      const chunks: Buffer[] = [];
      agent.dispatch(
        {
          origin,
          path: PATH,
          method: 'POST',
          headers: {
            authorization: signed.authorization,
            'content-type': 'application/json',
            accept: 'application/json',
          },
          body: signed.body,
        },
        {
          // Present, so that undici takes this for a handler of its current interface.
          onRequestStart() {},
          onResponseStart(_controller, statusCode, responseHeaders) {
            status = statusCode;
            headers = responseHeaders as Record<string, string>;
          },
          onResponseData(_controller, chunk) {
            chunks.push(chunk);
          },
          onResponseEnd() {
            resolve({ status, headers, body: Buffer.concat(chunks).toString('utf8') });
          },
          onResponseError(_controller, error) {
            reject(error);
          },
        },
      );
    });

  const signOne = (): Signed => {
    const body = JSON.stringify({
      mchid: BENCH_GLOBAL_MCHID,
      appid: BENCH_GLOBAL_APPID,
      description: 'bench',
      out_trade_no: `${run}${++signed}`,
      // Never called: the orders are not paid.
      notify_url: 'https://127.0.0.1:9/notify',
      merchant_category_code: '4111',
      trade_type: 'NATIVE',
      amount: { total: 100, currency: 'HKD' },
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(16).toString('hex');
    const signature = sign('sha256', Buffer.from(`POST\n${PATH}\n${timestamp}\n${nonce}\n${body}\n`), privateKey);
    const authorization =
      `WECHATPAY2-SHA256-RSA2048 mchid="${BENCH_GLOBAL_MCHID}",nonce_str="${nonce}",timestamp="${timestamp}",` +
      `serial_no="${config.serial}",signature="${signature.toString('base64')}"`;
    return { body, authorization };
  };

  return {
    prepare: (count) => {
      queue = queue.slice(taken);
      taken = 0;
      for (let i = 0; i < count; i++) queue.push(signOne());
    },
    op: async () => {
      const next = queue[taken++];
      if (next === undefined) throw new Error('presigned orders ran out: prepare more before the round');
      const reply = await send(next);
      const text = reply.body;
      const header = (name: string) => reply.headers[name] ?? '';
      const key = platformKeys.get(header('wechatpay-serial'));
      const message = `${header('wechatpay-timestamp')}\n${header('wechatpay-nonce')}\n${text}\n`;
      const signature = Buffer.from(header('wechatpay-signature'), 'base64');
      if (reply.status !== 200 || key === undefined || !verify('sha256', Buffer.from(message), key, signature)) {
        throw new Error(`create order answered ${reply.status} ${text} without a valid signature`);
      }
      if ((JSON.parse(text) as { code_url?: string }).code_url === undefined) {
        throw new Error('create order answered without code_url');
      }
      created++;
    },
    done: () => created,
    close: () => agent.close(),
  };
}

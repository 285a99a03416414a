// Benchmark peer: a loopback HTTPS server (run in its own process) that answers every request with a canned reply, so
// that the SDK and the floor it is compared with meet exactly the same, nearly free, server.
import { sign } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

/** What the parent sends on stdin (one JSON line): TLS material and the key that signs APIv3 replies. */
export interface CannedServerSetup {
  serverCert: string;
  serverKey: string;
  caCert: string;
  platformPrivateKey: string;
  platformKeyId: string;
}

export const REDPACK_REPLY =
  '<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg>' +
  '<result_code><![CDATA[SUCCESS]]></result_code><mch_billno><![CDATA[100000982026113000000001]]></mch_billno>' +
  '<mch_id><![CDATA[10000098]]></mch_id><send_listid><![CDATA[1000041701201811253000000000001]]></send_listid></xml>';

export const ORDER_REPLY = JSON.stringify({
  mchid: '1900000109',
  appid: 'wx8888888888888888',
  out_trade_no: 'BENCH0001',
  id: '4200000000202611300000000001',
  trade_type: 'NATIVE',
  trade_state: 'SUCCESS',
  amount: { total: 100, currency: 'HKD', payer_total: 88, payer_currency: 'CNY' },
});

function start(setup: CannedServerSetup): void {
  // The reply to every v3 GET, re-signed each minute so its timestamp stays well inside the 300 s tolerance.
  let v3Headers: Record<string, string> = {};
  const signOrderReply = () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = 'benchnonce0123456789abcdef012345';
    const signature = sign('sha256', Buffer.from(`${timestamp}\n${nonce}\n${ORDER_REPLY}\n`), setup.platformPrivateKey);
    v3Headers = {
      'content-type': 'application/json',
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-serial': setup.platformKeyId,
      'wechatpay-signature': signature.toString('base64'),
      'request-id': 'bench',
    };
  };
  signOrderReply();
  setInterval(signOrderReply, 60_000).unref();

  const server = createServer(
    { cert: setup.serverCert, key: setup.serverKey, ca: setup.caCert, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      // Read (and drop) the body before answering, as a real server does.
      req.resume();
      req.on('end', () => {
        if (req.url?.startsWith('/v3/')) {
          res.writeHead(200, v3Headers);
          res.end(ORDER_REPLY);
        } else {
          res.writeHead(200, { 'content-type': 'text/xml' });
          res.end(REDPACK_REPLY);
        }
      });
    },
  );
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  });
  // The parent closing stdin (or exiting) ends this process.
  process.stdin.on('end', () => process.exit(0));
}

createInterface({ input: process.stdin }).once('line', (line) => start(JSON.parse(line) as CannedServerSetup));

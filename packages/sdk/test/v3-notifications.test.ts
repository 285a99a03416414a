// APIv3 notifications end to end through the public Wxpay client: signed, AES-256-GCM encrypted deliveries built with
// the test keys, received by wxpay.webNotificationHandler (a Web Request) and wxpay.nodeNotificationHandler (a real
// loopback node:http server), plus wxpay.parseNotification with isKnownNotification narrowing.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isKnownNotification,
  type Notification,
  type NotificationHandlerOptions,
  type NotifiedTransaction,
  type SignatureVerificationError,
  UnknownSerialError,
  Wxpay,
  WxpayDecryptError,
} from '../src/index.js';
import { createTestPki, type TestPki } from './support/test-pki.js';
import { createV3Keys, randomAlphanumeric, type V3Keys } from './support/v3-keys.js';
import { type NotificationDelivery, type NotificationSpec, notificationDelivery } from './support/v3-notification.js';
import { startV3Server, type V3Server } from './support/v3-server.js';

let keys: V3Keys;

type Delivery = NotificationDelivery;

interface DeliveryOptions {
  id?: string;
  eventType?: string;
  resource?: unknown;
  associatedData?: string;
  /** Default: the WeChat Pay public key pair (public-key mode). */
  signer?: NotificationSpec['signer'];
  /** Seconds added to the signed timestamp. */
  timestampOffset?: number;
  /** The APIv3 key the resource is sealed with; default the test key. */
  apiv3Key?: string;
}

function transaction(outTradeNo = '20240805100000000001'): NotifiedTransaction {
  return {
    mchid: keys.mchid,
    appid: 'wxdace645e0bc2cXXX',
    out_trade_no: outTradeNo,
    id: '4200000000202408050000000001',
    trade_type: 'JSAPI',
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    bank_type: 'OTHERS',
    success_time: '2024-08-05T17:33:41+08:00',
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    amount: { total: 100, payer_total: 89, currency: 'HKD', payer_currency: 'CNY' },
  };
}

/** A notification as it arrives: the JSON envelope with the sealed resource, and the Wechatpay-* signature headers. */
function delivery(options: DeliveryOptions = {}): Delivery {
  return notificationDelivery({
    id: options.id,
    createTime: '2024-08-05T17:33:42+08:00',
    eventType: options.eventType ?? 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource: options.resource ?? transaction(),
    originalType: 'transaction',
    associatedData: options.associatedData,
    apiv3Key: options.apiv3Key ?? keys.apiv3Key,
    signer: options.signer ?? { serial: keys.publicKey.id, privateKey: keys.publicKey.privateKey },
    timestampOffset: options.timestampOffset,
  });
}

/** The same delivery with one change after signing. */
function tampered(original: Delivery, change: 'body' | 'signature' | 'probe' | 'serial'): Delivery {
  switch (change) {
    case 'body':
      return { ...original, body: original.body.replace('支付成功', '支付失败') };
    case 'signature': {
      const other = delivery();
      return {
        ...original,
        headers: { ...original.headers, 'Wechatpay-Signature': other.headers['Wechatpay-Signature'] ?? '' },
      };
    }
    case 'probe':
      return {
        ...original,
        headers: {
          ...original.headers,
          'Wechatpay-Signature': 'WECHATPAY/SIGNTEST/NbOCJUJsh+OwbmNM1r3zbNfZtoEMHvoSWsv=',
        },
      };
    case 'serial':
      return {
        ...original,
        headers: { ...original.headers, 'Wechatpay-Serial': 'PUB_KEY_ID_0000000000000000000000000000999' },
      };
  }
}

/** A client that verifies with the public key (public-key mode) and opens resources with the APIv3 key. */
function notifyClient(): Wxpay {
  return new Wxpay({ apiv3Key: keys.apiv3Key, certs: { [keys.publicKey.id]: keys.publicKey.publicKeyPem } });
}

/** Records what the application handler was given. */
function recordingHandler(): { calls: Notification[]; handle: (notification: Notification) => void } {
  const calls: Notification[] = [];
  return { calls, handle: (notification) => void calls.push(notification) };
}

function webRequest(input: Delivery): Request {
  return new Request('https://merchant.example.com/wxpay/notify', {
    method: 'POST',
    headers: input.headers,
    body: input.body,
  });
}

beforeAll(async () => {
  keys = await createV3Keys();
});

describe('wxpay.webNotificationHandler', () => {
  it('verifies, decrypts and hands the resource to the handler, then answers 200 SUCCESS', async () => {
    const { calls, handle } = recordingHandler();
    const endpoint = notifyClient().webNotificationHandler(handle);
    const input = delivery({ id: 'EV-web-0001' });
    const response = await endpoint(webRequest(input));

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ code: 'SUCCESS' });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toEqual({
      id: 'EV-web-0001',
      create_time: '2024-08-05T17:33:42+08:00',
      event_type: 'TRANSACTION.SUCCESS',
      resource_type: 'encrypt-resource',
      summary: '支付成功',
      resource: transaction(),
    });
  });

  it('handles a duplicate delivery once and acknowledges both', async () => {
    const { calls, handle } = recordingHandler();
    const endpoint = notifyClient().webNotificationHandler(handle);
    const input = delivery({ id: 'EV-web-dup' });
    const first = await endpoint(webRequest(input));
    // WeChat Pay re-sends with a new signature nonce and timestamp, but the same id.
    const resent = delivery({ id: 'EV-web-dup' });
    const second = await endpoint(webRequest(resent));
    const [third, fourth] = await Promise.all([endpoint(webRequest(input)), endpoint(webRequest(resent))]);
    for (const response of [first, second, third, fourth]) expect(response.status).toBe(200);
    expect(calls).toHaveLength(1);
  });

  it('answers 401 to a tampered, forged, probing or unknown-key notification and never calls the handler', async () => {
    const { calls, handle } = recordingHandler();
    const errors: unknown[] = [];
    const options: NotificationHandlerOptions = { onError: (error) => void errors.push(error) };
    const endpoint = notifyClient().webNotificationHandler(handle, options);
    const original = delivery();
    for (const change of ['body', 'signature', 'probe', 'serial'] as const) {
      const response = await endpoint(webRequest(tampered(original, change)));
      expect(response.status).toBe(401);
      const reply: unknown = await response.json();
      expect(reply).toEqual({ code: 'FAIL', message: 'signature verification failed' });
    }
    expect(calls).toHaveLength(0);
    expect(errors.map((error) => (error as SignatureVerificationError).reason)).toEqual([
      'signature mismatch',
      'signature mismatch',
      'probe signature',
      'unknown serial',
    ]);
    // The untouched original still goes through.
    expect((await endpoint(webRequest(original))).status).toBe(200);
    expect(calls).toHaveLength(1);
  });

  it('answers 401 to an expired notification', async () => {
    const { calls, handle } = recordingHandler();
    const response = await notifyClient().webNotificationHandler(handle)(
      webRequest(delivery({ timestampOffset: -400 })),
    );
    expect(response.status).toBe(401);
    expect(calls).toHaveLength(0);
  });

  it('answers 500 when the resource was sealed with another APIv3 key, so WeChat Pay re-sends', async () => {
    const { calls, handle } = recordingHandler();
    const errors: unknown[] = [];
    const endpoint = notifyClient().webNotificationHandler(handle, { onError: (error) => void errors.push(error) });
    const response = await endpoint(webRequest(delivery({ apiv3Key: randomAlphanumeric(32) })));
    expect(response.status).toBe(500);
    expect(calls).toHaveLength(0);
    expect(errors[0]).toBeInstanceOf(WxpayDecryptError);
  });
});

describe('wxpay.nodeNotificationHandler (real node:http server)', () => {
  let server: Server;
  let url: string;
  /** The endpoint under test; swapped per test behind the one server. */
  let current: ReturnType<Wxpay['nodeNotificationHandler']>;

  beforeAll(async () => {
    server = createServer((req, res) => {
      current(req, res).catch((error: unknown) => {
        res.statusCode = 599;
        res.end(String(error));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wxpay/notify`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  });

  const post = (input: Delivery) => fetch(url, { method: 'POST', headers: input.headers, body: input.body });

  it('reads the raw body, verifies and decrypts, and handles a duplicate delivery once', async () => {
    const { calls, handle } = recordingHandler();
    current = notifyClient().nodeNotificationHandler(handle);
    const input = delivery({ id: 'EV-node-0001' });

    const first = await post(input);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ code: 'SUCCESS' });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.id).toBe('EV-node-0001');
    expect(calls[0]?.resource).toEqual(transaction());

    const again = await post(delivery({ id: 'EV-node-0001' }));
    expect(again.status).toBe(200);
    await again.arrayBuffer();
    expect(calls).toHaveLength(1);
  });

  it('answers 401 to a tampered notification without calling the handler', async () => {
    const { calls, handle } = recordingHandler();
    current = notifyClient().nodeNotificationHandler(handle);
    const response = await post(tampered(delivery(), 'body'));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ code: 'FAIL', message: 'signature verification failed' });
    expect(calls).toHaveLength(0);
  });

  it('answers 500 when the handler fails, and runs it again on the redelivery', async () => {
    let attempts = 0;
    const handled: string[] = [];
    current = notifyClient().nodeNotificationHandler((notification) => {
      attempts++;
      if (attempts === 1) throw new Error('database down');
      handled.push(notification.id);
    });
    const input = delivery({ id: 'EV-node-retry' });
    const failed = await post(input);
    expect(failed.status).toBe(500);
    await failed.arrayBuffer();
    const retried = await post(input);
    expect(retried.status).toBe(200);
    await retried.arrayBuffer();
    expect(handled).toEqual(['EV-node-retry']);
  });
});

describe('wxpay.parseNotification', () => {
  it('narrows a TRANSACTION.SUCCESS notification with isKnownNotification', async () => {
    const input = delivery({ resource: transaction('ORDER-narrow-1') });
    const notification = await notifyClient().parseNotification({ headers: input.headers, body: input.body });
    expect(isKnownNotification(notification)).toBe(true);
    if (!isKnownNotification(notification)) throw new Error('unreachable');
    switch (notification.event_type) {
      case 'TRANSACTION.SUCCESS': {
        // Typed: out_trade_no is a string, trade_state exists, without casts.
        const outTradeNo: string = notification.resource.out_trade_no;
        expect(outTradeNo).toBe('ORDER-narrow-1');
        expect(notification.resource.trade_state).toBe('SUCCESS');
        expect(notification.resource.amount?.payer_currency).toBe('CNY');
        break;
      }
      default:
        throw new Error(`unexpected ${notification.event_type}`);
    }
  });

  it('narrows a refund notification and leaves unknown event types generic', async () => {
    const refund = {
      mchid: keys.mchid,
      out_trade_no: '20240805100000000001',
      out_refund_no: 'R20240805000001',
      id: '50000000382019052709732678859',
      status: 'SUCCESS',
      amount: { refund: 100, total: 100, currency: 'HKD' },
    };
    const wxpay = notifyClient();
    const refundInput = delivery({ eventType: 'REFUND.SUCCESS', resource: refund, associatedData: 'refund' });
    const refundNotification = await wxpay.parseNotification(refundInput);
    if (!isKnownNotification(refundNotification)) throw new Error('REFUND.SUCCESS should be known');
    if (refundNotification.event_type !== 'REFUND.SUCCESS') throw new Error('wrong event type');
    const outRefundNo: string = refundNotification.resource.out_refund_no;
    expect(outRefundNo).toBe('R20240805000001');

    // The batch transfer API's event: not catalogued.
    const other = delivery({
      eventType: 'MCHTRANSFER.BATCH.FINISHED',
      resource: { out_batch_no: 'B1', batch_status: 'FINISHED' },
    });
    const generic = await wxpay.parseNotification(other);
    expect(isKnownNotification(generic)).toBe(false);
    expect(generic.event_type).toBe('MCHTRANSFER.BATCH.FINISHED');
    expect(generic.resource).toEqual({ out_batch_no: 'B1', batch_status: 'FINISHED' });
  });

  it('accepts a fetch Headers object and bytes, and verifies platform-certificate signatures too (migration)', async () => {
    const wxpay = new Wxpay({
      apiv3Key: keys.apiv3Key,
      certs: {
        [keys.publicKey.id]: keys.publicKey.publicKeyPem,
        [keys.platformNew.serial]: keys.platformNew.pem,
      },
    });
    const input = delivery({ signer: keys.platformNew });
    const notification = await wxpay.parseNotification({
      headers: new Headers(input.headers),
      body: Buffer.from(input.body, 'utf8'),
    });
    expect(notification.resource).toEqual(transaction());
  });

  it('rejects a notification from an unknown key with UnknownSerialError', async () => {
    const input = delivery({ signer: keys.platformOld });
    await expect(notifyClient().parseNotification(input)).rejects.toBeInstanceOf(UnknownSerialError);
  });
});

describe('notification from a rotated-in platform certificate (loopback APIv3 server)', () => {
  let pki: TestPki;
  let apiServer: V3Server;

  beforeAll(async () => {
    pki = await createTestPki();
    // The default handler serves both platform certificates on /v3/certificates and /v3/global/certificates.
    apiServer = await startV3Server({ pki, keys });
  });

  afterAll(async () => {
    await apiServer.close();
  });

  it('refreshes the global certificates once and then handles the notification', async () => {
    apiServer.requests.length = 0;
    const wxpay = new Wxpay({
      mchid: keys.mchid,
      serial: keys.merchant.serial,
      privateKey: keys.merchant.privateKeyPem,
      apiv3Key: keys.apiv3Key,
      certs: { [keys.platformOld.serial]: keys.platformOld.pem },
      region: 'hk',
      baseURL: apiServer.url,
      ca: pki.caCert,
    });
    try {
      const { calls, handle } = recordingHandler();
      const endpoint = wxpay.webNotificationHandler(handle);
      const response = await endpoint(webRequest(delivery({ id: 'EV-rotated', signer: keys.platformNew })));
      expect(response.status).toBe(200);
      expect(calls.map((notification) => notification.id)).toEqual(['EV-rotated']);
      expect(apiServer.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
        'GET /v3/global/certificates',
      ]);
      expect(apiServer.requests[0]?.authOk).toBe(true);
      // The next notification from the same certificate needs no download.
      expect((await endpoint(webRequest(delivery({ signer: keys.platformNew })))).status).toBe(200);
      expect(apiServer.requests).toHaveLength(1);
    } finally {
      await wxpay.close();
    }
  });
});

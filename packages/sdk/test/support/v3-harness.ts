// Test helper: one loopback APIv3 server per test file (a fresh test PKI and key set), its request log cleared before
// each test, and Wxpay clients of it that are closed after the test that made them.
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { Wxpay, type WxpayOptions } from '../../src/index.js';
import { createTestPki, type TestPki } from './test-pki.js';
import { createV3Keys, type V3Keys } from './v3-keys.js';
import { startV3Server, type V3Server, type V3ServerOptions } from './v3-server.js';

export interface V3Harness {
  readonly pki: TestPki;
  readonly keys: V3Keys;
  readonly server: V3Server;
  /** The test merchant's signing identity: `mchid`, `serial` and `privateKey`. */
  merchant(): Pick<WxpayOptions, 'mchid' | 'serial' | 'privateKey'>;
  /** A client signing as the test merchant, sent to the server and trusting the test CA; closed after the test. */
  client(overrides?: Partial<WxpayOptions>): Wxpay;
  /** Closes `wxpay` after the test; returns it. */
  track(wxpay: Wxpay): Wxpay;
}

/** Registers the hooks of a file's server; its parts are readable from `beforeAll` on. */
export function useV3Server(options: Omit<V3ServerOptions, 'pki' | 'keys'> = {}): V3Harness {
  let started: { pki: TestPki; keys: V3Keys; server: V3Server } | undefined;
  let clients: Wxpay[] = [];
  const get = () => {
    if (started === undefined)
      throw new Error('the APIv3 test server is not started yet (read it inside a hook or test)');
    return started;
  };

  beforeAll(async () => {
    const [pki, keys] = await Promise.all([createTestPki(), createV3Keys()]);
    started = { pki, keys, server: await startV3Server({ ...options, pki, keys }) };
  });
  afterAll(async () => {
    await started?.server.close();
  });
  beforeEach(() => {
    get().server.requests.length = 0;
  });
  afterEach(async () => {
    await Promise.all(clients.map((wxpay) => wxpay.close()));
    clients = [];
  });

  const harness: V3Harness = {
    get pki() {
      return get().pki;
    },
    get keys() {
      return get().keys;
    },
    get server() {
      return get().server;
    },
    merchant() {
      const { keys } = get();
      return { mchid: keys.mchid, serial: keys.merchant.serial, privateKey: keys.merchant.privateKeyPem };
    },
    client(overrides = {}) {
      const { pki, server } = get();
      return harness.track(new Wxpay({ ...harness.merchant(), baseURL: server.url, ca: pki.caCert, ...overrides }));
    },
    track(wxpay) {
      clients.push(wxpay);
      return wxpay;
    },
  };
  return harness;
}

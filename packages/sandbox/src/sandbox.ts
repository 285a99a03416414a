// startSandbox(): the whole local WeChat Pay in one call — store, clock, PKI, merchants, HTTPS server, notifier, admin.
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { SandboxAdmin } from './admin.js';
import { loadOrCreatePki, seedDefaults } from './bootstrap.js';
import { SandboxClock } from './clock.js';
import { writeConfigFiles } from './config-files.js';
import type { SandboxContext } from './context.js';
import { registerDueWork } from './due-work.js';
import { Faults } from './faults.js';
import { merchantClientConfig, type SandboxMerchantConfig } from './merchants.js';
import { Notifier } from './notifier.js';
import { createSandboxServer } from './server.js';
import { openStore } from './store.js';
import { adminToken } from './ui/browser-guard.js';
import { Dashboard } from './ui/dashboard.js';
import { handleV2 } from './v2/router.js';
import { handleV3 } from './v3/router.js';

export interface SandboxOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Where state, keys and `sandbox.json` live (default `.wxpay-sandbox/` in the working directory); `':memory:'` keeps nothing. */
  dataDir?: string;
  /**
   * How often, in real milliseconds, the sandbox applies what has fallen due as time passed without requests:
   * notifications are delivered (and retried), red packets expire, refunds complete (default 250).
   */
  notifyIntervalMs?: number;
}

export interface Sandbox {
  /** `https://127.0.0.1:PORT` */
  readonly url: string;
  readonly dataDir: string;
  /** `sandbox.json` (undefined for `':memory:'`). */
  readonly configPath: string | undefined;
  /** The sandbox CA (trust it for the sandbox's HTTPS) and the server certificate, e.g. for a local notification receiver. */
  readonly tls: { ca: string; cert: string; key: string };
  /**
   * Lets a browser page of another origin change the sandbox (`X-Wxpay-Sandbox-Token`); also in `sandbox.json`.
   * Programs that send no `Origin` header need none.
   */
  readonly adminToken: string;
  /** Ready `Wxpay` options for a merchant (default 10000098). */
  merchantConfig(mchid?: string): SandboxMerchantConfig;
  readonly admin: SandboxAdmin;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const inMemory = options.dataDir === ':memory:';
  const dataDir = inMemory ? ':memory:' : resolve(options.dataDir ?? '.wxpay-sandbox');
  const store = openStore(dataDir);
  try {
    const clock = new SandboxClock(store);
    const { ca, server: serverCert } = await loadOrCreatePki(store, clock.now());
    const notifier = new Notifier({ store, clock, ca });
    const ctx: SandboxContext = { store, clock, faults: new Faults(), ca, notify: notifier.enqueue };
    registerDueWork(ctx, () => notifier.tick());
    await seedDefaults(ctx);
    let url = '';
    let configPath: string | undefined;
    const token = adminToken(store);
    const writeConfig = () => {
      if (!inMemory) configPath = writeConfigFiles(dataDir, url, ca.certPem, store.merchants.list(), token);
    };
    const admin = new SandboxAdmin(ctx, notifier, {
      endpoint: () => ({ url, caPem: ca.certPem }),
      merchantsChanged: writeConfig,
    });
    const dashboard = new Dashboard({
      admin,
      store,
      faults: ctx.faults,
      // The names the server certificate holds: the only ones a browser reaches the sandbox by.
      ownOrigins: () => [url, url.replace('127.0.0.1', 'localhost')],
      token,
    });
    const server = createSandboxServer({
      ctx,
      tls: serverCert,
      handleV2,
      handleV3,
      handleAdmin: dashboard.handle,
      stream: dashboard.stream,
    });
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
    });
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    writeConfig();
    clock.due.start(options.notifyIntervalMs ?? 250);
    return {
      url,
      dataDir,
      get configPath() {
        return configPath;
      },
      tls: { ca: ca.certPem, cert: serverCert.certPem, key: serverCert.keyPem },
      adminToken: token,
      admin,
      merchantConfig(mchid = '10000098') {
        const row = store.merchants.get({ mchid });
        if (!row) throw new Error(`no sandbox merchant ${mchid}`);
        return merchantClientConfig(row, url, ca.certPem);
      },
      async close() {
        // Not awaited, as before: a delivery in flight may wait seconds on a slow receiver; it fails harmlessly once the
        // store is closed.
        void clock.due.stop();
        dashboard.close();
        server.closeAllConnections();
        await new Promise<void>((done) => server.close(() => done()));
        store.close();
      },
    };
  } catch (error) {
    store.close();
    throw error;
  }
}

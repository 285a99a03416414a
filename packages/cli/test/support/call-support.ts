// Test-only: running `wxpay <path>` with an environment of the test's own (no developer config leaks in), the sandbox's
// merchants as config files, and tiny HTTPS servers that answer as a broken or hostile WeChat Pay would.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Sandbox } from '@wxpay/sandbox';
import { wxpay } from './wxpay-bin.js';

/** The global (APIv3) sandbox merchant. */
export const GLOBAL_MCHID = '1900000109';

/**
 * The environment of a run: the test's own variables only. Every WXPAY_*, colour and XDG variable of the developer's
 * shell is removed (a profile in their ~/.config must not decide a test), and the profiles live under `home`.
 */
export function callEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of Object.keys(process.env)) {
    if (/^(WXPAY_|NO_COLOR$|FORCE_COLOR$|XDG_)/.test(name)) env[name] = undefined;
  }
  return { ...env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), ...extra };
}

/** Runs `wxpay ...args` in `cwd` with exactly the test's environment. */
export function call(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv) {
  return wxpay(args, { cwd, env });
}

/** Writes the profiles file under `home` (XDG_CONFIG_HOME of callEnv). */
export function writeProfiles(home: string, profiles: Record<string, unknown>): string {
  const dir = join(home, '.config', 'wxpay');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(profiles, null, 2));
  return file;
}

/** Every secret value of a sandbox merchant's config: none may ever appear in what the command writes. */
export function secretsOf(sandbox: Sandbox, mchid: string): string[] {
  const config = sandbox.merchantConfig(mchid);
  return [config.secret, config.apiv3Key, config.privateKey, config.merchant.key, config.workwxSecret].filter(
    (value): value is string => typeof value === 'string',
  );
}

/** The base64 body of a PEM key: what would show if a key leaked in any form. */
export function pemBody(pem: string): string {
  return pem
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('-----'))
    .slice(0, 2)
    .join('');
}

export interface TinyServer {
  url: string;
  /** Requests received so far (method and path). */
  requests: string[];
  close(): Promise<void>;
}

/** An HTTPS server on 127.0.0.1 with the sandbox's certificate (which a sandbox config trusts), answering `handle`. */
export async function tinyServer(
  sandbox: Sandbox,
  handle: (request: IncomingMessage, body: string, response: ServerResponse) => void,
): Promise<TinyServer> {
  const requests: string[] = [];
  const server: Server = createServer({ cert: sandbox.tls.cert, key: sandbox.tls.key }, (request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      requests.push(`${request.method} ${request.url}`);
      handle(request, body, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

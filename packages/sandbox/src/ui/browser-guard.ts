// Keeps other web sites from driving the sandbox through a user's browser (cross-site request forgery): a request
// that changes state and looks like a browser's (it carries `Origin` or `Sec-Fetch-Site`) must come from the
// sandbox's own origin or carry the admin token. Programs (the SDK, curl, the CLI, tests) send neither header and
// pass as before; a browser sends `Origin` on every POST, so a foreign page cannot pass without the token.
import { randomBytes } from 'node:crypto';
import type { SandboxCall, SandboxReply } from '../context.js';
import type { KvStore } from '../store.js';
import { equalsInConstantTime } from '../wire/constant-time.js';

/** The header that carries the admin token (`sandbox.json` -> `adminToken`). */
export const ADMIN_TOKEN_HEADER = 'x-wxpay-sandbox-token';

const tokenKey = 'admin.token';

/** The data directory's admin token, drawn on first use and kept in the store. */
export function adminToken(store: KvStore): string {
  const known = store.getKv(tokenKey);
  if (known !== undefined) return known;
  const token = randomBytes(24).toString('base64url');
  store.setKv(tokenKey, token);
  return token;
}

/** Methods that only read: everything else changes state. */
const readOnly = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Undefined when the call may proceed, else the 403 reply. `ownOrigins` are the sandbox's own origins
 * (`https://127.0.0.1:PORT`, `https://localhost:PORT`).
 */
export function refuseForeignBrowser(
  call: SandboxCall,
  ownOrigins: () => readonly string[],
  token: string,
): SandboxReply | undefined {
  if (readOnly.has(call.method)) return undefined;
  const presented = call.headers[ADMIN_TOKEN_HEADER];
  if (presented !== undefined) {
    // A wrong token is refused even from the sandbox's own page: it is a mistake worth seeing.
    return equalsInConstantTime(presented, token) ? undefined : forbidden('the admin token is wrong');
  }
  const origin = call.headers.origin;
  const site = call.headers['sec-fetch-site'];
  if (origin === undefined && site === undefined) return undefined;
  const ownOrigin = origin === undefined || ownOrigins().includes(origin);
  // `none`: the user's own action (typed address, bookmark), never a page's.
  const ownSite = site === undefined || site === 'same-origin' || site === 'none';
  if (ownOrigin && ownSite) return undefined;
  return forbidden(
    `a browser request from ${origin ?? `a ${site ?? 'foreign'} page`} may not change the sandbox: ` +
      `use the sandbox's own pages, or send the admin token from sandbox.json in ${ADMIN_TOKEN_HEADER}`,
  );
}

function forbidden(message: string): SandboxReply {
  return {
    status: 403,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ code: 'FORBIDDEN', message }),
  };
}

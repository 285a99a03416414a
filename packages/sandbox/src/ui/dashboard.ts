// The dashboard over HTTP: `/` sends the browser to `/_sandbox/ui/`, which serves the pages (the views and the payer's
// phone), the QR code of a Native order, and the live change stream; every state-changing control request passes the
// browser guard first, and the control API's replies are passed through (a successful change also tells the pages).
import type { IncomingMessage, ServerResponse } from 'node:http';
import QRCode from 'qrcode';
import type { SandboxAdmin } from '../admin.js';
import { handleAdminHttp } from '../admin-http.js';
import type { SandboxCall, SandboxReply } from '../context.js';
import type { Faults } from '../faults.js';
import type { Store } from '../store.js';
import { refuseForeignBrowser } from './browser-guard.js';
import { ChangeFeed } from './change-feed.js';
import { loadStaticFiles, type StaticFile } from './static-files.js';

export const UI_PATH = '/_sandbox/ui/';
const eventsPath = '/_sandbox/events';
/** Longer text makes a QR code too dense to scan; a code_url is far shorter. */
const maxQrText = 1024;

/**
 * Pages may load only the sandbox's own files and talk only to the sandbox (no other host, ever), and may not be
 * framed by another site (which could trick a click on "Pay").
 */
const pageHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export interface DashboardOptions {
  admin: SandboxAdmin;
  store: Store;
  /** Their settings live in memory: the change feed watches them beside the store. */
  faults: Faults;
  /** The sandbox's own origins, once it listens. */
  ownOrigins: () => readonly string[];
  /** The admin token (`sandbox.json` -> `adminToken`). */
  token: string;
}

export class Dashboard {
  readonly #options: DashboardOptions;
  readonly #feed: ChangeFeed;
  /** Read on the first page asked for: a sandbox nobody looks at never reads them. */
  #files: ReadonlyMap<string, StaticFile> | undefined;

  constructor(options: DashboardOptions) {
    this.#options = options;
    this.#feed = new ChangeFeed(options.store, options.faults);
  }

  /** Everything under `/_sandbox/` (and `/`) but the event stream. */
  readonly handle = async (call: SandboxCall): Promise<SandboxReply> => {
    const refused = refuseForeignBrowser(call, this.#options.ownOrigins, this.#options.token);
    if (refused !== undefined) return refused;
    const url = new URL(call.pathAndQuery, 'https://sandbox.invalid');
    const path = url.pathname;
    if (path === '/' || path === '/_sandbox/ui') return redirect(UI_PATH);
    if (path.startsWith(UI_PATH)) return this.#page(call.method, path.slice(UI_PATH.length), url.searchParams);
    return handleAdminHttp(this.#options.admin, call);
  };

  /** Takes over the response when the request is for the event stream; false for any other request. */
  readonly stream = (req: IncomingMessage, res: ServerResponse): boolean => {
    // Asked of every request: the cheap tests first (API calls are POSTs).
    if (req.method !== 'GET' || req.url === undefined) return false;
    if (req.url !== eventsPath && !req.url.startsWith(`${eventsPath}?`)) return false;
    this.#feed.listen(req, res);
    return true;
  };

  close(): void {
    this.#feed.close();
  }

  async #page(method: string, name: string, query: URLSearchParams): Promise<SandboxReply> {
    if (method !== 'GET' && method !== 'HEAD') return text(405, 'the dashboard pages are read with GET');
    if (name === 'qr.svg') {
      const data = query.get('data') ?? '';
      if (data === '' || data.length > maxQrText) return text(400, `data must be 1 to ${maxQrText} characters`);
      const svg = await QRCode.toString(data, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
      return { status: 200, headers: { ...pageHeaders, 'content-type': 'image/svg+xml' }, body: svg };
    }
    this.#files ??= loadStaticFiles();
    const file = this.#files.get(name === '' ? 'index.html' : name === 'pay' ? 'pay.html' : name);
    if (file === undefined) return text(404, `no dashboard file ${name}`);
    return { status: 200, headers: { ...pageHeaders, 'content-type': file.contentType }, body: file.body };
  }
}

function redirect(location: string): SandboxReply {
  return { status: 302, headers: { location, 'content-type': 'text/plain; charset=utf-8' }, body: `see ${location}` };
}

function text(status: number, message: string): SandboxReply {
  return { status, headers: { ...pageHeaders, 'content-type': 'text/plain; charset=utf-8' }, body: message };
}

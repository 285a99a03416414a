// The control API over HTTP under `/_sandbox/`, on the sandbox's own port (JSON in, JSON out).
import type { SandboxAdmin } from './admin.js';
import type { SandboxCall, SandboxReply } from './context.js';

type Route = (admin: SandboxAdmin, body: Record<string, unknown>, query: URLSearchParams) => unknown;

const routes: Record<string, Route> = {
  'GET /_sandbox/redpacks': (admin, _, query) =>
    admin.redpacks({ mchid: query.get('mchid') ?? undefined, status: query.get('status') ?? undefined } as never),
  'POST /_sandbox/redpacks/open': (admin, body) => admin.openRedpack(body as never),
  'GET /_sandbox/orders': (admin, _, query) => admin.orders({ mchid: query.get('mchid') ?? undefined } as never),
  'POST /_sandbox/orders/pay': (admin, body) => admin.payOrder(body as never),
  'GET /_sandbox/clock': (admin) => admin.clock(),
  'POST /_sandbox/clock/advance': (admin, body) =>
    admin.advanceClock(Number(body.ms ?? 0) + Number(body.seconds ?? 0) * 1000),
  'POST /_sandbox/merchants': (admin, body) => admin.createMerchant(body as never),
  'POST /_sandbox/merchants/topup': (admin, body) => admin.topUp(String(body.mchid), Number(body.amount)),
  'GET /_sandbox/coupon-stocks': (admin) => admin.couponStocks(),
  'POST /_sandbox/coupon-stocks': (admin, body) => admin.createCouponStock(body as never),
  'GET /_sandbox/faults': (admin) => admin.faults(),
  'POST /_sandbox/faults': (admin, body) => admin.setFaults(body),
  'GET /_sandbox/notifications': (admin, _, query) =>
    admin.notifications({ mchid: query.get('mchid') ?? undefined } as never),
};

export async function handleAdminHttp(admin: SandboxAdmin, call: SandboxCall): Promise<SandboxReply> {
  const url = new URL(call.pathAndQuery, 'https://sandbox.invalid');
  const route = routes[`${call.method} ${url.pathname}`];
  if (!route) return json(404, { code: 'NOT_FOUND', message: `no admin route ${call.method} ${url.pathname}` });
  let body: Record<string, unknown> = {};
  if (call.rawBody.length > 0) {
    try {
      const parsed: unknown = JSON.parse(call.rawBody.toString('utf8'));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      return json(400, { code: 'PARAM_ERROR', message: 'the body must be a JSON object' });
    }
  }
  try {
    return json(200, (await route(admin, body, url.searchParams)) ?? { ok: true });
  } catch (error) {
    return json(400, { code: 'INVALID_REQUEST', message: error instanceof Error ? error.message : String(error) });
  }
}

function json(status: number, value: unknown): SandboxReply {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(value) };
}

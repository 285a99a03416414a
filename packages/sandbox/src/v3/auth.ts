// Who is calling and on whose behalf: the APIv3 Authorization check, and the merchant mode (common or institutional)
// that the ids in a body or query name, checked against the caller.
import type { SandboxCall, SandboxContext } from '../context.js';
import type { JsonValue, MerchantRow } from '../store.js';
import { publicKeyOf } from '../wire/keys.js';
import { requestSignMessage, verifyRequestSignature } from '../wire/v3-request-signature.js';
import { type ParamLocation, paramError, V3Error } from './reply.js';

const scheme = 'WECHATPAY2-SHA256-RSA2048';
/** A request signed this far from sandbox time is refused (the same window replies are verified with). */
const maxSkewSeconds = 300;
const authorizationFields = ['mchid', 'nonce_str', 'timestamp', 'serial_no', 'signature'] as const;
type AuthorizationFields = Record<(typeof authorizationFields)[number], string>;

export type AuthResult =
  | { ok: true; merchant: MerchantRow }
  /** `merchant` is set once the caller is known, so even the refusal can be signed for it. */
  | { ok: false; merchant: MerchantRow | undefined; error: V3Error };

/**
 * Checks `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="..",nonce_str="..",timestamp="..",serial_no="..",signature=".."`:
 * a known merchant, its API certificate's serial, a fresh timestamp, and SHA256withRSA over
 * `METHOD\npathAndQuery\ntimestamp\nnonce\nbody\n` with the path exactly as received.
 */
export function authenticate(ctx: SandboxContext, call: SandboxCall): AuthResult {
  const header = call.headers.authorization;
  const fields = header === undefined ? undefined : parseAuthorization(header);
  const refuse = (issue: string, merchant?: MerchantRow, message?: string): AuthResult => ({
    ok: false,
    merchant,
    error: signError(call, fields, issue, message),
  });
  if (header === undefined) return refuse('Authorization header is missing');
  if (fields === undefined) {
    return refuse(`Authorization is not "${scheme} mchid=\\"..\\",nonce_str=\\"..\\",...,signature=\\"..\\""`);
  }

  const merchant = ctx.store.merchants.get({ mchid: fields.mchid });
  if (merchant === undefined) return refuse(`merchant ${fields.mchid} does not exist`);
  if (fields.serial_no !== merchant.config.apiCert.serial) {
    return refuse(`serial_no ${fields.serial_no} is not the merchant API certificate of ${fields.mchid}`, merchant);
  }
  if (!/^[0-9]{1,12}$/.test(fields.timestamp)) return refuse('timestamp is not unix seconds', merchant);
  if (Math.abs(ctx.clock.wireSeconds() - Number(fields.timestamp)) >= maxSkewSeconds) {
    return refuse(`timestamp is ${maxSkewSeconds} s or more away from server time`, merchant, 'request expired');
  }
  const message = signMessage(call, fields);
  if (message === undefined) return refuse('method, path, timestamp or nonce holds a line break', merchant);
  if (!verifyRequestSignature(message, fields.signature, publicKeyOf(merchant.config.apiCert.certPem))) {
    return refuse('signature does not verify with the merchant API certificate', merchant);
  }
  return { ok: true, merchant };
}

/** The five fields, or undefined when the header is not exactly the scheme plus each field once, quoted. */
function parseAuthorization(header: string): AuthorizationFields | undefined {
  if (!header.startsWith(`${scheme} `)) return undefined;
  const found = new Map<string, string>();
  const pair = /^\s*([a-z_]+)="([^"]*)"\s*(?:,|$)/;
  let rest = header.slice(scheme.length + 1);
  while (rest.trim() !== '') {
    const match = pair.exec(rest);
    if (match === null) return undefined;
    const [whole, name = '', value = ''] = match;
    // A repeated field could mean one thing to the signature check and another to the merchant lookup.
    if (found.has(name)) return undefined;
    found.set(name, value);
    rest = rest.slice(whole.length);
  }
  const fields: Partial<AuthorizationFields> = {};
  for (const name of authorizationFields) {
    const value = found.get(name);
    if (value === undefined || value === '') return undefined;
    fields[name] = value;
  }
  return fields as AuthorizationFields;
}

/** The message the caller should have signed, over the body bytes as received; undefined when no message can be. */
function signMessage(call: SandboxCall, fields: AuthorizationFields): Buffer | undefined {
  return requestSignMessage({
    method: call.method,
    pathAndQuery: call.pathAndQuery,
    timestamp: fields.timestamp,
    nonce: fields.nonce_str,
    body: call.rawBody,
  });
}

/** 401 SIGN_ERROR in the global style: `detail.sign_information` says what was checked and what was wrong. */
function signError(
  call: SandboxCall,
  fields: AuthorizationFields | undefined,
  issue: string,
  message = 'signature verification failed',
): V3Error {
  const signed = (fields === undefined ? undefined : signMessage(call, fields))?.toString('utf8') ?? '';
  const information: { [key: string]: JsonValue } = { method: call.method, url: call.pathAndQuery, issue };
  if (fields !== undefined) {
    information.mchid = fields.mchid;
    information.timestamp = fields.timestamp;
    information.nonce_str = fields.nonce_str;
    information.serial_no = fields.serial_no;
    information.sign_message_length = signed.length;
    information.truncated_sign_message = signed.length > 256 ? `${signed.slice(0, 256)}...` : signed;
  }
  return new V3Error(401, 'SIGN_ERROR', `${message}: ${issue}`, { sign_information: information });
}

// ---- merchant modes ----

/** Whose order or refund a call is about: the caller itself, or (institutional) a sub-merchant of the calling institution. */
export type Mode =
  | { kind: 'common'; merchant: MerchantRow }
  | { kind: 'institutional'; institution: MerchantRow; merchant: MerchantRow };

/** Which app ids the ids object carries and must be bound to the merchants (orders and refunds: required). */
export type AppIdCheck = 'none' | 'present';

/**
 * Resolves the mode of a call whose ids (`mchid` | `sp_mchid` + `sub_mchid`, and their app ids) passed the shape rules
 * of v3/checks.ts. The named merchant must be the caller (common) or the caller must be the institution of `sub_mchid`.
 */
export function resolveMode(
  ctx: SandboxContext,
  caller: MerchantRow,
  ids: Readonly<Record<string, unknown>>,
  location: ParamLocation,
  appIds: AppIdCheck,
): Mode {
  const field = (name: string): string => (location === 'body' ? `/${name}` : name);
  const text = (name: string): string | undefined => {
    const value = Object.hasOwn(ids, name) ? ids[name] : undefined;
    return typeof value === 'string' ? value : undefined;
  };
  const spMchid = text('sp_mchid');
  if (spMchid === undefined) {
    const mchid = text('mchid') ?? '';
    if (mchid !== caller.mchid) {
      throw paramError(field('mchid'), location, 'must be the mchid of the Authorization header', mchid);
    }
    if (appIds === 'present') checkAppId(caller, text('appid'), field('appid'), location);
    return { kind: 'common', merchant: caller };
  }
  if (spMchid !== caller.mchid) {
    throw paramError(field('sp_mchid'), location, 'must be the mchid of the Authorization header', spMchid);
  }
  const subMchid = text('sub_mchid') ?? '';
  const merchant = ctx.store.merchants.get({ mchid: subMchid });
  if (merchant === undefined || !isSubMerchantOf(merchant, caller.mchid)) {
    throw new V3Error(403, 'NO_AUTH', `sub_mchid ${subMchid} is not a sub-merchant of ${caller.mchid}`);
  }
  if (appIds === 'present') {
    checkAppId(caller, text('sp_appid'), field('sp_appid'), location);
    const underProvider = merchant.config.serviceProviders?.[caller.mchid] ?? [];
    checkAppId(merchant, text('sub_appid'), field('sub_appid'), location, underProvider);
  }
  return { kind: 'institutional', institution: caller, merchant };
}

/** The institution (`parent_mchid`) or a mainland service provider (`config.serviceProviders`) may act for it. */
function isSubMerchantOf(merchant: MerchantRow, mchid: string): boolean {
  return merchant.parent_mchid === mchid || Object.hasOwn(merchant.config.serviceProviders ?? {}, mchid);
}

/** An app id, when sent, must be one bound to the merchant (or, for a sub_appid, to it under its provider). */
function checkAppId(
  merchant: MerchantRow,
  appid: string | undefined,
  field: string,
  location: ParamLocation,
  alsoBound: readonly string[] = [],
): void {
  if (appid === undefined || Object.values(merchant.config.appids).includes(appid) || alsoBound.includes(appid)) {
    return;
  }
  throw new V3Error(400, 'APPID_MCHID_NOT_MATCH', `appid ${appid} is not bound to merchant ${merchant.mchid}`, {
    field,
    value: appid,
    issue: 'appid is not bound to the merchant',
    location,
  });
}

/** The ids a reply carries for the mode: `{mchid}` or `{sp_mchid, sub_mchid}`. */
export function modeIds(record: {
  mchid: string;
  sp_mchid: string | null;
  sub_mchid: string | null;
}): Record<string, string> {
  return record.sp_mchid === null
    ? { mchid: record.mchid }
    : { sp_mchid: record.sp_mchid, sub_mchid: record.sub_mchid ?? record.mchid };
}

/** The store columns that pick a mode's records: an order made in one mode is not visible from the other. */
export function modeWhere(mode: Mode): { mchid: string; sp_mchid: string | null } {
  return { mchid: mode.merchant.mchid, sp_mchid: mode.kind === 'institutional' ? mode.institution.mchid : null };
}

/** The merchant whose APIv3 key and signing mode a notification uses: the institution in institutional mode. */
export function notifiedMchid(record: { mchid: string; sp_mchid: string | null }): string {
  return record.sp_mchid ?? record.mchid;
}

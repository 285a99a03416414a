// The contract between the APIv2 router and its handlers: what a handler gets, what it returns, the field readers and
// settings every handler shares, and how an outcome becomes the XML reply. (Ids, request hashes and balance moves are
// shared with APIv3: src/ids.ts, src/request-hash.ts, src/ledger.ts.)
import { formatChinaTime } from '../clock.js';
import type { SandboxContext, SandboxReply } from '../context.js';
import type { MerchantRow } from '../store.js';
import { createNonce } from '../wire/nonce.js';
import { signV2 } from '../wire/v2-sign.js';
import { xmlElement } from '../wire/xml-element.js';

/** An authenticated, rate-limited, field-checked request, as the router hands it to a handler. */
export interface V2Request {
  merchant: MerchantRow;
  /** Every field of the request, exactly as sent. */
  fields: Readonly<Record<string, string>>;
  /** Sandbox time, unix seconds. */
  now: number;
}

/** An endpoint's own logic, run once the router's checks passed. */
export type V2Handler = (ctx: SandboxContext, request: V2Request) => Outcome;

/** A reply field: text, a nested element (`hblist`), or a repeated element (`hbinfo`); undefined ones are left out. */
export type ReplyValue = string | undefined | ReplyFields | readonly ReplyFields[];
export interface ReplyFields {
  [name: string]: ReplyValue;
}

/** What a handler decided: its reply fields, and the error when `result_code` is FAIL. */
export interface Outcome {
  fields: ReplyFields;
  error?: { code: string; des: string };
}

export function succeed(fields: ReplyFields): Outcome {
  return { fields };
}

/** A business failure: `return_code` SUCCESS, `result_code` FAIL, the code and a human description. */
export function fail(code: string, des: string, fields: ReplyFields = {}): Outcome {
  return { fields, error: { code, des } };
}

// ---- Stamps shared by the handlers.

/** A field the router already checked is present; its absence here is a bug in the endpoint table. */
export function requiredField(fields: Readonly<Record<string, string>>, name: string): string {
  const value = fields[name];
  if (value === undefined) throw new Error(`${name} passed the field rules but is missing`);
  return value;
}

/** An optional field as a column value: absent and empty are both "not given" (the signature treats them alike). */
export function optionalField(fields: Readonly<Record<string, string>>, name: string): string | null {
  const value = fields[name];
  return value === undefined || value === '' ? null : value;
}

/** Unix seconds as `yyyy-MM-dd HH:mm:ss` China time; undefined (field left out) when there is no such moment. */
export function replyTime(seconds: number | null): string | undefined {
  return seconds === null ? undefined : formatChinaTime(seconds * 1000);
}

/** A non-negative integer knob from `merchant.config.settings`, or the default when unset or unusable. */
export function merchantSetting(merchant: MerchantRow, name: string, fallback: number): number {
  const value = merchant.config.settings?.[name];
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : fallback;
}

/** Limits a merchant may set on the merchant platform: each a settings knob and WeChat's default for it. */
export type LimitTable = Readonly<Record<string, { readonly setting: string; readonly fallback: number }>>;

/** Reads `merchant`'s value of each limit in `table` (its setting, or the default). */
export function limitsOf<T extends LimitTable>(merchant: MerchantRow, table: T): (which: keyof T) => number {
  return (which) => {
    const { setting, fallback } = table[which] as T[keyof T];
    return merchantSetting(merchant, setting, fallback);
  };
}

// ---- Replies.

/**
 * `return_code` FAIL: the request never reached the business layer (bad XML, certificate, signature, unknown
 * merchant). Never signed: WeChat signs only replies it processed, and an unknown merchant has no key to sign with.
 */
export function communicationFailure(code: string, message: string): SandboxReply {
  return xmlReply({
    return_code: 'FAIL',
    return_msg: message,
    result_code: 'FAIL',
    err_code: code,
    err_code_des: message,
  });
}

/**
 * `return_code` SUCCESS: the request was processed; `result_code` tells how it went. `echo` is what the endpoint
 * repeats from the request on every processed reply. Signed (MD5, with a fresh `nonce_str`) when `signKey` is given.
 */
export function businessReply(outcome: Outcome, echo: ReplyFields, signKey: string | undefined): SandboxReply {
  const { error } = outcome;
  const fields: ReplyFields = {
    return_code: 'SUCCESS',
    return_msg: error ? error.des : 'OK',
    result_code: error ? 'FAIL' : 'SUCCESS',
    err_code: error?.code,
    err_code_des: error?.des,
    ...echo,
    ...outcome.fields,
  };
  if (signKey !== undefined) {
    fields.nonce_str = createNonce();
    // signV2 covers the string fields; signed replies are flat, so that is all of them.
    fields.sign = signV2(flatStrings(fields), signKey, 'MD5');
  }
  return xmlReply(fields);
}

export function xmlReply(fields: ReplyFields): SandboxReply {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body: `<xml>${children(fields)}</xml>`,
  };
}

/** Plain-text HTTP errors (unknown path, wrong method), as a web server in front of the API would send them. */
export function textReply(status: number, text: string, headers: Record<string, string> = {}): SandboxReply {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: text };
}

function flatStrings(fields: ReplyFields): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name of Object.keys(fields)) {
    const value = fields[name];
    if (typeof value === 'string') flat[name] = value;
  }
  return flat;
}

function children(fields: ReplyFields): string {
  let xml = '';
  for (const name of Object.keys(fields)) xml += element(name, fields[name]);
  return xml;
}

function element(name: string, value: ReplyValue): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return xmlElement(name, value);
  const records = isList(value) ? value : [value];
  return records.map((record) => `<${name}>${children(record)}</${name}>`).join('');
}

function isList(value: ReplyFields | readonly ReplyFields[]): value is readonly ReplyFields[] {
  return Array.isArray(value);
}

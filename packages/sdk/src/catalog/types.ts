// Shapes of the endpoint catalogue: per-endpoint metadata and the runtime field rules checked before sending.
import type { ResultOutcome } from '../errors.js';

/** A rule for one request field. Every value is checked as the string that will be sent. */
export interface FieldSpec {
  /** Must be present and non-empty. */
  required?: boolean;
  /** Maximum length in characters. */
  maxLength?: number;
  /** Allowed characters / format, with a human name for the error's `rule`. */
  pattern?: { re: RegExp; name: string };
  /** Must be a non-negative integer (a JS number or a string of digits), optionally within bounds. */
  integer?: { min?: number; max?: number };
  /** Allowed values. */
  enum?: readonly string[];
  /** Must be a dotted-quad IPv4 address. */
  ipv4?: boolean;
}

/** A rule spanning several fields; returns the offending field and the rule it broke, or undefined when satisfied. */
export type CrossFieldRule = (fields: Readonly<Record<string, string>>) => { field: string; rule: string } | undefined;

export type V2SignType = 'MD5' | 'HMAC-SHA256';

/** Everything the pipeline needs to know about one APIv2 endpoint. */
export interface V2EndpointMeta {
  /** Chain path, e.g. `v2/mmpaymkttransfers/sendredpack`. */
  readonly path: string;
  /** The call must present the merchant client certificate (mutual TLS). */
  readonly cert: boolean;
  /** Signature algorithms the endpoint accepts for `sign` (first is the default). */
  readonly signTypes: readonly V2SignType[];
  /** Fields covered by `workwx_sign` (WeCom endpoints only), in any order. */
  readonly workwxFields?: readonly string[];
  /** The business number that makes a resend a re-entry rather than a second operation. */
  readonly idempotencyKey?: string;
  /** The field that carries the merchant id (filled from the client's `mchid` option when absent). */
  readonly merchantField?: string;
  readonly fields: Readonly<Record<string, FieldSpec>>;
  readonly crossRules?: readonly CrossFieldRule[];
  /** What each known `err_code` means; unknown codes are `unknown` (the operation may have happened). */
  readonly errors?: Readonly<Record<string, ResultOutcome>>;
}

export type HttpVerb = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The parts of a call an APIv3 runtime rule can see. */
export interface V3CallParts {
  /** Path parameter values by name. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly query: Readonly<Record<string, unknown>> | undefined;
  readonly json: unknown;
  /** The file of a multipart upload (`{ filename, data }`), as passed. */
  readonly upload?: unknown;
}

/** Everything the pipeline needs to know about one APIv3 endpoint and verb. */
export interface V3EndpointMeta {
  /** Chain path template, e.g. `v3/global/transactions/id/{id}`. */
  readonly path: string;
  readonly verb: HttpVerb;
  /** Which host family serves it (`global` -> apihk by default). */
  readonly host: 'mainland' | 'global';
  /** A JSON field that makes a byte-identical resend a re-entry (safe to retry), e.g. `out_trade_no`. */
  readonly idempotencyKey?: string;
  /** Replies that are not signed by design (file downloads); everything else must verify. */
  readonly unsignedReply?: boolean;
  /**
   * Top-level JSON fields that carry personal data (a payee's name): the caller passes plaintext, the SDK encrypts
   * each one present with RSA-OAEP under a WeChat Pay key it trusts and sends that key's id as `Wechatpay-Serial`.
   */
  readonly sensitiveFields?: readonly string[];
  /** `multipart`: the call takes `upload` and is sent as multipart/form-data, signed over its `meta` JSON. */
  readonly body?: 'json' | 'multipart';
  /** Runtime rules; throw ValidationError(field, rule) naming the field (a JSON pointer for body fields). */
  readonly validate?: (parts: V3CallParts) => void;
}

/** Metadata whose path and verb keep their literal types, so the registry can check them against its keys. */
export type CataloguedEndpoint<P extends string, V extends HttpVerb> = V3EndpointMeta & {
  readonly path: P;
  readonly verb: V;
};

/** Declares one endpoint's metadata, keeping its path and verb literal. */
export function defineEndpoint<const P extends string, const V extends HttpVerb>(
  meta: CataloguedEndpoint<P, V>,
): CataloguedEndpoint<P, V> {
  return meta;
}

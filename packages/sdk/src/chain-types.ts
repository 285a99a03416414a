// Compile-time view of the chain: catalogued paths typed through all three access styles, the rest loosely typed.
import type { APIPromise } from './api-promise.js';
import type { V2Endpoints } from './catalog/v2.js';
import type { V3Endpoints } from './catalog/v3.js';

/** Options of a call to a catalogued APIv2 endpoint. */
export interface V2CallOptions<Request> {
  /** The request fields (`nonce_str`, `sign`, `workwx_sign` and the merchant id are filled in when absent). */
  xml: Request;
  /** Present the merchant API certificate; defaults to what the endpoint needs. */
  security?: boolean;
  headers?: Record<string, string>;
  /** Ends the call, its retries and the waits between them: WxpayConnectionError with code `ABORTED`. */
  signal?: AbortSignal;
}

/** Options of a call to an uncatalogued endpoint; other keys fill `{name}` / `_name_` path parameters. */
export interface LooseCallOptions {
  xml?: Record<string, string | number | undefined>;
  json?: unknown;
  /** APIv3 uploads: the file, sent as multipart/form-data and signed over its `meta` JSON. */
  upload?: { filename: string; data: Uint8Array };
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  security?: boolean;
  /** Ends the call, its retries and the waits between them: WxpayConnectionError with code `ABORTED`. */
  signal?: AbortSignal;
  /**
   * DANGEROUS. APIv2 only, uncatalogued paths only: accept a successful reply that carries no valid `sign`. Unsigned
   * data can be forged by anyone between you and WeChat Pay; use it only for an endpoint the official docs show
   * without a sign that the SDK does not list yet (and tell us, so it gets listed).
   */
  unsignedReply?: boolean;
  [pathParameter: string]: unknown;
}

/** One endpoint, verb by verb: the options each verb takes and the data it resolves to. */
export type RouteVerbs = Partial<
  Record<'get' | 'post' | 'put' | 'patch' | 'delete', { options: unknown; response: unknown }>
>;

type V2Routes = {
  [P in keyof V2Endpoints]: {
    post: { options: V2CallOptions<V2Endpoints[P]['request']>; response: V2Endpoints[P]['response'] };
  };
};

/** Every catalogued route. */
export interface Routes extends V2Routes, V3Endpoints {}

export type RoutePath = keyof Routes & string;

export interface LooseVerbs {
  get(options?: LooseCallOptions): APIPromise<unknown>;
  post(options?: LooseCallOptions): APIPromise<unknown>;
  put(options?: LooseCallOptions): APIPromise<unknown>;
  patch(options?: LooseCallOptions): APIPromise<unknown>;
  delete(options?: LooseCallOptions): APIPromise<unknown>;
}

/** A node of an uncatalogued path: any segment, any verb. */
export type LooseNode = LooseVerbs & { readonly [segment: string]: LooseNode };

type VerbsOf<P extends string> = P extends RoutePath
  ? {
      [V in keyof Routes[P]]: Routes[P][V] extends { options: infer O; response: infer R }
        ? Record<never, never> extends O
          ? (options?: O & { headers?: Record<string, string>; signal?: AbortSignal }) => APIPromise<R>
          : (options: O & { headers?: Record<string, string>; signal?: AbortSignal }) => APIPromise<R>
        : never;
    }
  : unknown;

type ChildrenOf<P extends string> = RoutePath extends infer R
  ? R extends `${P}/${infer Rest}`
    ? Rest extends `${infer Head}/${string}`
      ? Head
      : Rest
    : never
  : never;

type CamelCase<S extends string> = S extends `${infer A}-${infer B}` ? `${A}${Capitalize<CamelCase<B>>}` : S;
/** The property names a segment answers to: itself, its camelCase form, and `_name_` for a `{name}` parameter. */
type SegmentAlias<S extends string> = S extends `{${infer Name}}` ? S | `_${Name}_` : S | CamelCase<S>;

/** The node reached by a path prefix: its verbs when it is an endpoint, its typed children, and loose others. */
export type ChainNode<P extends string> = VerbsOf<P> & {
  readonly [K in ChildrenOf<P> as SegmentAlias<K>]: ChainNode<`${P}/${K}`>;
} & { readonly [segment: string]: LooseNode };

/** `client['v2/...']` for every catalogued path. */
export type PathIndex = { readonly [P in RoutePath]: ChainNode<P> };

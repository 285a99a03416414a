// The Wxpay client: options, the three chain access styles, and dispatch of each call to the v2 or v3 pipeline.
import { APIPromise } from './api-promise.js';
import { isV2Template, splitPath, toTemplate, VERBS, type Verb } from './chain.js';
import type { ChainNode, LooseCallOptions, LooseNode, PathIndex, RoutePath } from './chain-types.js';
import { ValidationError, WxpayError } from './errors.js';
import { type MerchantCredentials, Transport } from './transport.js';
import { callV2 } from './v2/pipeline.js';

export interface WxpayOptions {
  /** Merchant id (`mch_id`); filled into APIv2 requests that leave it out. */
  mchid?: string;
  /** The APIv2 key (32 characters), used for `sign`. */
  secret?: string;
  /** The merchant API certificate for calls with `security` (mutual TLS). */
  merchant?: MerchantCredentials;
  /** WeCom (企业微信) payment secret: `workwx_sign` is computed automatically when set. */
  workwxSecret?: string;
  /** Overrides every host (e.g. the sandbox's `https://127.0.0.1:PORT`). A path prefix is kept. */
  baseURL?: string;
  /** Extra CA certificate(s) trusted for the server (e.g. the sandbox CA). Verification is never switched off. */
  ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** Milliseconds for connecting, for the reply headers and between body chunks (default 10 000). */
  timeout?: number;
}

const MAINLAND_ORIGINS = ['https://api.mch.weixin.qq.com', 'https://api2.mch.weixin.qq.com'];
const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const USER_AGENT = `wxpay-node/0.1.0 node/${process.versions.node}`;

type CallOptions = LooseCallOptions;
type Dispatch = (verb: Verb, segments: readonly string[], options: CallOptions | undefined) => APIPromise<unknown>;

// The interface merges the typed `client['v2/...']` view, which the Proxy below serves, into the class.
export interface Wxpay extends PathIndex {}

/** A WeChat Pay client. Options are needed only by the calls that use them. */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: see the interface above.
export class Wxpay {
  private readonly options: Readonly<WxpayOptions>;
  private readonly transport: Transport;
  private readonly dispatch: Dispatch;

  constructor(options: WxpayOptions = {}) {
    checkOptions(options);
    this.options = { ...options };
    this.transport = new Transport({
      merchant: options.merchant,
      ca: options.ca,
      timeout: options.timeout ?? DEFAULT_TIMEOUT_MS,
      maxBodyBytes: MAX_BODY_BYTES,
    });
    this.dispatch = (verb, segments, callOptions) =>
      new APIPromise(Promise.resolve().then(() => this.call(verb, toTemplate(segments), callOptions ?? {})));
    // `client['v2/a/b']` works for any path: unknown keys containing a slash become chain nodes.
    // biome-ignore lint/correctness/noConstructorReturn: the index access style needs the instance behind a Proxy.
    return new Proxy(this, {
      get(target, property) {
        if (typeof property === 'string' && property.includes('/') && !(property in target)) {
          return chainNode(target.dispatch, splitPath(property));
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  /** APIv2 (XML) endpoints, e.g. `client.v2.mmpaymkttransfers.sendredpack.post({ xml })`. */
  get v2(): ChainNode<'v2'> {
    return chainNode(this.dispatch, ['v2']) as ChainNode<'v2'>;
  }

  /** APIv3 (JSON) endpoints. */
  get v3(): ChainNode<'v3'> {
    return chainNode(this.dispatch, ['v3']) as ChainNode<'v3'>;
  }

  /** The endpoint at `path`, e.g. `client.chain('v2/mmpaymkttransfers/gethbinfo')`. */
  chain<P extends RoutePath>(path: P): ChainNode<P>;
  chain(path: string): LooseNode;
  chain(path: string): unknown {
    return chainNode(this.dispatch, splitPath(path));
  }

  /** Closes pooled connections; the client can still be used afterwards (pools reopen). */
  close(): Promise<void> {
    return this.transport.close();
  }

  private call(verb: Verb, template: string, options: CallOptions) {
    const { xml, json, query, headers, security, ...params } = options;
    if (isV2Template(template)) {
      if (json !== undefined) throw new ValidationError('json', 'APIv2 endpoints take `xml`, not `json`');
      return callV2(
        {
          transport: this.transport,
          origins: this.options.baseURL ? [this.options.baseURL] : MAINLAND_ORIGINS,
          mchid: this.options.mchid,
          secret: this.options.secret,
          workwxSecret: this.options.workwxSecret,
          userAgent: USER_AGENT,
        },
        { template, method: verb.toUpperCase(), xml, query, headers, security, params },
      );
    }
    throw new WxpayError(`APIv3 calls are not supported yet (${template})`);
  }
}

/** A chain node: verbs call the endpoint, any other property goes one segment deeper. Never thenable. */
function chainNode(dispatch: Dispatch, segments: readonly string[]): unknown {
  return new Proxy(Object.create(null) as object, {
    get(_target, property) {
      if (typeof property !== 'string' || property === 'then') return undefined;
      if ((VERBS as readonly string[]).includes(property)) {
        return (options?: CallOptions) => dispatch(property as Verb, segments, options);
      }
      if (property === 'toString' || property === 'toJSON') return () => segments.join('/');
      return chainNode(dispatch, [...segments, ...splitPath(property)]);
    },
  });
}

function checkOptions(options: WxpayOptions): void {
  for (const name of ['mchid', 'secret', 'workwxSecret', 'baseURL'] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new ValidationError(`options.${name}`, 'non-empty string');
    }
  }
  if (options.timeout !== undefined && !(Number.isFinite(options.timeout) && options.timeout > 0)) {
    throw new ValidationError('options.timeout', 'positive number of milliseconds');
  }
  if (options.baseURL !== undefined) {
    let url: URL;
    try {
      url = new URL(options.baseURL);
    } catch {
      throw new ValidationError('options.baseURL', 'absolute URL');
    }
    if (url.protocol !== 'https:') throw new ValidationError('options.baseURL', 'https URL');
    if (url.search || url.hash) throw new ValidationError('options.baseURL', 'no query or fragment');
  }
  const merchant = options.merchant;
  if (merchant !== undefined) {
    const complete = 'pfx' in merchant ? Buffer.isBuffer(merchant.pfx) : Boolean(merchant.cert && merchant.key);
    if (!complete) throw new ValidationError('options.merchant', '{ cert, key } PEM or { pfx: Buffer, passphrase }');
  }
}

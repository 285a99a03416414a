// The Wxpay client: the three chain access styles, and dispatch of each call to the v2 or v3 pipeline.
import { APIPromise } from './api-promise.js';
import { type BillSource, type DownloadBillOptions, downloadBill } from './bills/download.js';
import type { VerifiedBill } from './bills/verified-bill.js';
import type { ImageUpload, MediaUploadReply } from './catalog/media.js';
import { isV2Template, splitPath, toTemplate, VERBS, type Verb } from './chain.js';
import type { ChainNode, LooseCallOptions, LooseNode, PathIndex, RoutePath } from './chain-types.js';
import { decryptOaep, encryptOaep, loadPrivateKey } from './crypto/rsa.js';
import { ValidationError } from './errors.js';
import { checkOptions, GLOBAL_ORIGINS, MAINLAND_ORIGINS, type WxpayOptions } from './options.js';
import { Transport } from './transport.js';
import {
  parseV2Notification,
  parseV2RefundNotification,
  type V2Fields,
  type V2RefundNotification,
} from './v2/notification.js';
import { callV2, type V2Context } from './v2/pipeline.js';
import type { PlatformCertificateFile } from './v3/certificates-reply.js';
import { type ApiFamily, KeyStore } from './v3/key-store.js';
import { type Notification, type NotificationInput, parseNotification } from './v3/notification.js';
import {
  createNodeNotificationHandler,
  createWebNotificationHandler,
  type NotificationCallback,
  type NotificationHandlerOptions,
} from './v3/notification-handlers.js';
import { type AppPayParams, appPaySign, type JsapiPayParams, jsapiPaySign } from './v3/pay-sign.js';
import { callV3, fetchCertificates, type V3Context } from './v3/pipeline.js';
import { SDK_VERSION } from './version.js';

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const USER_AGENT = `wxpay-node/${SDK_VERSION} node/${process.versions.node}`;

/** Node's `inspect` as passed to a custom inspect method. */
type InspectFunction = (value: unknown, options: object) => string;

type Dispatch = (verb: Verb, segments: readonly string[], options: LooseCallOptions | undefined) => APIPromise<unknown>;

/** What printing a client shows: ids, hosts and which credentials are configured, never their values. */
export interface WxpayView {
  mchid: string | undefined;
  hosts: { mainland: readonly string[]; global: readonly string[] };
  credentials: {
    /** The APIv2 key. */
    secret: boolean;
    workwxSecret: boolean;
    /** The merchant API certificate for mutual TLS (`merchant`). */
    merchantCertificate: boolean;
    privateKey: boolean;
    /** The merchant certificate serial (not a secret: it is sent in every Authorization header). */
    serial: string | undefined;
    apiv3Key: boolean;
  };
  /** Serials and public key ids WeChat Pay replies are verified with. */
  trustedKeys: string[];
}

// The interface merges the typed `client['v2/...']` view, which the Proxy below serves, into the class.
export interface Wxpay extends PathIndex {}

/**
 * A WeChat Pay client. Options are needed only by the calls that use them.
 *
 * Every secret lives in `#private` fields: printing, serialising, spreading or enumerating a client (or anything
 * reachable from it) shows ids, hosts and which credentials are configured, never their values.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: see the interface above.
export class Wxpay {
  readonly #options: Readonly<WxpayOptions>;
  readonly #transport: Transport;
  readonly #dispatch: Dispatch;
  readonly #v2Context: V2Context;
  readonly #v3Context: V3Context;
  readonly #keyStore: KeyStore;

  constructor(options: WxpayOptions = {}) {
    checkOptions(options);
    this.#options = { ...options };
    this.#transport = new Transport({
      merchant: options.merchant,
      ca: options.ca,
      timeout: options.timeout ?? DEFAULT_TIMEOUT_MS,
      maxBodyBytes: MAX_BODY_BYTES,
    });
    const origins = (family: ApiFamily): readonly string[] =>
      options.baseURL
        ? [options.baseURL]
        : family === 'global'
          ? [GLOBAL_ORIGINS[options.region ?? 'hk']]
          : MAINLAND_ORIGINS;
    this.#v2Context = {
      transport: this.#transport,
      origins: origins('mainland'),
      mchid: options.mchid,
      secret: options.secret,
      workwxSecret: options.workwxSecret,
      userAgent: USER_AGENT,
    };
    const now = options.clock ?? Date.now;
    this.#keyStore = new KeyStore({
      certs: options.certs,
      apiv3Key: options.apiv3Key,
      now,
      toleranceSeconds: options.signatureTolerance ?? 300,
      // Lazy: the context is assigned below, before any call can reach the store.
      download:
        options.privateKey && options.serial ? (family) => fetchCertificates(this.#v3Context, family) : undefined,
    });
    this.#v3Context = {
      transport: this.#transport,
      keyStore: this.#keyStore,
      origins,
      mchid: options.mchid,
      serial: options.serial?.toUpperCase(),
      privateKey: options.privateKey === undefined ? undefined : loadPrivateKey(options.privateKey),
      now,
      maxRetries: options.maxRetries ?? 2,
      userAgent: USER_AGENT,
    };
    this.#dispatch = (verb, segments, callOptions) =>
      new APIPromise(Promise.resolve().then(() => this.#call(verb, toTemplate(segments), callOptions ?? {})));
    const dispatch = this.#dispatch;
    // Methods are bound once, not on every access (`client.parseNotification(...)` may run per request).
    const bound = new WeakMap<object, unknown>();
    // `client['v2/a/b']` works for any path: unknown keys containing a slash become chain nodes.
    // biome-ignore lint/correctness/noConstructorReturn: the index access style needs the instance behind a Proxy.
    return new Proxy(this, {
      get(target, property) {
        if (typeof property === 'string' && property.includes('/') && !(property in target)) {
          return chainNode(dispatch, splitPath(property));
        }
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        let method = bound.get(value);
        if (method === undefined) {
          method = value.bind(target);
          bound.set(value, method);
        }
        return method;
      },
    });
  }

  /** The keys WeChat Pay signs with (configured and downloaded), per client. */
  get keyStore(): KeyStore {
    return this.#keyStore;
  }

  /** A printable summary: `mchid`, hosts and which credentials are configured (booleans), never secret values. */
  toJSON(): WxpayView {
    const options = this.#options;
    return {
      mchid: options.mchid,
      hosts: { mainland: this.#v3Context.origins('mainland'), global: this.#v3Context.origins('global') },
      credentials: {
        secret: options.secret !== undefined,
        workwxSecret: options.workwxSecret !== undefined,
        merchantCertificate: options.merchant !== undefined,
        privateKey: options.privateKey !== undefined,
        serial: this.#v3Context.serial,
        apiv3Key: options.apiv3Key !== undefined,
      },
      trustedKeys: this.#keyStore.serials(),
    };
  }

  /** `console.log(client)` and `util.inspect(client)` show {@link toJSON}'s view. */
  [Symbol.for('nodejs.util.inspect.custom')](_depth: number, inspectOptions: object, inspect: InspectFunction): string {
    return `Wxpay ${inspect(this.toJSON(), { ...inspectOptions, depth: 4 })}`;
  }

  /** APIv2 (XML) endpoints, e.g. `client.v2.mmpaymkttransfers.sendredpack.post({ xml })`. */
  get v2(): ChainNode<'v2'> {
    return chainNode(this.#dispatch, ['v2']) as ChainNode<'v2'>;
  }

  /** APIv3 (JSON) endpoints. */
  get v3(): ChainNode<'v3'> {
    return chainNode(this.#dispatch, ['v3']) as ChainNode<'v3'>;
  }

  /** The endpoint at `path`, e.g. `client.chain('v2/mmpaymkttransfers/gethbinfo')`. */
  chain<P extends RoutePath>(path: P): ChainNode<P>;
  chain(path: string): LooseNode;
  chain(path: string): unknown {
    return chainNode(this.#dispatch, splitPath(path));
  }

  /**
   * Encrypts a sensitive field (name, ID number, phone...) with RSA-OAEP for WeChat Pay. Send the returned `serial`
   * as the `Wechatpay-Serial` header of the request that carries the ciphertext.
   */
  encrypt(plaintext: string): { ciphertext: string; serial: string } {
    const { serial, key } = this.#keyStore.encryptionKey();
    return { ciphertext: encryptOaep(plaintext, key), serial };
  }

  /** Decrypts a sensitive field that WeChat Pay encrypted with the merchant's public key. */
  decrypt(ciphertext: string): string {
    return decryptOaep(ciphertext, this.#requirePrivateKey());
  }

  #requireSecret(): string {
    if (!this.#options.secret) throw new ValidationError('options.secret', 'required (the APIv2 key)');
    return this.#options.secret;
  }

  #requirePrivateKey() {
    const key = this.#v3Context.privateKey;
    if (!key) throw new ValidationError('options.privateKey', 'required (the merchant key, apiclient_key.pem)');
    return key;
  }

  /**
   * Downloads the platform certificates now (they are otherwise fetched on first need and refreshed periodically) and
   * returns the downloaded set, decrypted and verified (its reply signed by one of them or a key already trusted),
   * e.g. to save the PEMs. A download already in flight is joined.
   */
  async refreshCertificates(family: ApiFamily = 'mainland'): Promise<PlatformCertificateFile[]> {
    if (!this.#keyStore.canDownload) {
      throw new ValidationError('options.apiv3Key', 'downloading certificates needs apiv3Key, serial and privateKey');
    }
    return this.#keyStore.refresh(family);
  }

  /**
   * Verifies an APIv3 notification over its raw body, then decrypts its `resource`. Narrow the result with
   * `isKnownNotification` to get typed transactions and refunds.
   */
  parseNotification(input: NotificationInput): Promise<Notification> {
    return parseNotification(input, {
      keyStore: this.#keyStore,
      apiv3Key: this.#options.apiv3Key,
      family: this.#options.region ? 'global' : 'mainland',
    });
  }

  /** A Web-standard `(Request) => Promise<Response>` notification endpoint (Next.js, Hono, Bun, Deno...). */
  webNotificationHandler(handler: NotificationCallback, options?: NotificationHandlerOptions) {
    return createWebNotificationHandler((input) => this.parseNotification(input), handler, options);
  }

  /** A Node `(req, res)` notification endpoint (node:http, Express, Koa via ctx.req/ctx.res, Fastify raw). */
  nodeNotificationHandler(handler: NotificationCallback, options?: NotificationHandlerOptions) {
    return createNodeNotificationHandler((input) => this.parseNotification(input), handler, options);
  }

  /** Verifies an APIv2 (XML) notification's `sign` with the APIv2 key. */
  parseV2Notification(xml: string | Uint8Array): V2Fields {
    return parseV2Notification(xml, this.#requireSecret());
  }

  /** Decrypts an APIv2 refund notification's `req_info` (AES-256-ECB with md5 of the APIv2 key). */
  parseV2RefundNotification(xml: string | Uint8Array): V2RefundNotification {
    return parseV2RefundNotification(xml, this.#requireSecret());
  }

  /** Parameters for `wx.requestPayment` / WeixinJSBridge (JSAPI and mini programs), signed with the merchant key. */
  jsapiPayParams(input: { appId: string; prepayId: string }): JsapiPayParams {
    return jsapiPaySign({ ...input, privateKey: this.#requirePrivateKey(), now: this.#v3Context.now });
  }

  /** Parameters for the APP SDK's PayReq (`partnerid` defaults to the client's mchid). */
  appPayParams(input: { appid: string; prepayid: string; partnerid?: string }): AppPayParams {
    const partnerid = input.partnerid ?? this.#options.mchid;
    if (!partnerid) throw new ValidationError('partnerid', 'required (or configure options.mchid)');
    return appPaySign({ ...input, partnerid, privateKey: this.#requirePrivateKey(), now: this.#v3Context.now });
  }

  /**
   * Downloads a bill and hands it out only after its hash matched. `source` is the application to make
   * (`{ tradebill: { bill_date, ... } }` or `{ fundflowbill: { ... } }`), or the reply of one made before (plus the
   * `tar_type` it asked for). The download is unsigned by design (docs/protocol.md#apiv3-bill-downloads): it is
   * fetched whole into memory, up to `maxBytes` (default 100 MiB), unpacked when gzip, and its SHA-1 compared with the
   * announced `hash_value`; a mismatch, an unknown `hash_type` or an oversized bill is a WxpayIntegrityError and
   * nothing is released. Parse the text with `parseTradeBill` / `parseFundFlowBill`.
   */
  downloadBill(source: BillSource, options?: DownloadBillOptions): Promise<VerifiedBill> {
    return Promise.resolve().then(() => downloadBill(this.#v3Context, source, options));
  }

  /**
   * Uploads an image (`.jpg`, `.png` or `.bmp`, at most 2 MiB) as multipart/form-data, signed over its `meta` JSON,
   * and resolves to its `media_id`. The same call as `wxpay.v3.merchant.media.upload.post({ upload })`.
   */
  uploadImage(
    input: ImageUpload & { headers?: Record<string, string>; signal?: AbortSignal },
  ): APIPromise<MediaUploadReply> {
    const { filename, data, headers, signal } = input;
    return this.#dispatch('post', ['v3', 'merchant', 'media', 'upload'], {
      upload: { filename, data },
      headers,
      signal,
    }) as APIPromise<MediaUploadReply>;
  }

  /** Closes pooled connections; the client can still be used afterwards (pools reopen). */
  close(): Promise<void> {
    return this.#transport.close();
  }

  #call(verb: Verb, template: string, options: LooseCallOptions) {
    const { xml, json, query, headers, security, unsignedReply, signal, upload, ...params } = options;
    if (isV2Template(template)) {
      if (json !== undefined) throw new ValidationError('json', 'APIv2 endpoints take `xml`, not `json`');
      if (upload !== undefined) throw new ValidationError('upload', 'only APIv3 endpoints take uploads');
      return callV2(this.#v2Context, {
        template,
        method: verb.toUpperCase(),
        xml,
        query,
        headers,
        security,
        unsignedReply,
        params,
        signal,
      });
    }
    if (xml !== undefined) throw new ValidationError('xml', 'APIv3 endpoints take `json`, not `xml`');
    if (security !== undefined) throw new ValidationError('security', 'only APIv2 calls use the client certificate');
    if (unsignedReply !== undefined) throw new ValidationError('unsignedReply', 'only for APIv2 calls');
    return callV3(this.#v3Context, { template, verb, params, query, json, upload, headers, signal });
  }
}

/** A chain node: verbs call the endpoint, any other property goes one segment deeper. Never thenable. */
function chainNode(dispatch: Dispatch, segments: readonly string[]): unknown {
  return new Proxy(Object.create(null) as object, {
    get(_target, property) {
      if (typeof property !== 'string' || property === 'then') return undefined;
      if ((VERBS as readonly string[]).includes(property)) {
        return (options?: LooseCallOptions) => dispatch(property as Verb, segments, options);
      }
      if (property === 'toString' || property === 'toJSON') return () => segments.join('/');
      return chainNode(dispatch, [...segments, ...splitPath(property)]);
    },
  });
}

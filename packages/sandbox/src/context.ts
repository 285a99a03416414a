// What every sandbox handler works with: the store, the clock, faults, the CA, and the shapes of calls and replies.
import type { KeyObject } from 'node:crypto';
import type { SandboxClock } from './clock.js';
import type { Faults } from './faults.js';
import type { ClientCertificateCheck, Pem } from './pki.js';
import type { Store } from './store.js';

/** Queues a signed, encrypted APIv3 notification for delivery (implemented by the notifier). */
export type NotifyFn = (notification: {
  mchid: string;
  url: string;
  eventType: string;
  summary: string;
  resource: object;
  originalType: string;
}) => void;

export interface SandboxContext {
  readonly store: Store;
  readonly clock: SandboxClock;
  readonly faults: Faults;
  /** The sandbox CA: it issued the server, merchant API and platform certificates. */
  readonly ca: Pem;
  /** Queue an APIv3 notification (payment, refund). */
  readonly notify: NotifyFn;
}

/** One HTTP request as the sandbox server hands it to a handler. */
export interface SandboxCall {
  method: string;
  /** Path and query exactly as received, e.g. `/mmpaymkttransfers/sendredpack` or `/v3/global/transactions/id/42?mchid=1`. */
  pathAndQuery: string;
  /** Lowercase header names. */
  headers: Readonly<Record<string, string>>;
  rawBody: Buffer;
  /** The TLS client certificate, checked against the sandbox CA at sandbox time; undefined when none was presented. */
  clientCert: ClientCertificateCheck | undefined;
}

export interface SandboxReply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Bytes sent instead of `body` (a bill file, which may be gzip). */
  bytes?: Buffer;
  /**
   * The `Wechatpay-Signature` header still to add (APIv3): the server computes it off the event loop before sending,
   * and never sends a reply that still has one pending.
   */
  signature?: PendingSignature;
}

/** A signature to compute: SHA256withRSA over `message` with `key`. */
export interface PendingSignature {
  message: Buffer;
  key: KeyObject;
}

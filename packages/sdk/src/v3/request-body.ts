// What an APIv3 request sends and what its signature covers: JSON (with catalogued sensitive fields encrypted first),
// nothing, or a multipart upload. Built once per call, so every retry resends the same bytes.
import { checkUploadFile } from '../catalog/media.js';
import type { V3EndpointMeta } from '../catalog/types.js';
import { encryptOaep } from '../crypto/rsa.js';
import { ValidationError } from '../errors.js';
import type { KeyStore } from './key-store.js';
import { multipartBody } from './multipart.js';

export interface RequestBody {
  /** The bytes sent; undefined for no body. */
  body: string | Buffer | undefined;
  /** The body line of the request signature: the body itself, or the `meta` JSON of an upload. */
  signed: string;
  contentType: string | undefined;
  /** The id of the key sensitive fields were encrypted with: it must go out as `Wechatpay-Serial`. */
  serial: string | undefined;
}

const NO_BODY: RequestBody = { body: undefined, signed: '', contentType: undefined, serial: undefined };

/** The body of a call to `meta` (undefined for an uncatalogued path) from its `json` or `upload`. */
export function prepareBody(
  keyStore: KeyStore,
  input: { json?: unknown; upload?: unknown },
  meta: V3EndpointMeta | undefined,
): RequestBody {
  if (meta?.body === 'multipart' || input.upload !== undefined) {
    if (meta !== undefined && meta.body !== 'multipart') {
      throw new ValidationError('upload', 'this endpoint takes `json`, not `upload`');
    }
    if (input.json !== undefined) throw new ValidationError('json', 'an upload takes `upload`, not `json`');
    return multipartBody(checkUploadFile(input.upload));
  }
  if (input.json === undefined) return NO_BODY;
  const { json, serial } = encryptSensitiveFields(keyStore, input.json, meta?.sensitiveFields ?? []);
  // JSON.stringify gives undefined for a value JSON cannot hold (a function): then there is no body to send.
  const text: string | undefined = JSON.stringify(json);
  return text === undefined ? NO_BODY : { body: text, signed: text, contentType: 'application/json', serial };
}

/**
 * A copy of `json` with each listed top-level field that is present encrypted (RSA-OAEP, SHA-1) under the key the
 * store offers for encryption, and that key's id. Nothing present: `json` itself and no id. No trusted key: a
 * ValidationError on `options.certs`, before anything is sent.
 */
function encryptSensitiveFields(
  keyStore: KeyStore,
  json: unknown,
  fields: readonly string[],
): { json: unknown; serial: string | undefined } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { json, serial: undefined };
  const record = json as Record<string, unknown>;
  const present = fields.filter((field) => Object.hasOwn(record, field) && record[field] != null);
  if (present.length === 0) return { json, serial: undefined };
  const { serial, key } = keyStore.encryptionKey();
  const copy: Record<string, unknown> = { ...record };
  for (const field of present) {
    const plaintext = record[field];
    if (typeof plaintext !== 'string') throw new ValidationError(`/${field}`, 'string');
    try {
      copy[field] = encryptOaep(plaintext, key);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      // The usual cause: a ciphertext passed where the SDK expects the plaintext it encrypts itself.
      throw new ValidationError(`/${field}`, `plaintext (the SDK encrypts it): ${error.rule}`);
    }
  }
  return { json: copy, serial };
}

// The multipart/form-data body of an APIv3 upload: a `meta` JSON part ({ filename, sha256 }) and the `file` part.
// The request signature covers the `meta` JSON only (docs/protocol.md#apiv3-multipart-uploads).
import { type ImageUpload, imageType } from '../catalog/media.js';
import { sha256Hex } from '../crypto/hash.js';
import { createNonce } from '../crypto/nonce.js';
import type { RequestBody } from './request-body.js';

const CRLF = '\r\n';

/**
 * Builds the body. The `meta` part holds exactly the JSON text that is signed, so the server can check the signature
 * against what it received. The file name was checked (no quotes, backslashes or control characters) before.
 */
export function multipartBody(upload: ImageUpload): RequestBody {
  const data = Buffer.from(upload.data.buffer, upload.data.byteOffset, upload.data.byteLength);
  const meta = JSON.stringify({ filename: upload.filename, sha256: sha256Hex(data) });
  let boundary: string;
  // A boundary must not occur in the data; 32 random characters practically never do, but "practically" is checked.
  do boundary = `wxpay-${createNonce(32)}`;
  while (data.includes(`--${boundary}`));
  const head =
    `--${boundary}${CRLF}Content-Disposition: form-data; name="meta"${CRLF}Content-Type: application/json${CRLF}${CRLF}` +
    `${meta}${CRLF}--${boundary}${CRLF}` +
    `Content-Disposition: form-data; name="file"; filename="${upload.filename}"${CRLF}` +
    // Anything but a catalogued image type goes as plain bytes.
    `Content-Type: ${imageType(upload.filename) ?? 'application/octet-stream'}${CRLF}${CRLF}`;
  const tail = `${CRLF}--${boundary}--${CRLF}`;
  return {
    body: Buffer.concat([Buffer.from(head, 'utf8'), data, Buffer.from(tail, 'utf8')]),
    signed: meta,
    contentType: `multipart/form-data; boundary=${boundary}`,
    serial: undefined,
  };
}

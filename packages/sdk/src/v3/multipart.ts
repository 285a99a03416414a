// The multipart/form-data body of an APIv3 upload: a `meta` JSON part ({ filename, sha256 }) and the `file` part.
// The request signature covers the `meta` JSON only (docs/protocol.md#apiv3-multipart-uploads).
import { IMAGE_TYPES, type ImageUpload } from '../catalog/media.js';
import { sha256Hex } from '../crypto/hash.js';
import { createNonce } from '../crypto/nonce.js';
import type { RequestBody } from './request-body.js';

const CRLF = '\r\n';

/** The Content-Type of the file part, by its suffix; anything uncatalogued goes as plain bytes. */
function fileType(filename: string): string {
  const suffix = /\.([A-Za-z]+)$/.exec(filename)?.[1]?.toLowerCase();
  return suffix !== undefined && Object.hasOwn(IMAGE_TYPES, suffix)
    ? (IMAGE_TYPES[suffix] as string)
    : 'application/octet-stream';
}

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
    `Content-Type: ${fileType(upload.filename)}${CRLF}${CRLF}`;
  const tail = `${CRLF}--${boundary}--${CRLF}`;
  return {
    body: Buffer.concat([Buffer.from(head, 'utf8'), data, Buffer.from(tail, 'utf8')]),
    signed: meta,
    contentType: `multipart/form-data; boundary=${boundary}`,
    serial: undefined,
  };
}

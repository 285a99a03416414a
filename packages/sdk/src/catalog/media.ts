// APIv3 media upload (图片上传, host api.mch): an image sent as multipart/form-data, signed over its `meta` JSON, for a
// `media_id` other APIs take. Facts: docs/endpoints.md#apiv3-image-upload and docs/protocol.md#apiv3-multipart-uploads.
import { ValidationError } from '../errors.js';
import { ruleText } from './rules.js';
import { defineEndpoint, type V3CallParts } from './types.js';

/** The image of an upload: its name (which must end in .jpg, .png or .bmp) and bytes. */
export interface ImageUpload {
  filename: string;
  data: Uint8Array;
}

export interface MediaUploadReply {
  /** Pass it to the API that asked for the image; up to 512 characters. */
  media_id: string;
}

/** The largest image the endpoint takes: 2 MiB. */
export const IMAGE_MAX_BYTES = 2 * 1024 * 1024;

/** The file types the page allows, by suffix (any case), with the Content-Type their part is sent with. */
const IMAGE_TYPES: Readonly<Record<string, string>> = { jpg: 'image/jpeg', png: 'image/png', bmp: 'image/bmp' };

/** The Content-Type of an image the endpoint takes, from the file name's suffix; undefined for any other file. */
export function imageType(filename: string): string | undefined {
  const suffix = /\.([A-Za-z]+)$/.exec(filename)?.[1]?.toLowerCase();
  return suffix !== undefined && Object.hasOwn(IMAGE_TYPES, suffix) ? IMAGE_TYPES[suffix] : undefined;
}

/**
 * The `upload` option of any upload, catalogued or not: a file name fit for a multipart header (1..128 characters, no
 * quotes, backslashes or control characters) and non-empty bytes. The endpoint's own rules (suffix, size) come on top.
 */
export function checkUploadFile(upload: unknown): ImageUpload {
  if (typeof upload !== 'object' || upload === null) throw new ValidationError('upload', ruleText.required);
  const { filename, data } = upload as Partial<ImageUpload>;
  if (typeof filename !== 'string' || filename === '') throw new ValidationError('upload.filename', ruleText.required);
  if ([...filename].length > 128) throw new ValidationError('upload.filename', ruleText.maxLength(128));
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what a header must not carry.
  if (/["\\\u0000-\u001f\u007f]/.test(filename)) {
    throw new ValidationError('upload.filename', 'no quotes, backslashes or control characters');
  }
  if (!(data instanceof Uint8Array))
    throw new ValidationError('upload.data', 'the file bytes (a Uint8Array or Buffer)');
  if (data.byteLength === 0) throw new ValidationError('upload.data', ruleText.required);
  return { filename, data };
}

function uploadImageRules({ upload }: V3CallParts): void {
  const { filename, data } = checkUploadFile(upload);
  if (imageType(filename) === undefined) {
    throw new ValidationError('upload.filename', 'ends in .jpg, .png or .bmp');
  }
  if (data.byteLength > IMAGE_MAX_BYTES) {
    throw new ValidationError('upload.data', `at most ${IMAGE_MAX_BYTES} bytes (2 MiB)`);
  }
}

export const uploadImageEndpoint = defineEndpoint({
  path: 'v3/merchant/media/upload',
  verb: 'post',
  host: 'mainland',
  body: 'multipart',
  validate: uploadImageRules,
});

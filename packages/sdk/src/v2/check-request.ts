// Checks an APIv2 request against the catalogue without sending it, e.g. every row of a payout file before the first send.
import { validateFields } from '../catalog/rules.js';
import { findV2Endpoint } from '../catalog/v2.js';
import { ValidationError } from '../errors.js';
import { fieldStrings } from './pipeline.js';

/**
 * The first rule `fields` break for the catalogued APIv2 `path` (`v2/mmpaymkttransfers/sendredpack`), as the
 * ValidationError a call would throw, or undefined when they pass. Fields the pipeline fills (`mch_id`, `nonce_str`,
 * `sign`, `workwx_sign`) may be left out. An uncatalogued path is itself the error (field `path`).
 */
export function checkV2Request(path: string, fields: Readonly<Record<string, unknown>>): ValidationError | undefined {
  const meta = findV2Endpoint(path);
  if (meta === undefined) return new ValidationError('path', 'a catalogued APIv2 path');
  try {
    validateFields(meta, fieldStrings(fields));
    return undefined;
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
}

// Building blocks for the wxpay family's own packages (the sandbox, the CLI): not part of the stable public API.

export { validateFields } from './catalog/rules.js';
export type { FieldSpec, HttpVerb, V2EndpointMeta, V3EndpointMeta } from './catalog/types.js';
export { isV2ReplySigned } from './catalog/unsigned-replies.js';
export { findV2Endpoint, v2Endpoints } from './catalog/v2.js';
export { findV3Endpoint, v3Endpoints } from './catalog/v3.js';
export { appendQuery, expandTemplate, splitPath, toTemplate } from './chain.js';
export {
  decryptAesEcb,
  decryptAesGcm,
  decryptRefundReqInfo,
  encryptAesEcb,
  encryptAesGcm,
  encryptRefundReqInfo,
} from './crypto/aes.js';
export { hmacSha256Hex, md5Hex, sha256Hex } from './crypto/hash.js';
export { createNonce } from './crypto/nonce.js';
export {
  certificateSerial,
  decryptOaep,
  encryptOaep,
  isStrictBase64,
  loadPrivateKey,
  loadPublicKey,
  signSha256Rsa,
  verifySha256Rsa,
} from './crypto/rsa.js';
export { timingSafeEqualString } from './crypto/timing-safe.js';
export { signV2, signWorkwx, v2SignString, verifyV2Sign } from './v2/sign.js';
export { buildElement, buildXml, parseXml } from './v2/xml.js';
export { buildAuthorization, buildRequestMessage } from './v3/authorization.js';
export { buildVerifyMessage, verifyWechatpaySignature } from './v3/verifier.js';

// The platform certificate download (`GET /v3/global/certificates`, `GET /v3/certificates`): each certificate sealed
// with the merchant's APIv3 key, the reply signed with the platform certificate so a client can bootstrap its trust.
import { X509Certificate } from 'node:crypto';
import { formatRfc3339China } from '../clock.js';
import { encryptAesGcm } from '../wire/aes-gcm.js';
import { createNonce } from '../wire/nonce.js';
import { V3Error } from './reply.js';
import type { V3Outcome, V3Request } from './router.js';

const associatedData = 'certificate';

/**
 * Merchants in `public_key` mode have no platform certificate, like merchants created since late 2024:
 * they get 404 RESOURCE_NOT_EXISTS, which the SDK must turn into a "use public-key mode" error.
 */
export function downloadCertificates({ caller }: V3Request): V3Outcome {
  const { config } = caller;
  if (config.signingMode === 'public_key') {
    throw new V3Error(
      404,
      'RESOURCE_NOT_EXISTS',
      'the merchant has no platform certificate: use the WeChat Pay public key',
    );
  }
  const certificate = new X509Certificate(config.platformCert.certPem);
  const nonce = createNonce(12);
  const data = [
    {
      serial_no: config.platformCert.serial,
      effective_time: formatRfc3339China(Date.parse(certificate.validFrom)),
      expire_time: formatRfc3339China(Date.parse(certificate.validTo)),
      encrypt_certificate: {
        algorithm: 'AEAD_AES_256_GCM',
        nonce,
        associated_data: associatedData,
        ciphertext: encryptAesGcm({
          key: config.apiv3Key,
          nonce,
          associatedData,
          plaintext: config.platformCert.certPem,
        }),
      },
    },
  ];
  return { status: 200, body: { data }, platform: true };
}

// Opens a platform certificates reply (`GET /v3/certificates`) into keys. Nothing here trusts it: the caller must
// still verify the reply's signature with one of the returned keys (or a key it already trusts).
import { type KeyObject, X509Certificate } from 'node:crypto';
import { decryptAesGcm } from '../crypto/aes.js';
import { loadPublicKey } from '../crypto/rsa.js';
import {
  quoteRemote,
  SignatureVerificationError,
  ValidationError,
  WxpayDecryptError,
  WxpayParseError,
} from '../errors.js';
import type { TransportResponse } from '../transport.js';

/** A key WeChat Pay signs with, and when it may be used to encrypt for WeChat Pay. */
export interface TrustedKey {
  key: KeyObject;
  /** Unix ms from which the key may be used to encrypt (0 for public keys). */
  notBefore: number;
  notAfter: number;
}

/** A platform certificate as downloaded, decrypted and verified: what `refreshCertificates()` hands back. */
export interface PlatformCertificateFile {
  /** As WeChat Pay writes it: uppercase hex. */
  serial: string;
  /** The certificate (public: safe to save and to print). */
  pem: string;
  /** Unix ms. */
  notBefore: number;
  notAfter: number;
}

/** The downloaded certificates of one reply by serial: each trusted key with its certificate text. */
export type DownloadedCertificates = Map<string, TrustedKey & { pem: string }>;

/** The only `encrypt_certificate.algorithm` the certificates endpoint uses. */
const CERTIFICATE_ALGORITHM = 'AEAD_AES_256_GCM';

const utf8 = new TextDecoder('utf-8', { fatal: true });

interface SealedCertificate {
  serial: string;
  algorithm: string;
  nonce: string;
  associatedData: string | undefined;
  ciphertext: string;
}

/**
 * Decrypts every listed certificate with the APIv3 key and returns them by serial. The reply comes from the network
 * and is not verified yet, so every failure is typed as the server's fault, never as the caller's: WxpayParseError
 * (not UTF-8, not JSON, no `data` array, an item of the wrong shape, an item that decrypts to something other than an
 * RSA certificate of at least 2048 bits), WxpayDecryptError (unsupported algorithm, wrong APIv3 key, tampered item)
 * and SignatureVerificationError `certificate serial mismatch` (a certificate listed under another serial).
 * Errors keep the reply as received (it holds only ciphertext), never a decrypted item.
 */
export function openCertificatesReply(reply: TransportResponse, apiv3Key: string): DownloadedCertificates {
  let text: string;
  try {
    text = utf8.decode(reply.body);
  } catch {
    throw new WxpayParseError('the certificates reply is not valid UTF-8', reply.body.toString('utf8'), reply.status);
  }
  const malformed = (message: string) => new WxpayParseError(message, text, reply.status);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed('the certificates reply is not JSON');
  }
  const list = isRecord(parsed) ? parsed.data : undefined;
  if (!Array.isArray(list)) throw malformed('the certificates reply has no data array');

  const keys: DownloadedCertificates = new Map();
  for (const [index, item] of list.entries()) {
    // Only our own index goes into messages: the item's values are remote input.
    const sealed = readSealedCertificate(item);
    if (!sealed) {
      throw malformed(
        `downloaded item ${index} is not { serial_no, encrypt_certificate: { algorithm, nonce, associated_data, ciphertext } }`,
      );
    }
    if (sealed.algorithm !== CERTIFICATE_ALGORITHM) {
      throw new WxpayDecryptError(
        'unsupported algorithm',
        `decryption failed: unsupported algorithm ${quoteRemote(sealed.algorithm, 40)}`,
      );
    }
    const pem = decryptAesGcm({
      key: apiv3Key,
      nonce: sealed.nonce,
      associatedData: sealed.associatedData,
      ciphertext: sealed.ciphertext,
    });
    let certificate: { serial: string; trusted: TrustedKey };
    try {
      certificate = readCertificate(pem);
    } catch (error) {
      // readCertificate blames its input with a ValidationError; here the input came from the server.
      if (!(error instanceof ValidationError)) throw error;
      throw malformed(
        error.field === 'certificate'
          ? `downloaded item ${index} is not a certificate`
          : `downloaded item ${index} is not an RSA certificate of at least 2048 bits`,
      );
    }
    if (certificate.serial !== sealed.serial.toUpperCase()) {
      throw new SignatureVerificationError(
        'certificate serial mismatch',
        `signature verification failed: certificate serial mismatch (downloaded item ${index})`,
      );
    }
    keys.set(certificate.serial, { ...certificate.trusted, pem });
  }
  return keys;
}

/**
 * Reads a platform certificate PEM (text or bytes; literal `\n` escapes, as kept in environment variables, are
 * accepted): its serial as WeChat Pay writes it (uppercase hex, leading zero digits kept, as OpenSSL prints it), its
 * RSA public key and its validity. Throws ValidationError `certificate` when it is not an X.509 certificate and
 * `publicKey` when its key is not RSA of at least 2048 bits.
 */
export function readCertificate(pem: string | Buffer): { serial: string; trusted: TrustedKey } {
  const text = typeof pem === 'string' ? pem : pem.toString('utf8');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(
      !text.includes('\n') && text.includes('\\n') ? text.replaceAll('\\n', '\n') : text,
    );
  } catch {
    throw new ValidationError('certificate', 'must be an X.509 certificate in PEM ("BEGIN CERTIFICATE")');
  }
  return {
    serial: certificate.serialNumber.toUpperCase(),
    trusted: {
      key: loadPublicKey(certificate.publicKey),
      notBefore: Date.parse(certificate.validFrom),
      notAfter: Date.parse(certificate.validTo),
    },
  };
}

function readSealedCertificate(item: unknown): SealedCertificate | undefined {
  if (!isRecord(item) || !isRecord(item.encrypt_certificate)) return undefined;
  const { serial_no: serial } = item;
  const { algorithm, nonce, associated_data: associatedData, ciphertext } = item.encrypt_certificate;
  if (typeof serial !== 'string' || serial === '') return undefined;
  if (typeof algorithm !== 'string' || typeof nonce !== 'string' || typeof ciphertext !== 'string') return undefined;
  if (associatedData !== undefined && typeof associatedData !== 'string') return undefined;
  return { serial, algorithm, nonce, associatedData, ciphertext };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

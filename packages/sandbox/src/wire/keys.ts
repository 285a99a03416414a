// RSA keys from PEM, parsed once: parsing costs far more than the signature it serves, and a merchant has few keys.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

function parsedOnce(parse: (pem: string) => KeyObject): (pem: string) => KeyObject {
  const parsed = new Map<string, KeyObject>();
  return (pem) => {
    let key = parsed.get(pem);
    if (key === undefined) {
      key = parse(pem);
      parsed.set(pem, key);
    }
    return key;
  };
}

/** The public key of a certificate (a merchant API certificate) or of a public key PEM. */
export const publicKeyOf: (pem: string) => KeyObject = parsedOnce((pem) => createPublicKey(pem));

/** A private key (platform certificate or WeChat Pay public key pair) from its PEM. */
export const privateKeyOf: (pem: string) => KeyObject = parsedOnce((pem) => createPrivateKey(pem));

// Test-only certificate tooling shared by the test PKI and the APIv3 test keys: @peculiar/x509 and RSA key generation.
import { webcrypto } from 'node:crypto';
// Type-only: the runtime module is loaded in loadX509() after reflect-metadata, which it needs at load time.
import type * as X509 from '@peculiar/x509';

export type X509Module = typeof X509;

export const dayMs = 24 * 60 * 60 * 1000;

/** RSA 2048 with SHA-256, the algorithm of every WeChat Pay key and certificate. */
export const rsaAlgorithm: webcrypto.RsaHashedKeyGenParams = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
};

export async function loadX509(): Promise<X509Module> {
  // @peculiar/x509's dependency injection container needs the Reflect metadata API at load time.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  // Node's webcrypto is a complete WebCrypto; the library's parameter type is the DOM one, hence the cast.
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  return x509;
}

export async function generateRsaKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(rsaAlgorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

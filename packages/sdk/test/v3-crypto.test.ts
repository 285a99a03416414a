import { X509Certificate } from 'node:crypto';
import { expect, it } from 'vitest';
import { createTestPki } from './support/test-pki.js';
it('probe', async () => {
  const p = await createTestPki();
  console.log(p.clientSerial, new X509Certificate(p.clientCert).serialNumber);
  expect(1).toBe(1);
});

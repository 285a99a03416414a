// Test-only: Debian's Chromium driven by playwright-core against a sandbox, trusting exactly the sandbox's server key
// (its SPKI pinned; certificate checks stay on for everything else), collecting every console error of its pages.
import { createHash, createPublicKey } from 'node:crypto';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import type { Sandbox } from '../../src/index.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo: what Chromium's SPKI list names. */
export function spkiPin(certPem: string): string {
  const spki = createPublicKey(certPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

export interface UiBrowser {
  readonly browser: Browser;
  readonly context: BrowserContext;
  /** Console errors and uncaught page errors of every page, as text. */
  readonly errors: string[];
  newPage(width?: number): Promise<Page>;
  close(): Promise<void>;
}

/** One headless Chromium for a test file; pages default to 1280 px wide. */
export async function launchUiBrowser(sandbox: Sandbox): Promise<UiBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [`--ignore-certificate-errors-spki-list=${spkiPin(sandbox.tls.cert)}`],
  });
  const context = await browser.newContext({ baseURL: sandbox.url });
  const errors: string[] = [];
  return {
    browser,
    context,
    errors,
    async newPage(width = 1280) {
      const page = await context.newPage();
      await page.setViewportSize({ width, height: 900 });
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
      return page;
    },
    async close() {
      await browser.close();
    },
  };
}

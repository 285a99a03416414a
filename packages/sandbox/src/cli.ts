#!/usr/bin/env node
// `wxpay-sandbox` / `npm run sandbox`: runs the sandbox until interrupted and prints where its configuration is.
import { startSandbox } from './sandbox.js';

async function main(): Promise<void> {
  const port = Number(process.env.WXPAY_SANDBOX_PORT ?? 0);
  const sandbox = await startSandbox({ port, dataDir: process.env.WXPAY_SANDBOX_DIR ?? '.wxpay-sandbox' });
  console.log(`WeChat Pay sandbox listening at ${sandbox.url}`);
  console.log(`configuration (keys, certificates, merchants): ${sandbox.configPath}`);
  console.log(`control API: ${sandbox.url}/_sandbox/redpacks (see the @wxpay/sandbox README)`);
  console.log(`dashboard: ${sandbox.url}/ (have the browser trust ca.pem from the data directory)`);
  console.log('Ctrl+C to stop; state is kept in the data directory.');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      sandbox.close().then(() => process.exit(0));
    });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

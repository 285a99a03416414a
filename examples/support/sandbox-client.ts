// Gives an example a ready client: for the sandbox in WXPAY_SANDBOX (a data directory or sandbox.json) when set,
// otherwise for a throwaway in-process sandbox that is closed when the example ends.
import { readSandboxConfig, type Sandbox, type SandboxMerchantConfig, startSandbox } from '@wxpay/sandbox';
import { Wxpay } from 'wxpay';

/** `run` also gets the merchant's sandbox config: its `baseURL` and `ca` reach the control API under `/_sandbox/`. */
export async function withSandboxClient<T>(
  mchid: string,
  run: (wxpay: Wxpay, config: SandboxMerchantConfig) => Promise<T>,
): Promise<T> {
  const configured = process.env.WXPAY_SANDBOX;
  const sandbox: Sandbox | undefined = configured ? undefined : await startSandbox({ dataDir: ':memory:' });
  const config = sandbox ? sandbox.merchantConfig(mchid) : readSandboxConfig(configured as string, mchid);
  const wxpay = new Wxpay(config);
  try {
    return await run(wxpay, config);
  } finally {
    await wxpay.close();
    await sandbox?.close();
  }
}

/** True when the module at `url` is the script node was asked to run. */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && new URL(url).pathname === new URL(`file://${process.argv[1]}`).pathname;
}

// The public surface of @wxpay/sandbox.
export type { SandboxAdmin } from './admin.js';
export { AdminError, type AdminErrorCode } from './admin-error.js';
export { readSandboxConfig, type SandboxConfigFile } from './config-files.js';
export type { FaultSettings } from './faults.js';
export type { NewMerchant, SandboxMerchantConfig } from './merchants.js';
export { type Sandbox, type SandboxOptions, startSandbox } from './sandbox.js';

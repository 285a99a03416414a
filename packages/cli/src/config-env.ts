// The WXPAY_* environment variables: each sets one config value, over what the config file or profile says.
import { isAbsolute, resolve } from 'node:path';
import { isPlainObject } from './config.js';
import { ConfigError } from './errors.js';
import { holdsPem } from './pem-value.js';

/** Variable -> config key, by kind of value. Documented in the README ("Configuration"); keep the two equal. */
const STRING_VARIABLES = {
  WXPAY_MCHID: 'mchid',
  WXPAY_SECRET: 'secret',
  WXPAY_WORKWX_SECRET: 'workwxSecret',
  WXPAY_BASE_URL: 'baseURL',
  WXPAY_SERIAL: 'serial',
  WXPAY_APIV3_KEY: 'apiv3Key',
  WXPAY_REGION: 'region',
  WXPAY_APPID: 'appid',
} as const;
const NUMBER_VARIABLES = {
  WXPAY_TIMEOUT: 'timeout',
  WXPAY_MAX_RETRIES: 'maxRetries',
  WXPAY_SIGNATURE_TOLERANCE: 'signatureTolerance',
} as const;
/** PEM text, or the path of a file (relative to the working directory, as paths on a command line are). */
const PEM_VARIABLES = { WXPAY_PRIVATE_KEY: 'privateKey', WXPAY_CA: 'ca' } as const;
const MERCHANT_VARIABLES = {
  WXPAY_MERCHANT_CERT: 'cert',
  WXPAY_MERCHANT_KEY: 'key',
  WXPAY_MERCHANT_PFX: 'pfx',
  WXPAY_MERCHANT_PASSPHRASE: 'passphrase',
} as const;

/** Every variable that sets a config value (WXPAY_CONFIG and WXPAY_PROFILE choose the file or profile instead). */
export const CONFIG_VARIABLES: readonly string[] = [
  ...Object.keys(STRING_VARIABLES),
  ...Object.keys(NUMBER_VARIABLES),
  ...Object.keys(PEM_VARIABLES),
  ...Object.keys(MERCHANT_VARIABLES),
];

export interface EnvOverlay {
  /** The config object with the variables' values in place. */
  raw: Record<string, unknown>;
  /** Config field -> the variable that set it, so that an error names what the user actually wrote. */
  origins: Map<string, string>;
}

/** An empty variable counts as unset: `WXPAY_SECRET= wxpay ...` is how a shell clears one for a command. */
function variableValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** A PEM value of a variable: PEM text as it is, a path made absolute against the working directory. */
function pemOrPath(value: string, cwd: string): string {
  return holdsPem(value) || isAbsolute(value) ? value : resolve(cwd, value);
}

/** Puts the WXPAY_* values over `base` (a copy is returned; `base` is not changed). */
export function overlayEnv(base: Record<string, unknown>, env: NodeJS.ProcessEnv, cwd: string): EnvOverlay {
  const raw: Record<string, unknown> = { ...base };
  const origins = new Map<string, string>();
  for (const [name, key] of Object.entries(STRING_VARIABLES)) {
    const value = variableValue(env, name);
    if (value === undefined) continue;
    raw[key] = value;
    origins.set(key, name);
    // The file may spell the appid `wxappid`: the variable replaces it rather than contradicting it.
    if (key === 'appid') delete raw.wxappid;
  }
  for (const [name, key] of Object.entries(NUMBER_VARIABLES)) {
    const value = variableValue(env, name);
    if (value === undefined) continue;
    if (!/^\d+(\.\d+)?$/.test(value)) throw new ConfigError(name, 'a number');
    raw[key] = Number(value);
    origins.set(key, name);
  }
  for (const [name, key] of Object.entries(PEM_VARIABLES)) {
    const value = variableValue(env, name);
    if (value === undefined) continue;
    raw[key] = pemOrPath(value, cwd);
    origins.set(key, name);
  }
  const merchant: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(MERCHANT_VARIABLES)) {
    const value = variableValue(env, name);
    if (value === undefined) continue;
    merchant[key] = key === 'passphrase' ? value : pemOrPath(value, cwd);
    origins.set(`merchant.${key}`, name);
  }
  if (Object.keys(merchant).length > 0) {
    const fromFile = isPlainObject(base.merchant) ? base.merchant : {};
    // A certificate given one way replaces the file's certificate given the other way (PEM pair or PKCS#12).
    const keep =
      merchant.pfx !== undefined
        ? { passphrase: fromFile.passphrase }
        : merchant.cert !== undefined || merchant.key !== undefined
          ? { cert: fromFile.cert, key: fromFile.key }
          : fromFile;
    raw.merchant = Object.fromEntries(
      Object.entries({ ...keep, ...merchant }).filter(([, value]) => value !== undefined),
    );
    origins.set(
      'merchant',
      Object.keys(MERCHANT_VARIABLES)
        .filter((name) => variableValue(env, name) !== undefined)
        .join(', '),
    );
  }
  return { raw, origins };
}

/** The variable that sets a config field, to mention it when the field is missing (`merchant.key` -> WXPAY_MERCHANT_KEY). */
export function variableFor(field: string): string | undefined {
  const [key, sub] = field.split('.');
  const tables: Record<string, string>[] = [STRING_VARIABLES, NUMBER_VARIABLES, PEM_VARIABLES];
  for (const table of tables) {
    for (const [name, value] of Object.entries(table)) if (value === key && sub === undefined) return name;
  }
  if (key === 'merchant' && sub !== undefined) {
    return Object.entries(MERCHANT_VARIABLES).find(([, value]) => value === sub)?.[0];
  }
  return undefined;
}

/** The variable behind a config field (`ca[0]` -> WXPAY_CA), when one set it. */
export function originOf(field: string, origins: ReadonlyMap<string, string>): string | undefined {
  return origins.get(field) ?? origins.get(field.replace(/\[\d+\]$/, ''));
}

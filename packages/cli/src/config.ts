// A merchant configuration's content: `Wxpay` client options as JSON (the sandbox's `merchantConfig()` as it is), with
// PEM values inline or as file paths relative to its file. Which file or profile a command uses: config-resolve.ts.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { WxpayOptions } from 'wxpay';
import { ConfigError } from './errors.js';
import { type PemSource, pemValue, readConfigFile } from './pem-value.js';

export interface LoadedConfig {
  options: WxpayOptions;
  /** An `appid` (or `wxappid`) key of the file: the default of --wxappid. */
  appid: string | undefined;
  /** Where each PEM value came from (paths are not secret; for -v). */
  pemSources: PemSource[];
}

/** Keys the file may hold: the client options JSON can express, plus the default appid. */
const STRING_KEYS = ['mchid', 'secret', 'workwxSecret', 'baseURL', 'serial', 'apiv3Key', 'region', 'appid', 'wxappid'];
const NUMBER_KEYS = ['timeout', 'maxRetries', 'signatureTolerance'];
const PEM_KEYS = ['merchant', 'privateKey', 'certs', 'ca'];
const KNOWN_KEYS = new Set([...STRING_KEYS, ...NUMBER_KEYS, ...PEM_KEYS]);
const MERCHANT_KEYS = new Set(['cert', 'key', 'pfx', 'passphrase']);

/** Where JSON.parse stopped, as line:column (the parser's own message may quote the file, which holds secrets). */
export function parsePosition(text: string, error: unknown): string {
  const match = /position (\d+)/.exec(error instanceof Error ? error.message : '');
  if (!match) return '';
  const before = text.slice(0, Number(match[1]));
  const line = before.split('\n').length;
  return ` (line ${line}, column ${before.length - before.lastIndexOf('\n')})`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON value of a configuration file (a config, or the profiles file); errors name the file, never its text. */
export function readConfigJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError('config', code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`, file);
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ConfigError('config', `not valid JSON${parsePosition(text, error)}`, file);
  }
}

/**
 * Checks a config object and reads the PEM files it names: a config file's content, a profile, or what the WXPAY_*
 * variables made of one. `file` is what errors name; relative PEM paths are read from `dir`.
 */
export function parseConfig(raw: unknown, file: string, dir: string): LoadedConfig {
  if (!isPlainObject(raw)) throw new ConfigError('config', 'a JSON object of client options', file);
  const fail = (field: string, rule: string): never => {
    throw new ConfigError(field, rule, file);
  };
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.has(key)) {
      fail(key.slice(0, 64), `not a client option (known: ${[...KNOWN_KEYS].join(', ')})`);
    }
  }
  const options: Record<string, unknown> = {};
  for (const key of STRING_KEYS) {
    const value = raw[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '') fail(key, 'a non-empty string');
    options[key] = value;
  }
  for (const key of NUMBER_KEYS) {
    const value = raw[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(key, 'a number');
    options[key] = value;
  }
  if (raw.appid !== undefined && raw.wxappid !== undefined && raw.appid !== raw.wxappid) {
    fail('wxappid', 'differs from appid: give one of them');
  }
  const appid = (options.appid ?? options.wxappid) as string | undefined;
  delete options.appid;
  delete options.wxappid;

  const pemSources: PemSource[] = [];
  const pem = (field: string, value: unknown) => pemValue(file, dir, field, value, pemSources);
  if (raw.merchant !== undefined) {
    const merchant = raw.merchant;
    if (!isPlainObject(merchant)) return fail('merchant', '{ "cert": PEM or path, "key": PEM or path }');
    for (const key of Object.keys(merchant)) {
      if (!MERCHANT_KEYS.has(key)) fail(`merchant.${key.slice(0, 64)}`, 'unknown key: only cert, key, pfx, passphrase');
    }
    if (merchant.pfx !== undefined) {
      if (typeof merchant.pfx !== 'string' || merchant.pfx === '') fail('merchant.pfx', 'the path of a PKCS#12 file');
      if (merchant.cert !== undefined || merchant.key !== undefined) {
        fail('merchant', 'either pfx (with passphrase) or cert and key, not both');
      }
      if (merchant.passphrase !== undefined && typeof merchant.passphrase !== 'string') {
        fail('merchant.passphrase', 'a string');
      }
      const pfx = readConfigFile(file, dir, 'merchant.pfx', merchant.pfx as string);
      pemSources.push({ field: 'merchant.pfx', from: resolve(dir, merchant.pfx as string) });
      options.merchant = merchant.passphrase === undefined ? { pfx } : { pfx, passphrase: merchant.passphrase };
    } else {
      if (merchant.passphrase !== undefined) fail('merchant.passphrase', 'only with pfx');
      if (merchant.cert === undefined) fail('merchant.cert', 'required with merchant.key (PEM or path)');
      if (merchant.key === undefined) fail('merchant.key', 'required with merchant.cert (PEM or path)');
      options.merchant = { cert: pem('merchant.cert', merchant.cert), key: pem('merchant.key', merchant.key) };
    }
  }
  if (raw.privateKey !== undefined) options.privateKey = pem('privateKey', raw.privateKey);
  if (raw.certs !== undefined) {
    const certs = raw.certs;
    if (!isPlainObject(certs)) return fail('certs', '{ "<serial or PUB_KEY_ID_...>": PEM or path }');
    const loaded: Record<string, string> = {};
    for (const [serial, value] of Object.entries(certs)) loaded[serial] = pem(`certs.${serial.slice(0, 64)}`, value);
    options.certs = loaded;
  }
  if (raw.ca !== undefined) {
    options.ca = Array.isArray(raw.ca) ? raw.ca.map((value, i) => pem(`ca[${i}]`, value)) : pem('ca', raw.ca);
  }
  return { options: options as WxpayOptions, appid, pemSources };
}

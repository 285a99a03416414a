// Named configurations in one file, ~/.config/wxpay/config.json: `{ "default": {...}, "prod": {...} }`.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { isPlainObject, readConfigJson } from './config.js';
import { ConfigError } from './errors.js';

/** The profile used when neither a config file nor a profile is named. */
export const DEFAULT_PROFILE = 'default';

/** `$XDG_CONFIG_HOME/wxpay/config.json`, else `~/.config/wxpay/config.json` (the XDG base directory rules). */
export function profilesPath(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CONFIG_HOME;
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and to be ignored.
  const base = xdg !== undefined && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.config');
  return join(base, 'wxpay', 'config.json');
}

/**
 * The config object of profile `name` in `file`. `undefined` only when the profile is optional (the default one) and
 * the file or the profile is absent; a file that exists must be valid, whichever profile is wanted.
 */
export function readProfile(file: string, name: string, required: boolean): Record<string, unknown> | undefined {
  if (!required && !existsSync(file)) return undefined;
  if (required && !existsSync(file)) {
    throw new ConfigError('profile', `${JSON.stringify(name)} was asked for, but there is no profiles file`, file);
  }
  const profiles = readConfigJson(file);
  if (!isPlainObject(profiles)) {
    throw new ConfigError('config', 'a JSON object of named profiles, e.g. { "default": { "mchid": ... } }', file);
  }
  if (!Object.hasOwn(profiles, name)) {
    if (!required) return undefined;
    const names = Object.keys(profiles);
    throw new ConfigError(
      'profile',
      `no profile ${JSON.stringify(name)} (${names.length === 0 ? 'the file has none' : `profiles: ${names.join(', ')}`})`,
      file,
    );
  }
  const profile = profiles[name];
  if (!isPlainObject(profile)) throw new ConfigError(name, 'a JSON object of client options, like a -c file', file);
  return profile;
}

// Which configuration a call uses: -c file, else --profile, else WXPAY_CONFIG, else WXPAY_PROFILE, else the "default"
// profile; then the WXPAY_* variables over it, then --base-url. Errors name what the user wrote (file, variable, flag).
import { dirname, resolve } from 'node:path';
import { ValidationError, Wxpay } from 'wxpay';
import { isPlainObject, type LoadedConfig, parseConfig, readConfigJson } from './config.js';
import { CONFIG_VARIABLES, originOf, overlayEnv, variableFor } from './config-env.js';
import { DEFAULT_PROFILE, profilesPath, readProfile } from './config-profiles.js';
import { ConfigError, UsageError } from './errors.js';

export interface ConfigChoice {
  /** -c/--config */
  config?: string | undefined;
  /** --profile */
  profile?: string | undefined;
  /** --base-url: over every other source. */
  baseUrl?: string | undefined;
}

export interface ResolvedConfig extends LoadedConfig {
  /** Where the options came from, for -v: a file, a profile and its file, or only WXPAY_* variables. */
  source: string;
  /** The file the options came from (undefined when only variables gave them). */
  baseFile: string | undefined;
  /** The profile, when they came from one. */
  profile: string | undefined;
  /** The WXPAY_* variables that set a value (names only). */
  variables: string[];
  /** Config field -> the variable or flag that set it. */
  origins: ReadonlyMap<string, string>;
  /** The secret values (APIv2, APIv3 and WeCom keys, private keys, passphrase): what output must never show. */
  secrets: string[];
}

/** What errors name when only variables configured the command. */
const FROM_VARIABLES = 'WXPAY_* variables';

interface Base {
  /** The file's (or profile's) JSON value: parseConfig says what is wrong when it is not an object. */
  raw: unknown;
  /** What errors name: the file. */
  file: string;
  /** Where relative PEM paths are read from. */
  dir: string;
  source: string;
  /** For a profile: its name, to prefix the fields errors name. */
  profile?: string;
}

function fileBase(path: string): Base {
  return { raw: readConfigJson(path), file: path, dir: dirname(path), source: `file ${path}` };
}

function profileBase(env: NodeJS.ProcessEnv, name: string, required: boolean): Base | undefined {
  const file = profilesPath(env);
  const raw = readProfile(file, name, required);
  if (raw === undefined) return undefined;
  return { raw, file, dir: dirname(file), source: `profile ${name} of ${file}`, profile: name };
}

function chooseBase(choice: ConfigChoice, env: NodeJS.ProcessEnv, cwd: string): Base | undefined {
  if (choice.config !== undefined && choice.profile !== undefined) {
    throw new UsageError('--profile', `not with -c/--config: a profile is one of ${profilesPath(env)}`);
  }
  if (choice.config !== undefined) return fileBase(resolve(cwd, choice.config));
  if (choice.profile !== undefined) return profileBase(env, choice.profile, true);
  if (env.WXPAY_CONFIG) return fileBase(resolve(cwd, env.WXPAY_CONFIG));
  if (env.WXPAY_PROFILE) return profileBase(env, env.WXPAY_PROFILE, true);
  return profileBase(env, DEFAULT_PROFILE, false);
}

export function resolveConfig(choice: ConfigChoice, env: NodeJS.ProcessEnv, cwd = process.cwd()): ResolvedConfig {
  const base = chooseBase(choice, env, cwd);
  const baseRaw = base?.raw ?? {};
  const { raw, origins } = overlayEnv(isPlainObject(baseRaw) ? baseRaw : {}, env, cwd);
  const variables = [...new Set([...origins.values()].flatMap((names) => names.split(', ')))];
  if (base === undefined && variables.length === 0) {
    throw new ConfigError(
      'config',
      `none found: give -c <file.json> or --profile <name> (profiles in ${profilesPath(env)}, "default" used when ` +
        `nothing is named), or set WXPAY_CONFIG or WXPAY_* variables (${CONFIG_VARIABLES.join(', ')})`,
    );
  }
  if (choice.baseUrl !== undefined) {
    raw.baseURL = choice.baseUrl;
    origins.set('baseURL', '--base-url');
  }
  const rename = renamer(base?.file, base?.profile, origins);
  let loaded: LoadedConfig;
  try {
    // A base that is not an object is reported by parseConfig against its file, before any variable is looked at.
    loaded = parseConfig(isPlainObject(baseRaw) ? raw : baseRaw, base?.file ?? FROM_VARIABLES, base?.dir ?? cwd);
  } catch (error) {
    throw error instanceof ConfigError ? rename(error.field, error.rule) : error;
  }
  return {
    ...loaded,
    source: base?.source ?? FROM_VARIABLES,
    baseFile: base?.file,
    profile: base?.profile,
    variables,
    origins,
    secrets: secretsOf(loaded),
  };
}

/** Turns a complaint about a config field into one about what set it: the variable, the flag, the profile, the file. */
function renamer(file: string | undefined, profile: string | undefined, origins: ReadonlyMap<string, string>) {
  return (field: string, rule: string): Error => {
    const origin = originOf(field, origins);
    if (origin === '--base-url') return new UsageError('--base-url', rule);
    // A variable's relative path is read from the working directory, not from a config file's folder.
    if (origin !== undefined) return new ConfigError(origin, rule.replace('the config file', 'the working directory'));
    if (file === undefined) return new ConfigError(field, rule);
    return new ConfigError(profile === undefined ? field : `${profile}.${field}`, rule, file);
  };
}

/**
 * A complaint of the SDK about a client option (`options.secret` ...), at construction or at the call that needs the
 * option, as one about what set it or where it belongs: the variable, the flag, the profile, the file.
 */
export function optionProblem(config: ResolvedConfig, error: ValidationError): Error {
  const field = error.field.replace(/^options\.?/, '') || 'config';
  const variable = variableFor(field);
  const present = (config.options as Record<string, unknown>)[field.split('.')[0] ?? field] !== undefined;
  const missing = variable !== undefined && !present;
  const rule = missing ? `${error.rule}; or set ${variable}` : error.rule;
  return renamer(config.baseFile, config.profile, config.origins)(field, rule);
}

/** The SDK client; the SDK's complaints about options are reported against what set them. */
export function clientOf(config: ResolvedConfig): Wxpay {
  try {
    return new Wxpay(config.options);
  } catch (error) {
    if (error instanceof ValidationError && error.field.startsWith('options')) throw optionProblem(config, error);
    throw error;
  }
}

function secretsOf(config: LoadedConfig): string[] {
  const { secret, workwxSecret, apiv3Key, privateKey, merchant } = config.options;
  const values: unknown[] = [secret, workwxSecret, apiv3Key, privateKey];
  if (merchant !== undefined) {
    if ('key' in merchant) values.push(merchant.key);
    if ('passphrase' in merchant) values.push(merchant.passphrase);
  }
  return values.filter((value): value is string => typeof value === 'string' && value !== '');
}

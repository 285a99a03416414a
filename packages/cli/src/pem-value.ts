// A PEM value of the config file: the PEM text itself, or the path of a file holding it (relative to the config file).
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError } from './errors.js';

export interface PemSource {
  /** The config field, e.g. `merchant.key` or `certs.PUB_KEY_ID_0114...`. */
  field: string;
  /** `inline`, or the absolute path the value was read from. */
  from: string;
}

const PEM_BLOCK = '-----BEGIN ';

/** Whether a value is PEM text itself rather than the name of a file holding it. */
export function holdsPem(value: string): boolean {
  return value.includes(PEM_BLOCK);
}

/**
 * Only a value that plainly is a file name is ever repeated in a message: a value that is neither PEM nor a file name
 * may be a key pasted without its armour, and must not be printed.
 */
const FILE_NAME = /^[^\n]{1,200}\.(pem|crt|cer|key|p12|pfx)$/i;

function shown(value: string): string {
  return FILE_NAME.test(value) ? ` (${value})` : ' (the value is not shown)';
}

/** Reads a file named by a config value; the errors name the field, never a value that may be secret. */
export function readConfigFile(configFile: string, configDir: string, field: string, value: string): Buffer {
  const path = isAbsolute(value) ? value : resolve(configDir, value);
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'file not readable' : `file unreadable (${code})`;
    throw new ConfigError(
      field,
      `${why}${shown(value)}: inline PEM, or a path relative to the config file`,
      configFile,
    );
  }
}

/** The PEM text of `value`: itself when it holds a PEM block, else the file it names, which must hold one. */
export function pemValue(
  configFile: string,
  configDir: string,
  field: string,
  value: unknown,
  sources: PemSource[],
): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(
      field,
      'inline PEM text, or the path of a PEM file (relative to the config file)',
      configFile,
    );
  }
  if (holdsPem(value)) {
    sources.push({ field, from: 'inline' });
    return value;
  }
  const text = readConfigFile(configFile, configDir, field, value).toString('utf8');
  if (!holdsPem(text)) {
    throw new ConfigError(field, `the file${shown(value)} holds no PEM block ("-----BEGIN ...")`, configFile);
  }
  sources.push({ field, from: isAbsolute(value) ? value : resolve(configDir, value) });
  return text;
}

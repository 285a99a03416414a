// The errors the command raises itself, from its own checks of flags and files (the engine and the SDK have theirs).
import { WxpayError } from 'wxpay';

/**
 * The configuration is wrong: the config file, a value in it, or a setting given as a flag. `field` names it and `rule`
 * says what it must be; the value itself never appears, since it may be a key.
 */
export class ConfigError extends WxpayError {
  override name = 'ConfigError';
  constructor(
    readonly field: string,
    readonly rule: string,
    /** The config file, when the problem is in one. */
    readonly file?: string,
  ) {
    super(`${file === undefined ? '' : `${file}: `}${field}: ${rule}`);
  }
}

/** The command line is wrong in a way commander cannot see (a flag the chosen kind does not take, say). */
export class UsageError extends WxpayError {
  override name = 'UsageError';
  constructor(
    readonly option: string,
    readonly rule: string,
  ) {
    super(`${option}: ${rule}`);
  }
}

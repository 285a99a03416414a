// The SDK client of a loaded configuration: the SDK checks the options, and its complaints are reported against the file.
import { ValidationError, Wxpay } from 'wxpay';
import type { LoadedConfig } from './config.js';
import { ConfigError } from './errors.js';

export function createClient(config: LoadedConfig): Wxpay {
  try {
    return new Wxpay(config.options);
  } catch (error) {
    if (error instanceof ValidationError && error.field.startsWith('options')) {
      throw new ConfigError(error.field.replace(/^options\.?/, '') || 'config', error.rule, config.file);
    }
    throw error;
  }
}

// The merchant configuration of a command: the -c/--config and --profile flags every command that needs one takes,
// resolved one way for all (config-resolve.ts), and told with -v by where it came from, never by its values.
import { Option } from 'commander';
import { type ResolvedConfig, resolveConfig } from './config-resolve.js';
import { type CommandIO, detail } from './io.js';

/** The flags of a command that needs a merchant configuration. */
export interface ConfigFlags {
  config?: string;
  profile?: string;
}

export function configOption(): Option {
  return new Option('-c, --config <file.json>', 'merchant config: Wxpay options as JSON (default: $WXPAY_CONFIG)');
}

export function profileOption(): Option {
  return new Option(
    '--profile <name>',
    'a profile of ~/.config/wxpay/config.json (default: $WXPAY_PROFILE, else "default"); WXPAY_* variables override it',
  );
}

/**
 * The configuration the flags and the environment choose, its source told with -v. `baseUrl` is `wxpay <path>`'s
 * --base-url; no other command sends anywhere but where the configuration says.
 */
export function commandConfig(flags: ConfigFlags, io: CommandIO, baseUrl?: string): ResolvedConfig {
  const config = resolveConfig({ config: flags.config, profile: flags.profile, baseUrl }, io.env);
  detail(io, `config: ${config.source}`);
  if (config.variables.length > 0) detail(io, `config values from ${config.variables.join(', ')}`);
  for (const source of config.pemSources) detail(io, `config ${source.field}: ${source.from}`);
  return config;
}

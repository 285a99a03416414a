// `wxpay keys check`: does the config's key material fit together — key and certificate, serial, key lengths, expiry.
import { createPrivateKey, createPublicKey, KeyObject, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import type { Command } from 'commander';
import type { WxpayOptions } from 'wxpay';
import { pemCertificates, validity, wechatSerial } from '../certificate-info.js';
import { type ConfigFlags, commandConfig, configOption, profileOption } from '../command-config.js';
import { originOf } from '../config-env.js';
import type { ResolvedConfig } from '../config-resolve.js';
import { ConfigError } from '../errors.js';
import { EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import type { CommandIO } from '../io.js';
import type { CommandRunner } from './payout.js';

/** `note`: something that was not checked, and why. */
type Level = 'ok' | 'warning' | 'problem' | 'note';

interface Finding {
  level: Level;
  /** The config field it is about. */
  field: string;
  /** What was found; never a secret value (lengths and serials at most). */
  text: string;
}

/** A certificate expiring within this many days is worth a warning: renewing takes a while. */
const WARN_DAYS = 30;
const APIV3_KEY_BYTES = 32;
const APIV2_KEY_CHARS = 32;
const PUBLIC_KEY_ID = /^PUB_KEY_ID_/;

export function addKeysCommands(program: Command, runner: CommandRunner): void {
  const keys = program
    .command('keys')
    .description("check a merchant config's keys and certificates")
    .addHelpText(
      'after',
      `
Example:
  $ wxpay keys check -c merchant.json`,
    );
  keys
    .command('check')
    .summary('check that the keys, serial and certificates of a config fit together')
    .description(
      'check that the private keys match the merchant certificate, the serial is its serial, the APIv3 key is 32 ' +
        'bytes, the APIv2 key 32 characters, and no certificate has expired (a warning within 30 days); every problem ' +
        'is named, no secret is shown',
    )
    .addOption(configOption())
    .addOption(profileOption())
    .addHelpText(
      'after',
      `
Example (the sandbox's mainland merchant):
  $ wxpay sandbox config --mchid 10000098 > merchant.json
  $ wxpay keys check -c merchant.json
  ok       merchant.key: matches merchant.cert
  ...

Exit status: 0 no problem (warnings allowed); ${EXIT_USAGE} a problem was found (each one is listed).`,
    )
    .action((_flags: ConfigFlags, cmd: Command) => runner(cmd, async (io) => keysCheck(cmd.opts<ConfigFlags>(), io)));
}

function keysCheck(flags: ConfigFlags, io: CommandIO): number {
  let config: ResolvedConfig;
  try {
    config = commandConfig(flags, io);
  } catch (error) {
    // A config that does not load is the first problem found, reported like the others.
    if (!(error instanceof ConfigError)) throw error;
    io.stdout.write(`problem  ${error.message}\n`);
    return EXIT_USAGE;
  }
  const findings = checkOptions(config.options, Date.now());
  for (const { level, field, text } of findings) {
    // A value a WXPAY_* variable gave is named with it: that is where to fix it.
    const origin = originOf(field, config.origins);
    io.stdout.write(`${level.padEnd(8)} ${field}${origin === undefined ? '' : ` (${origin})`}: ${text}\n`);
  }
  const problems = findings.filter((f) => f.level === 'problem').length;
  const warnings = findings.filter((f) => f.level === 'warning').length;
  io.stdout.write(`${problems} problem${problems === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
  return problems > 0 ? EXIT_USAGE : EXIT_OK;
}

function text(value: string | Buffer): string {
  return typeof value === 'string' ? value : value.toString('utf8');
}

function privateKeyOf(value: string | Buffer | KeyObject): KeyObject | undefined {
  if (value instanceof KeyObject) return value.type === 'private' ? value : undefined;
  try {
    return createPrivateKey(value);
  } catch {
    return undefined;
  }
}

function checkOptions(options: WxpayOptions, now: number): Finding[] {
  const findings: Finding[] = [];
  const add = (level: Level, field: string, what: string) => findings.push({ level, field, text: what });
  const checkValidity = (field: string, certificate: X509Certificate) => {
    const { usable, daysLeft, text: line } = validity(certificate, now);
    if (!usable) add('problem', field, line);
    else if (daysLeft < WARN_DAYS) add('warning', field, `${line}: renew it`);
    else add('ok', field, line);
  };

  // The merchant API certificate: mutual TLS for APIv2, and the certificate whose serial APIv3 requests name.
  let merchantCert: X509Certificate | undefined;
  const merchant = options.merchant;
  if (merchant !== undefined && 'pfx' in merchant) {
    try {
      // OpenSSL refuses a wrong passphrase, and a key that is not the certificate's, when it loads the pair.
      createSecureContext({ pfx: merchant.pfx, passphrase: merchant.passphrase });
      add(
        'ok',
        'merchant.pfx',
        'opens with the passphrase; its key matches its certificate (serial and expiry not read from PKCS#12)',
      );
    } catch {
      add('problem', 'merchant.pfx', "does not open: a wrong passphrase, or a key that is not the certificate's");
    }
  } else if (merchant !== undefined) {
    try {
      merchantCert = new X509Certificate(merchant.cert);
      add('ok', 'merchant.cert', `serial ${wechatSerial(merchantCert)}`);
      checkValidity('merchant.cert', merchantCert);
    } catch {
      add('problem', 'merchant.cert', 'not an X.509 certificate in PEM');
    }
    const key = privateKeyOf(merchant.key);
    if (key === undefined) add('problem', 'merchant.key', 'not a private key in PEM');
    else if (merchantCert !== undefined) {
      if (merchantCert.checkPrivateKey(key)) add('ok', 'merchant.key', 'matches merchant.cert');
      else
        add(
          'problem',
          'merchant.key',
          `does not match merchant.cert (serial ${wechatSerial(merchantCert)}): another certificate's key`,
        );
    }
  }

  if (options.privateKey !== undefined) {
    const key = privateKeyOf(options.privateKey);
    if (key === undefined) add('problem', 'privateKey', 'not a private key in PEM');
    else if (key.asymmetricKeyType !== 'rsa')
      add('problem', 'privateKey', `a ${key.asymmetricKeyType} key: APIv3 signs with RSA`);
    else if (merchantCert === undefined)
      add('warning', 'privateKey', 'not checked against a certificate: merchant.cert is not configured');
    else if (merchantCert.checkPrivateKey(key))
      add('ok', 'privateKey', `matches merchant.cert (serial ${wechatSerial(merchantCert)})`);
    else
      add(
        'problem',
        'privateKey',
        `does not match merchant.cert (serial ${wechatSerial(merchantCert)}): another certificate's key`,
      );
  }

  if (options.serial !== undefined) {
    const serial = options.serial.toUpperCase();
    if (merchantCert === undefined) add('warning', 'serial', 'not checked: merchant.cert is not configured');
    else if (serial === wechatSerial(merchantCert)) add('ok', 'serial', `is the serial of merchant.cert`);
    else
      add('problem', 'serial', `${options.serial} is not the serial of merchant.cert (${wechatSerial(merchantCert)})`);
  }

  if (options.apiv3Key !== undefined) {
    const bytes = Buffer.byteLength(options.apiv3Key, 'utf8');
    if (bytes === APIV3_KEY_BYTES) add('ok', 'apiv3Key', `${APIV3_KEY_BYTES} bytes`);
    else add('problem', 'apiv3Key', `${bytes} bytes: the APIv3 key is exactly ${APIV3_KEY_BYTES}`);
  }
  if (options.secret !== undefined) {
    const chars = [...options.secret].length;
    if (chars === APIV2_KEY_CHARS) add('ok', 'secret', `${APIV2_KEY_CHARS} characters`);
    else add('problem', 'secret', `${chars} characters: the APIv2 key is exactly ${APIV2_KEY_CHARS}`);
  }

  for (const [name, value] of Object.entries(options.certs ?? {})) {
    const field = `certs.${name}`;
    if (PUBLIC_KEY_ID.test(name)) {
      try {
        createPublicKey(value);
        add('ok', field, 'a WeChat Pay public key (no expiry)');
      } catch {
        add('problem', field, 'not a public key in PEM ("BEGIN PUBLIC KEY")');
      }
      continue;
    }
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(value);
    } catch {
      add('problem', field, 'not an X.509 certificate in PEM');
      continue;
    }
    if (wechatSerial(certificate) !== name.toUpperCase()) {
      add(
        'problem',
        field,
        `the certificate's serial is ${wechatSerial(certificate)}, not the name it is listed under`,
      );
    }
    checkValidity(field, certificate);
  }

  const cas = options.ca === undefined ? [] : Array.isArray(options.ca) ? options.ca : [options.ca];
  for (const [index, value] of cas.entries()) {
    const field = cas.length === 1 && !Array.isArray(options.ca) ? 'ca' : `ca[${index}]`;
    let certificates: X509Certificate[];
    try {
      certificates = pemCertificates(text(value));
    } catch {
      add('problem', field, 'a certificate in it does not parse');
      continue;
    }
    if (certificates.length === 0) add('problem', field, 'no certificate in it');
    for (const certificate of certificates) checkValidity(field, certificate);
  }

  const absent = (['merchant', 'privateKey', 'serial', 'apiv3Key', 'secret'] as const).filter(
    (k) => options[k] === undefined,
  );
  if (absent.length > 0) add('note', 'not configured', `${absent.join(', ')} (checked only when configured)`);
  return findings;
}

// `wxpay certs download` (fetch, verify and save the platform certificates) and `wxpay certs show` (read a PEM file).
import { X509Certificate } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { type ApiFamily, WxpayDecryptError } from 'wxpay';
import { certificateInfo, pemCertificates, validity, wechatSerial } from '../certificate-info.js';
import { type ConfigFlags, commandConfig, configOption, profileOption } from '../command-config.js';
import { clientOf } from '../config-resolve.js';
import { UsageError } from '../errors.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';
import { exitCodeOfCallError } from '../exit-status.js';
import { type CommandIO, detail, say } from '../io.js';
import { readInputFile } from '../read-input.js';
import type { CommandRunner } from './payout.js';

interface DownloadFlags extends ConfigFlags {
  output: string;
  global?: boolean;
}

interface ShowFlags {
  json?: boolean;
}

export function addCertsCommands(program: Command, runner: CommandRunner): void {
  const certs = program
    .command('certs')
    .description('WeChat Pay platform certificates: download them, or show what a PEM file holds')
    .addHelpText(
      'after',
      `
Example:
  $ wxpay certs download -c merchant.json -o certs
  $ wxpay certs show certs/wechatpay_*.pem`,
    );

  certs
    .command('download')
    .summary('download, verify and save the platform certificates')
    .description(
      'download the platform certificates, keep only those that decrypt with the APIv3 key and sign the reply, and ' +
        'save each as wechatpay_<serial>.pem (needs apiv3Key, serial and privateKey)',
    )
    .addOption(configOption())
    .addOption(profileOption())
    .option('-o, --output <dir>', 'the folder to save them in', '.')
    .option('--global', 'use /v3/global/certificates (the default when the config sets "region")')
    .addHelpText(
      'after',
      `
Example (the sandbox's global merchant):
  $ wxpay sandbox config --mchid 1900000109 > global.json
  $ wxpay certs download -c global.json -o certs
  wechatpay_5157F09EFDC096DE15EBE81A47057A7232F1B8E1.pem  valid until 2030-... (1825 days left)

Exit status: 0 saved; 3 WeChat Pay refused (a merchant without platform certificates: use its public key); 4 a
signature or certificate did not verify, nothing saved; 5 the connection failed; 78 the config; 1 anything else.`,
    )
    .action((_flags: DownloadFlags, cmd: Command) => runner(cmd, (io) => certsDownload(cmd.opts<DownloadFlags>(), io)));

  certs
    .command('show')
    .summary('serial, subject, validity and days left of PEM certificates')
    .description(
      'show each certificate of PEM files: serial as WeChat Pay writes it (uppercase hex, no colons), subject, issuer, ' +
        'validity and days left',
    )
    .argument('<pem...>', 'PEM files (a file may hold a chain)')
    .option('--json', 'one JSON array, a record per certificate')
    .addHelpText(
      'after',
      `
Example:
  $ wxpay certs show .wxpay-sandbox/merchants/10000098/apiclient_cert.pem
  $ wxpay certs show certs/*.pem --json`,
    )
    .action((files: string[], _flags: ShowFlags, cmd: Command) =>
      runner(cmd, async (io) => certsShow(files, cmd.opts<ShowFlags>(), io)),
    );
}

async function certsDownload(flags: DownloadFlags, io: CommandIO): Promise<number> {
  const config = commandConfig(flags, io);
  const wxpay = clientOf(config);
  const family: ApiFamily = flags.global || config.options.region !== undefined ? 'global' : 'mainland';
  detail(io, `client: ${JSON.stringify(wxpay.toJSON())}`);
  detail(io, `downloading from ${family === 'global' ? '/v3/global/certificates' : '/v3/certificates'}`);
  try {
    // The SDK downloads and decrypts the set, and hands it back only when the reply verifies with one of them (or a key
    // it already trusted).
    const downloaded = await wxpay.refreshCertificates(family);
    const dir = resolve(flags.output);
    const saved = downloaded.map(({ serial, pem }) => ({
      file: join(dir, `wechatpay_${serial}.pem`),
      certificate: new X509Certificate(pem),
    }));
    // Saved only once the whole set verified, so a failure leaves no half-trusted set behind.
    mkdirSync(dir, { recursive: true });
    const now = Date.now();
    for (const { file, certificate } of saved) {
      writeFileSync(file, certificate.toString(), { mode: 0o644 });
      io.stdout.write(`${file}  serial ${wechatSerial(certificate)}  ${validity(certificate, now).text}\n`);
    }
    if (saved.length === 0) say(io, 'WeChat Pay listed no platform certificates');
    return EXIT_OK;
  } catch (error) {
    // As for a call: 3 WeChat Pay refused, 4 a signature or certificate did not verify, 5 the connection failed.
    const status = exitCodeOfCallError(error);
    if (status === EXIT_FAILURE) throw error;
    const hint = error instanceof WxpayDecryptError ? " (is apiv3Key the merchant's APIv3 key?)" : '';
    say(io, `wxpay: ${error instanceof Error ? error.message : String(error)}${hint}`);
    return status;
  } finally {
    await wxpay.close();
  }
}

function certsShow(files: readonly string[], flags: ShowFlags, io: CommandIO): number {
  const now = Date.now();
  const records: Array<{ file: string } & ReturnType<typeof certificateInfo>> = [];
  const texts: string[] = [];
  for (const file of files) {
    const text = readInputFile(file, '<pem>').toString('utf8');
    let certificates: X509Certificate[];
    try {
      certificates = pemCertificates(text);
    } catch {
      throw new UsageError('<pem>', `${resolve(file)}: a certificate in it does not parse`);
    }
    if (certificates.length === 0) {
      throw new UsageError('<pem>', `${resolve(file)}: no certificate ("-----BEGIN CERTIFICATE-----") in it`);
    }
    for (const certificate of certificates) {
      const info = certificateInfo(certificate, now);
      records.push({ file: resolve(file), ...info });
      texts.push(
        [
          `file:      ${resolve(file)}`,
          `serial:    ${info.serial}`,
          `subject:   ${info.subject}`,
          `issuer:    ${info.issuer}`,
          `valid:     ${info.notBefore} to ${info.notAfter}`,
          `days left: ${info.daysLeft}${info.expired ? ' (expired)' : ''}`,
        ].join('\n'),
      );
    }
  }
  io.stdout.write(flags.json ? `${JSON.stringify(records, null, 2)}\n` : `${texts.join('\n\n')}\n`);
  return EXIT_OK;
}

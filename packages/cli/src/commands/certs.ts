// `wxpay certs download` (fetch, verify and save the platform certificates) and `wxpay certs show` (read a PEM file).
import { createDecipheriv, X509Certificate } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { type ApiFamily, type PlatformCertificate, SignatureVerificationError, WxpayDecryptError } from 'wxpay';
import { certificateInfo, pemCertificates, validityText, wechatSerial } from '../certificate-info.js';
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

const GCM_TAG_BYTES = 16;

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

/**
 * The certificate PEM of one item of the reply. The SDK decrypts the same items when it refreshes its key store but
 * keeps only their public keys, so the PEM text is opened here (AEAD_AES_256_GCM with the APIv3 key) and then checked
 * against the key the SDK verified under that serial.
 */
function openItem(item: PlatformCertificate, apiv3Key: string): X509Certificate {
  const { algorithm, nonce, associated_data: associatedData, ciphertext } = item.encrypt_certificate;
  if (algorithm !== 'AEAD_AES_256_GCM') {
    throw new WxpayDecryptError('unsupported algorithm', `certificate ${item.serial_no}: unsupported algorithm`);
  }
  try {
    // ciphertext || 16-byte tag; a wrong key, a changed byte or a short value all fail the tag check.
    const sealed = Buffer.from(ciphertext, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(apiv3Key, 'utf8'), Buffer.from(nonce, 'utf8'), {
      authTagLength: GCM_TAG_BYTES,
    });
    decipher.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_BYTES));
    decipher.setAAD(Buffer.from(associatedData ?? '', 'utf8'));
    const pem = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - GCM_TAG_BYTES)), decipher.final()]);
    return new X509Certificate(pem);
  } catch {
    throw new WxpayDecryptError('authentication failed', `certificate ${item.serial_no}: does not decrypt`);
  }
}

async function certsDownload(flags: DownloadFlags, io: CommandIO): Promise<number> {
  const config = commandConfig(flags, io);
  const wxpay = clientOf(config);
  const family: ApiFamily = flags.global || config.options.region !== undefined ? 'global' : 'mainland';
  detail(io, `client: ${JSON.stringify(wxpay.toJSON())}`);
  detail(io, `downloading from ${family === 'global' ? '/v3/global/certificates' : '/v3/certificates'}`);
  try {
    // The SDK downloads, decrypts and trusts the set only when the reply verifies with one of them (or a known key).
    await wxpay.refreshCertificates(family);
    // The same list again, through a call whose reply the SDK verifies with the keys it now holds.
    const reply = family === 'global' ? await wxpay.v3.global.certificates.get() : await wxpay.v3.certificates.get();
    const apiv3Key = config.options.apiv3Key as string;
    const dir = resolve(flags.output);
    const saved: Array<{ file: string; certificate: X509Certificate }> = [];
    for (const item of reply.data) {
      const certificate = openItem(item, apiv3Key);
      const serial = wechatSerial(certificate);
      const trusted = wxpay.keyStore.find(serial);
      if (serial !== item.serial_no.toUpperCase() || trusted === undefined || !trusted.equals(certificate.publicKey)) {
        throw new SignatureVerificationError(
          'certificate not verified',
          `certificate ${serial} is not the one the SDK verified under serial ${item.serial_no}: nothing saved`,
        );
      }
      saved.push({ file: join(dir, `wechatpay_${serial}.pem`), certificate });
    }
    // Saved only once every certificate checked out, so a failure leaves no half-trusted set behind.
    mkdirSync(dir, { recursive: true });
    const now = Date.now();
    for (const { file, certificate } of saved) {
      writeFileSync(file, certificate.toString(), { mode: 0o644 });
      io.stdout.write(`${file}  serial ${wechatSerial(certificate)}  ${validityText(certificate, now)}\n`);
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

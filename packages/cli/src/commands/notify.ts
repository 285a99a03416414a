// `wxpay notify verify` / `verify-v2`: check and open a saved WeChat Pay notification, as a receiver would.
import type { Command } from 'commander';
import { SignatureVerificationError, Transformer, WxpayDecryptError, WxpayParseError } from 'wxpay';
import { type ConfigFlags, commandConfig, configOption, profileOption } from '../command-config.js';
import { isPlainObject } from '../config.js';
import { clientOf, type ResolvedConfig } from '../config-resolve.js';
import { UsageError } from '../errors.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_SIGNATURE } from '../exit-codes.js';
import { type CommandIO, detail, say } from '../io.js';
import { readFileOrStdin, readInputFile } from '../read-input.js';
import type { CommandRunner } from './payout.js';

interface VerifyFlags extends ConfigFlags {
  headers: string;
  body: string;
  anyAge?: boolean;
}

export function addNotifyCommands(program: Command, runner: CommandRunner): void {
  const notify = program
    .command('notify')
    .description('verify and open a saved notification (APIv3 JSON, or APIv2 XML)')
    .addHelpText(
      'after',
      `
Example:
  $ wxpay notify verify -c global.json --headers headers.json --body body.json
  $ wxpay notify verify-v2 -c merchant.json < notification.xml`,
    );

  notify
    .command('verify')
    .summary('verify and decrypt a saved APIv3 notification')
    .description(
      'verify an APIv3 notification (Wechatpay-* headers over the exact body bytes) and print its decrypted resource ' +
        'as JSON; the id, event type and summary go to stderr',
    )
    .addOption(configOption())
    .addOption(profileOption())
    .requiredOption('--headers <file.json>', 'the request headers, a JSON object (at least the Wechatpay-* ones)')
    .requiredOption('--body <file>', 'the request body, byte for byte as received')
    .option(
      '--any-age',
      'check the signature at the time the notification states (Wechatpay-Timestamp), for one saved long ago; ' +
        'without it, one older than the 300 s window (signatureTolerance) fails like a replay',
    )
    .addHelpText(
      'after',
      `
Example (a notification the sandbox delivered to your notify_url, saved as it arrived):
  $ cat headers.json
  {"wechatpay-timestamp":"1767225600","wechatpay-nonce":"...","wechatpay-serial":"...","wechatpay-signature":"..."}
  $ wxpay notify verify -c global.json --headers headers.json --body body.json --any-age
  {
    "out_trade_no": "...",
    "trade_state": "SUCCESS",
    ...

Exit status: 0 verified, the resource printed; 4 the signature does not verify (tampered, forged, another merchant's,
or too old without --any-age), or the resource does not decrypt (apiv3Key): nothing printed; ${EXIT_FAILURE} anything else.`,
    )
    .action((_flags: VerifyFlags, cmd: Command) => runner(cmd, (io) => notifyVerify(cmd.opts<VerifyFlags>(), io)));

  notify
    .command('verify-v2')
    .summary('verify a saved APIv2 notification (sign, or refund req_info)')
    .description(
      'verify an APIv2 notification read from stdin (or [file]) and print its fields as JSON: the sign is checked ' +
        'with the APIv2 key; a refund notification (req_info) is decrypted instead, as it carries no sign',
    )
    .argument('[file]', 'the notification XML (default: stdin)')
    .addOption(configOption())
    .addOption(profileOption())
    .addHelpText(
      'after',
      `
Example:
  $ wxpay notify verify-v2 -c merchant.json < notification.xml
  {
    "return_code": "SUCCESS",
    ...

Exit status: 0 verified (or decrypted), the fields printed; 4 the sign does not verify, or req_info does not decrypt
with the APIv2 key; ${EXIT_FAILURE} anything else.`,
    )
    .action((file: string | undefined, _flags: ConfigFlags, cmd: Command) =>
      runner(cmd, (io) => notifyVerifyV2(file, cmd.opts<ConfigFlags>(), io)),
    );
}

/** The saved headers: a JSON object of header names to values. */
function readHeaders(path: string): Record<string, string> {
  const text = readInputFile(path, '--headers')
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError('--headers', `${path} is not JSON`);
  }
  if (!isPlainObject(value)) {
    throw new UsageError('--headers', 'a JSON object of header names and values, e.g. {"wechatpay-serial": "..."}');
  }
  const headers: Record<string, string> = {};
  for (const [name, entry] of Object.entries(value)) {
    if (typeof entry !== 'string' && typeof entry !== 'number') {
      throw new UsageError('--headers', `the value of ${JSON.stringify(name.slice(0, 64))} is not a string`);
    }
    headers[name] = String(entry);
  }
  return headers;
}

function header(headers: Record<string, string>, name: string): string | undefined {
  return Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
}

/** With --any-age the client's clock reads the notification's own timestamp, so the window check always passes. */
function atNotificationTime(config: ResolvedConfig, headers: Record<string, string>): ResolvedConfig {
  const timestamp = header(headers, 'wechatpay-timestamp');
  // A missing or malformed timestamp is left for the verification to refuse.
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return config;
  return { ...config, options: { ...config.options, clock: () => Number(timestamp) * 1000 } };
}

async function notifyVerify(flags: VerifyFlags, io: CommandIO): Promise<number> {
  const headers = readHeaders(flags.headers);
  const body = readInputFile(flags.body, '--body');
  const config = commandConfig(flags, io);
  const wxpay = clientOf(flags.anyAge ? atNotificationTime(config, headers) : config);
  detail(io, `client: ${JSON.stringify(wxpay.toJSON())}`);
  try {
    const notification = await wxpay.parseNotification({ headers, body });
    say(
      io,
      `verified: notification ${notification.id}, ${notification.event_type} (${notification.summary}), ` +
        `created ${notification.create_time}`,
    );
    io.stdout.write(`${JSON.stringify(notification.resource, null, 2)}\n`);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof SignatureVerificationError) {
      say(io, `wxpay: ${error.message}: the notification is not authentic as saved; nothing printed`);
      return EXIT_SIGNATURE;
    }
    if (error instanceof WxpayDecryptError) {
      say(io, `wxpay: the signature verified, but the resource does not open: ${error.message} (check apiv3Key)`);
      return EXIT_SIGNATURE;
    }
    throw error;
  } finally {
    await wxpay.close();
  }
}

async function notifyVerifyV2(file: string | undefined, flags: ConfigFlags, io: CommandIO): Promise<number> {
  const config = commandConfig(flags, io);
  if (file === undefined && process.stdin.isTTY) say(io, 'reading the notification XML from stdin (Ctrl+D to end)');
  const xml = await readFileOrStdin(file, '[file]');
  let outer: ReturnType<typeof Transformer.toObject>;
  try {
    outer = Transformer.toObject(xml);
  } catch (error) {
    if (error instanceof WxpayParseError)
      throw new UsageError(file ?? 'stdin', `not an APIv2 notification: ${error.message}`);
    throw error;
  }
  const wxpay = clientOf(config);
  try {
    if (outer.req_info !== undefined) {
      const refund = wxpay.parseV2RefundNotification(xml);
      say(
        io,
        'decrypted: req_info opens with the APIv2 key. A refund notification has no sign and its encryption (ECB) ' +
          'does not authenticate it: confirm the refund with a refund query before acting on it',
      );
      io.stdout.write(`${JSON.stringify(refund, null, 2)}\n`);
    } else {
      const fields = wxpay.parseV2Notification(xml);
      say(io, `verified: sign (${fields.sign_type ?? 'MD5'}) checked with the APIv2 key`);
      io.stdout.write(`${JSON.stringify(fields, null, 2)}\n`);
    }
    return EXIT_OK;
  } catch (error) {
    if (error instanceof SignatureVerificationError || error instanceof WxpayDecryptError) {
      say(io, `wxpay: ${error.message}: the notification is not authentic as given; nothing printed`);
      return EXIT_SIGNATURE;
    }
    if (error instanceof WxpayParseError) {
      throw new UsageError(file ?? 'stdin', `not an APIv2 notification: ${error.message}`);
    }
    throw error;
  } finally {
    await wxpay.close();
  }
}

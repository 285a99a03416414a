// `wxpay xml`: APIv2 XML to JSON and back, through the SDK's hardened parser and builder (stdin to stdout).
import { type Command, Option } from 'commander';
import { Transformer, ValidationError, WxpayParseError } from 'wxpay';
import { isPlainObject } from '../config.js';
import { EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import { type CommandIO, say } from '../io.js';
import { readFileOrStdin } from '../read-input.js';
import type { CommandRunner } from './payout.js';

interface XmlFlags {
  to?: 'json' | 'xml';
}

export function addXmlCommand(program: Command, runner: CommandRunner): void {
  program
    .command('xml')
    .summary('APIv2 XML to JSON, or JSON fields to XML (stdin to stdout)')
    .description(
      'convert an APIv2 <xml> document to JSON, or a JSON object of fields to <xml> (stdin, or [file], to stdout); ' +
        'the direction follows the input (< or {) unless --to says it',
    )
    .argument('[file]', 'the input (default: stdin)')
    .addOption(new Option('--to <format>', 'the output format').choices(['json', 'xml']))
    .addHelpText(
      'after',
      `
Example:
  $ echo '<xml><return_code><![CDATA[SUCCESS]]></return_code><total_amount>100</total_amount></xml>' | wxpay xml
  {
    "return_code": "SUCCESS",
    "total_amount": "100"
  }
  $ echo '{"mch_billno":"0010010404201411170000046545","total_amount":100}' | wxpay xml
  <xml><mch_billno>0010010404201411170000046545</mch_billno><total_amount>100</total_amount></xml>

The parser refuses DTDs and entities, caps the size at 1 MiB and keeps every value an exact string. JSON to XML takes
flat fields (strings and numbers), as APIv2 requests are.

Exit status: 0 converted; ${EXIT_USAGE} the input is not what the direction needs.`,
    )
    .action((file: string | undefined, _flags: XmlFlags, cmd: Command) =>
      runner(cmd, (io) => convertXml(file, cmd.opts<XmlFlags>(), io)),
    );
}

/** XML opens with `<` (a declaration, a comment or the root), JSON with `{`; anything else is neither. */
function detect(text: string): 'json' | 'xml' | undefined {
  const first = text.replace(/^\uFEFF/, '').trimStart()[0];
  if (first === '<') return 'json';
  if (first === '{') return 'xml';
  return undefined;
}

async function convertXml(file: string | undefined, flags: XmlFlags, io: CommandIO): Promise<number> {
  if (file === undefined && process.stdin.isTTY) say(io, 'reading XML or JSON from stdin (Ctrl+D to end)');
  const input = await readFileOrStdin(file, '[file]');
  const text = input.toString('utf8');
  const to = flags.to ?? detect(text);
  const fail = (message: string) => {
    say(io, `wxpay: ${message}`);
    return EXIT_USAGE;
  };
  if (to === undefined) return fail('the input is neither XML (starting with <) nor a JSON object (starting with {)');
  try {
    if (to === 'json') {
      // Bytes, not text: the parser applies its size cap and UTF-8 check to what was given.
      io.stdout.write(`${JSON.stringify(Transformer.toObject(input), null, 2)}\n`);
      return EXIT_OK;
    }
    let fields: unknown;
    try {
      fields = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch {
      return fail('the input is not JSON');
    }
    if (!isPlainObject(fields)) {
      return fail('the JSON is not an object of fields');
    }
    io.stdout.write(`${Transformer.toXml(fields)}\n`);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof WxpayParseError) return fail(`not APIv2 XML: ${error.message}`);
    if (error instanceof ValidationError) return fail(`${error.field}: ${error.rule}`);
    throw error;
  }
}

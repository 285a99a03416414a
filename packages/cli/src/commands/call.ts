// `wxpay <path>` (also `wxpay call <path>`): call any WeChat Pay endpoint, the default command of the program.
import { type Command, Option } from 'commander';
import { configOption, profileOption } from '../command-config.js';
import { type CallFlags, collect, METHODS, methodFlag } from './call-input.js';
import { runCall } from './call-run.js';
import type { CommandRunner } from './payout.js';

export function addCallCommand(program: Command, runner: CommandRunner): void {
  program
    .command('call', { isDefault: true })
    .description('call any endpoint: `wxpay <path>` is short for `wxpay call <path>`; the reply is printed as JSON')
    .argument('<path>', 'v2/... or v3/..., slash or dot form; {name} or _name_ segments are path parameters')
    .addOption(
      new Option(
        '-m, --method <method>',
        `${METHODS.join(', ')} (default: POST for v2; v3: GET, POST with -d)`,
      ).argParser(methodFlag),
    )
    .option(
      '-d, --data <json|@file|key=value>',
      'the body: JSON, @file.json, or key=value (key:=json) pairs, repeated; for v2 the XML fields',
      collect,
    )
    .option('-q, --query <key=value>', 'a query parameter (repeat the flag for more)', collect)
    .option('-p, --param <name=value>', 'a path parameter, e.g. -p id=4200000001 for {id}', collect)
    .option('-H, --header <Name: value>', 'an extra request header', collect)
    .option('--security', 'present the merchant API certificate (v2; default: what the endpoint needs)')
    .addOption(configOption())
    .addOption(profileOption())
    .option('--base-url <url>', 'send to this host instead (e.g. the sandbox); over the config and WXPAY_BASE_URL')
    .addOption(new Option('--json', 'the reply as one line of JSON').conflicts('raw'))
    .option('--raw', 'the reply body exactly as received (XML for v2)')
    .addHelpText(
      'after',
      `
Examples (the sandbox's merchants 10000098 and 1900000109):
  $ wxpay v2/mmpaymkttransfers/gethbinfo -c merchant.json -d mch_billno=10000098201411111234567890 -d bill_type=MCHT \\
      -d appid=wx8888888888888888
  $ wxpay v3.global.transactions.id.{id} -p id=4200000001202611250000000001 -q mchid=1900000109 -c global.json
  $ wxpay v3/global/transactions/native -c global.json -d @order.json --json
  $ wxpay v2/mmpaymkttransfers/gethbinfo --profile prod -d @query.json --raw -v

Exit status: 0 success; 2 bad command line or request field (the flag or field is named); 3 WeChat Pay said no
(one JSON line on stderr: err_code or code, message, outcome, requestId); 4 the reply failed signature verification;
5 the connection failed (the message says whether the request may have been sent); 78 configuration error;
1 anything else.`,
    )
    .action((path: string, _flags: CallFlags, cmd: Command) =>
      runner(cmd, (io) => runCall(path, cmd.opts<CallFlags>(), io)),
    );
}

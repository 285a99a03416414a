// `wxpay <path>`: one call of any endpoint through the SDK; the reply on stdout, -v's exchange and failures on stderr.
import { ValidationError, type Wxpay } from 'wxpay';
import { commandConfig } from '../command-config.js';
import { clientOf, optionProblem } from '../config-resolve.js';
import { type ExchangeHandlers, observeExchanges } from '../exchange-log.js';
import { EXIT_OK } from '../exit-codes.js';
import { type CommandIO, detail } from '../io.js';
import { pacedWriter } from '../output.js';
import { jsonLine, prettyJson, wantsColor } from '../output-json.js';
import { redactHeader, redactSecrets, redactXmlSignatures } from '../redact.js';
import { type CallFlags, callRequest } from './call-input.js';
import { reportCallFailure } from './call-report.js';

/** Controls (but tab and newline) as escapes: a reply's bytes must not drive the terminal -v writes to. */
function printable(line: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is escaped.
  return line.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** -v's account of each exchange, curl style: `>` what was sent, `<` what came back, `!` a failure. */
function exchangePrinter(io: CommandIO, secrets: () => readonly string[]): ExchangeHandlers {
  if (!io.verbose) return {};
  const show = (prefix: string, text: string) => {
    for (const line of redactSecrets(text, secrets()).split('\n')) {
      io.stderr.write(line === '' ? `${prefix.trimEnd()}\n` : `${prefix}${printable(line)}\n`);
    }
  };
  const headers = (prefix: string, list: ReadonlyArray<[string, string]>) => {
    for (const [name, value] of list) show(prefix, `${name}: ${redactHeader(name, value)}`);
  };
  return {
    request(request) {
      show('> ', `${request.method} ${request.url}`);
      headers('> ', request.headers);
      if (request.body !== '') show('> ', `\n${redactXmlSignatures(request.body)}`);
    },
    response(response) {
      show('< ', String(response.status));
      headers('< ', response.headers);
      if (response.body !== '') show('< ', `\n${redactXmlSignatures(response.body)}`);
      const shown = Buffer.byteLength(response.body);
      if (shown < response.bodyBytes) show('< ', `[${response.bodyBytes - shown} more bytes not shown]`);
    },
    failure(message) {
      show('! ', message);
    },
  };
}

export async function runCall(pathArgument: string, flags: CallFlags, io: CommandIO): Promise<number> {
  let secrets: readonly string[] = [];
  let params: readonly string[] = [];
  let wxpay: Wxpay | undefined;
  const observer = observeExchanges(exchangePrinter(io, () => secrets));
  try {
    const request = callRequest(pathArgument, flags, process.cwd());
    params = request.params;
    const config = commandConfig(flags, io, flags.baseUrl);
    secrets = config.secrets;
    wxpay = clientOf(config);
    detail(io, `client: ${JSON.stringify(wxpay.toJSON())}`);
    detail(io, `call: ${request.method} ${request.path}`);
    const node = wxpay.chain(request.path);
    const { data, response } = await node[request.verb](request.options)
      .withResponse()
      .catch((error: unknown) => {
        // An option the call needs (the APIv2 key, the private key): say where it belongs.
        if (error instanceof ValidationError && error.field.startsWith('options')) throw optionProblem(config, error);
        throw error;
      });
    const out = pacedWriter(io.stdout);
    if (flags.raw) {
      await out.write(response.body);
    } else if (data !== undefined) {
      const color = wantsColor(io.stdout as { isTTY?: boolean }, io.env);
      await out.write(`${flags.json ? jsonLine(data) : prettyJson(data, color)}\n`);
    }
    return EXIT_OK;
  } catch (error) {
    return reportCallFailure(error, io, { params, secrets, requestId: observer.requestId });
  } finally {
    observer.stop();
    await wxpay?.close();
  }
}

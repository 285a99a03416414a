// `wxpay <path>` against servers that misbehave: a tampered reply (exit 4), no connection or a cut one (exit 5, saying
// whether the request may have been sent), an unreadable reply (exit 1). Runs the BUILT binary.
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, callEnv, GLOBAL_MCHID, secretsOf, type TinyServer, tinyServer } from './support/call-support.js';
import { type CliSandbox, startCliSandbox } from './support/cli-sandbox.js';

let cli: CliSandbox;
let env: NodeJS.ProcessEnv;
let globalConfig: string;
const servers: TinyServer[] = [];

beforeAll(async () => {
  cli = await startCliSandbox();
  const home = join(cli.dir, 'home');
  mkdirSync(home);
  env = callEnv(home);
  globalConfig = cli.file('global.json', JSON.stringify(cli.sandbox.merchantConfig(GLOBAL_MCHID)));
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await cli?.close();
});

const run = (args: readonly string[]) => call(args, cli.dir, env);

async function serve(handle: Parameters<typeof tinyServer>[1]): Promise<TinyServer> {
  const server = await tinyServer(cli.sandbox, handle);
  servers.push(server);
  return server;
}

/** An uncatalogued APIv2 query: its successful reply must carry a valid sign all the same. */
const V2_QUERY = ['v2/pay/orderquery', '-d', 'out_trade_no=1217752501201407033233368018'];

describe('wxpay <path>: replies that cannot be trusted, connections that fail', () => {
  it('exits 4 when an APIv2 reply carries a wrong sign, and shows none of its data', async () => {
    const server = await serve((_request, _body, response) => {
      response.setHeader('content-type', 'text/xml');
      response.end(
        '<xml><return_code>SUCCESS</return_code><result_code>SUCCESS</result_code>' +
          '<trade_state>SUCCESS</trade_state><sign>0123456789ABCDEF0123456789ABCDEF</sign></xml>',
      );
    });
    const result = await run([...V2_QUERY, '-c', cli.configPath, '--base-url', server.url]);
    expect(server.requests).toEqual(['POST /pay/orderquery']);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/signature verification failed: sign mismatch: the reply is not trusted/);
    expect(result.stderr).toContain('the request may have been processed');
  });

  it('exits 4 when an APIv3 reply is signed wrongly', async () => {
    const serial = Object.keys(cli.sandbox.merchantConfig(GLOBAL_MCHID).certs).find((k) => !k.startsWith('PUB_KEY'));
    const server = await serve((_request, _body, response) => {
      response.setHeader('content-type', 'application/json');
      response.setHeader('request-id', '0123456789ABCDEF0123456789ABCDEF');
      response.setHeader('wechatpay-serial', serial as string);
      response.setHeader('wechatpay-timestamp', String(Math.floor(Date.now() / 1000)));
      response.setHeader('wechatpay-nonce', 'tampered');
      response.setHeader('wechatpay-signature', Buffer.alloc(256, 7).toString('base64'));
      response.end('{"id":"4200000000000000000000000000","trade_state":"SUCCESS"}');
    });
    const result = await run([
      'v3/global/transactions/id/{id}',
      ...['-p', 'id=4200000000000000000000000000', '-q', `mchid=${GLOBAL_MCHID}`],
      ...['-c', globalConfig, '--base-url', server.url],
    ]);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^wxpay: signature verification failed/m);
  });

  it('exits 5 saying the request was not sent when nothing listens', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const result = await run([...V2_QUERY, '-c', cli.configPath, '--base-url', `https://127.0.0.1:${port}`]);
    expect(result.code).toBe(5);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/ECONNREFUSED.*the request was not sent: it is safe to send again/);
  });

  it('exits 5 saying the request may have been sent when the connection drops after it', async () => {
    const server = await serve((request) => {
      request.socket.destroy();
    });
    const result = await run([...V2_QUERY, '-c', cli.configPath, '--base-url', server.url]);
    expect(server.requests).toEqual(['POST /pay/orderquery']);
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/the request may have been sent, and processed: query before sending it again/);
  });

  it('exits 1 for a reply that is not what the protocol promises, and -v shows it without secrets', async () => {
    // A server that echoes the APIv2 key: -v must still not print it.
    const { secret } = cli.sandbox.merchantConfig('10000098');
    const server = await serve((_request, _body, response) => {
      response.statusCode = 502;
      response.setHeader('content-type', 'text/html');
      response.end(`<html>Bad Gateway ${secret}\u001b[2J</html>`);
    });
    const result = await run([...V2_QUERY, '-c', cli.configPath, '--base-url', server.url, '-v']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^wxpay: HTTP 502 instead of an XML reply \(outcome unknown/m);
    expect(result.stderr).toMatch(/^< 502$/m);
    // The reply's escape sequence is shown, not sent to the terminal.
    expect(result.stderr).toContain('< <html>Bad Gateway [redacted]\\u001b[2J</html>');
    expect(result.stderr).toMatch(/<sign>\[redacted\]<\/sign>/);
    for (const secret of secretsOf(cli.sandbox, '10000098')) expect(result.stderr).not.toContain(secret);
  });
});

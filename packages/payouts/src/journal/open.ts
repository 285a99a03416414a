// Opens the journal a run names: a PostgreSQL URL, or else the path of a SQLite file.
import type { Journal } from './journal.js';

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;

/**
 * `postgres://...` or `postgresql://...` opens PostgreSQL; anything else is a SQLite file path. Each store is loaded
 * only when named, so a machine that uses one never needs the other's driver to load.
 */
export async function openJournal(spec: string): Promise<Journal> {
  if (POSTGRES_URL.test(spec)) {
    const { openPostgresJournal } = await import('./postgres.js');
    return openPostgresJournal(spec);
  }
  const { openSqliteJournal } = await import('./sqlite.js');
  return openSqliteJournal(spec);
}

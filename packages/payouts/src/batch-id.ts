// Batch ids: given, or derived from the input's file name (never its content, so a changed file under the same name is
// caught as a changed batch instead of silently becoming a second one).
import { basename, extname } from 'node:path';

const BATCH_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkBatchId(id: string): string | undefined {
  return BATCH_ID.test(id) ? undefined : 'batch id: 1-64 characters [A-Za-z0-9._-], starting with a letter or digit';
}

export function defaultBatchId(sourceName: string): string {
  const stem = basename(sourceName, extname(sourceName))
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '');
  return (stem || 'batch').slice(0, 64);
}

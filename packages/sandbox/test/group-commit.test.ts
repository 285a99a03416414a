// Tests for group commit: calls of one event-loop turn share a commit, and none is answered before it is committed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommit } from '../src/group-commit.js';
import { openStore, type Store } from '../src/store.js';

let dir: string;
let store: Store;
let groups: GroupCommit;
/** A second connection to the same file: it sees only what is committed. */
let observer: Database.Database;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wxpay-group-commit-'));
  store = openStore(dir);
  groups = new GroupCommit(store);
  observer = new Database(join(dir, 'sandbox.db'), { readonly: true });
});

afterEach(() => {
  observer.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function committed(key: string): string | undefined {
  return observer.prepare<[string], { value: string }>('SELECT value FROM kv WHERE key = ?').get(key)?.value;
}

function write(key: string): () => string {
  return () => {
    store.setKv(key, 'v');
    return key;
  };
}

describe('GroupCommit', () => {
  it('answers the calls of one turn after their shared commit, and not before', async () => {
    const replies = [groups.run(write('a')), groups.run(write('b')), groups.run(write('c'))];
    // Handled, not yet committed: another connection sees none of it.
    expect(['a', 'b', 'c'].map(committed)).toEqual([undefined, undefined, undefined]);
    const seenAtReply = await Promise.all(
      replies.map((reply) => reply.then((key) => ({ key, committed: committed(key) }))),
    );
    expect(seenAtReply).toEqual([
      { key: 'a', committed: 'v' },
      { key: 'b', committed: 'v' },
      { key: 'c', committed: 'v' },
    ]);
  });

  it('undoes only the writes of a call that throws', async () => {
    const first = groups.run(write('kept-1'));
    expect(() =>
      groups.run(() => {
        store.setKv('undone', 'v');
        throw new Error('handler failed');
      }),
    ).toThrow('handler failed');
    const last = groups.run(write('kept-2'));
    await Promise.all([first, last]);
    expect([committed('kept-1'), committed('undone'), committed('kept-2')]).toEqual(['v', undefined, 'v']);
  });

  it('starts a new transaction in a later turn', async () => {
    await groups.run(write('first-turn'));
    expect(store.db.inTransaction).toBe(false);
    await groups.run(write('second-turn'));
    expect(committed('second-turn')).toBe('v');
  });

  it('settled() waits for the open turn, and is immediate when none is open', async () => {
    await expect(groups.settled()).resolves.toBeUndefined();
    void groups.run(write('pending'));
    // Written inside the open turn by code that does not go through run() (an admin action, say).
    store.setKv('admin', 'v');
    expect(committed('admin')).toBeUndefined();
    await groups.settled();
    expect(committed('admin')).toBe('v');
  });

  it('never answers as committed what SQLite rolled back', async () => {
    const reply = groups.run(write('lost'));
    // As an I/O error or a full disk would: the whole transaction is gone before the turn ends.
    store.db.exec('ROLLBACK');
    await expect(reply).rejects.toThrow(/rolled back/);
    expect(committed('lost')).toBeUndefined();
    // The next turn works again.
    await groups.run(write('after'));
    expect(committed('after')).toBe('v');
  });

  it('keeps a lost turn apart from the next one opened in the same turn', async () => {
    const lost = groups.run(write('lost'));
    store.db.exec('ROLLBACK');
    const next = groups.run(write('next'));
    await expect(lost).rejects.toThrow(/rolled back/);
    await expect(next).resolves.toBe('next');
    expect([committed('lost'), committed('next')]).toEqual([undefined, 'v']);
  });
});

// Planning: every bad row reported before anything is sent; numbers fixed per batch and row; a changed input or
// changed settings refused, naming the first difference; input already paid as another batch refused.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchTag, businessNumber } from '../src/business-number.js';
import { BatchChangedError, PayoutConfigError, PayoutInputError } from '../src/errors.js';
import { arraySource, fileSource } from '../src/input/source.js';
import type { Journal } from '../src/journal/journal.js';
import { openSqliteJournal } from '../src/journal/sqlite.js';
import { payoutKinds } from '../src/kinds/index.js';
import { PlanningStopped, planBatch } from '../src/plan.js';
import { journalWith } from './support/journal-with.js';

let dir: string;
let journal: Journal;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wxpay-plan-'));
  journal = openSqliteJournal(join(dir, 'journal.db'));
});
afterEach(async () => {
  await journal.close();
  rmSync(dir, { recursive: true, force: true });
});

const settings = { kind: 'redpack' as const, mchid: '1900000109', appid: 'wx8888888888888888', clientIp: '127.0.0.1' };
const defaults = { send_name: 'shop', wishing: 'thanks', act_name: 'lantern', remark: 'more' };
const plan = (source: ReturnType<typeof fileSource>, extra: Partial<Parameters<typeof planBatch>[0]> = {}) =>
  planBatch({ journal, source, kind: payoutKinds.redpack, settings, defaults, batchId: 'b1', now: 1, ...extra });
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return fileSource(path);
};

describe('business numbers', () => {
  it('are the batch tag and the row in ten digits: 22 characters of [0-9A-Za-z], the same on every run', () => {
    const tag = batchTag('1900000109', 'lantern-2026');
    expect(tag).toBe(batchTag('1900000109', 'lantern-2026'));
    expect(tag).not.toBe(batchTag('1900000109', 'lantern-2027'));
    expect(tag).not.toBe(batchTag('1900000110', 'lantern-2026'));
    expect(businessNumber(tag, 7)).toMatch(/^[0-9A-Za-z]{12}0000000007$/);
    expect(() => businessNumber(tag, 0)).toThrow(RangeError);
  });
});

describe('planBatch', () => {
  it('writes every row as pending with its number, once', async () => {
    const source = file('a.csv', 'openid,amount,wishing\no1,100,\no2,200,新年快乐\n');
    await plan(source);
    await plan(source);
    const rows = await journal.rows('b1', 1, 10);
    const tag = batchTag(settings.mchid, 'b1');
    expect(rows.map((r) => [r.row, r.number, r.openid, r.amount, r.state])).toEqual([
      [1, businessNumber(tag, 1), 'o1', 100, 'pending'],
      [2, businessNumber(tag, 2), 'o2', 200, 'pending'],
    ]);
    expect(JSON.parse(rows[1]?.data ?? '').fields.wishing).toBe('新年快乐');
    expect(JSON.parse(rows[0]?.data ?? '').fields.wishing).toBe('thanks');
  });

  it('stores each row as canonical JSON and fingerprints the batch with it, as journals written before hold them', async () => {
    // A batch planned by an earlier version must still match its input: the text is fixed, key order and escaping too.
    const source = file('c.csv', 'openid,amount,wishing,remark\no1,100,"say ""hi""\t",\n"o""2",250,,新\u2028年\n');
    const stored = await plan(source);
    const canonical = (openid: string, amount: number, fields: Record<string, string>) =>
      JSON.stringify({
        openid,
        amount,
        fields: Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1))),
      });
    const expected = [
      canonical('o1', 100, { ...defaults, wishing: 'say "hi"\t' }),
      canonical('o"2', 250, { ...defaults, remark: '新\u2028年' }),
    ];
    expect((await journal.rows('b1', 1, 10)).map((r) => r.data)).toEqual(expected);
    expect(expected[0]).toBe(
      '{"openid":"o1","amount":100,"fields":{"act_name":"lantern","remark":"more","send_name":"shop","wishing":"say \\"hi\\"\\t"}}',
    );
    expect(stored.inputHash).toBe(
      createHash('sha256')
        .update(expected.map((json) => `${json}\n`).join(''))
        .digest('hex'),
    );
  });

  it('reports every bad row with line, column and rule, and writes nothing', async () => {
    const source = file('bad.csv', 'openid,amount,scene_id\n,100,\no2,1.5,\no3,100,PRODUCT_9\no4,30000,\no5,100,\n');
    const error = await plan(source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayoutInputError);
    expect((error as PayoutInputError).problems).toEqual([
      { line: 2, field: 'openid', rule: 'required' },
      { line: 3, field: 'amount', rule: 'integer fen (digits only, e.g. 100 for 1 yuan)' },
      { line: 4, field: 'scene_id', rule: expect.stringMatching(/^one of PRODUCT_1/) },
      { line: 5, field: 'scene_id', rule: expect.stringMatching(/^required when total_amount/) },
    ]);
    expect(await journal.batch('b1')).toBeUndefined();
  });

  it('hands every problem to onProblem, however many, and keeps the first 100 in the error', async () => {
    const rows = Array.from({ length: 250 }, (_, i) => `o${i},x`).join('\n');
    const seen: number[] = [];
    const error = (await plan(file('many.csv', `openid,amount\n${rows}\n`), {
      onProblem: (p) => seen.push(p.line),
    }).catch((e: unknown) => e)) as PayoutInputError;
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => i + 2));
    expect(error.total).toBe(250);
    expect(error.problems).toHaveLength(100);
    expect(error.message).toMatch(/and 150 more/);
  });

  it('stops between rows when its signal aborts, with nothing planned yet', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(plan(file('stop.csv', 'openid,amount\no1,100\n'), { signal: controller.signal })).rejects.toThrow(
      PlanningStopped,
    );
    expect(await journal.batch('b1')).toBeUndefined();
  });

  it('refuses unknown columns, rows of the wrong width and an empty file', async () => {
    await expect(plan(file('c.csv', 'openid,amount,wishes\no1,100,x\n'))).rejects.toMatchObject({
      problems: [{ line: 2, field: 'wishes', rule: expect.stringMatching(/^not a column of kind redpack/) }],
    });
    await expect(plan(file('d.csv', 'openid,amount\no1,100,x\n'))).rejects.toMatchObject({
      problems: [{ line: 2, field: 'row', rule: '2 values (as the header), found 3' }],
    });
    await expect(plan(file('e.csv', 'openid,amount\n'))).rejects.toMatchObject({
      problems: [{ line: 1, field: 'rows', rule: 'at least one row' }],
    });
  });

  it('names a setting that breaks a rule as a configuration error', async () => {
    await expect(
      plan(file('f.csv', 'openid,amount\no1,100\n'), { settings: { ...settings, clientIp: 'x' } }),
    ).rejects.toThrow(PayoutConfigError);
  });

  it('refuses a changed file under the same batch, naming the first differing row and column', async () => {
    await plan(file('g.csv', 'openid,amount\no1,100\no2,200\no3,300\n'));
    await expect(plan(file('g.csv', 'openid,amount\no1,100\no2,250\no3,300\n'))).rejects.toThrow(
      new BatchChangedError('b1', 'row 2 (line 3) differs in amount'),
    );
    await expect(plan(file('g.csv', 'openid,amount\no1,100\no2,200\no3,300\no4,100\n'))).rejects.toThrow(
      /row 4 \(line 5\) is not in the batch/,
    );
    await expect(plan(file('g.csv', 'openid,amount\no1,100\no2,200\n'))).rejects.toThrow(/the batch has 3 rows/);
    await expect(
      plan(file('g.csv', 'openid,amount\no1,100\no2,200\no3,300\n'), { defaults: { ...defaults, wishing: 'other' } }),
    ).rejects.toThrow(/row 1 \(line 2\) differs in wishing/);
    await expect(
      plan(file('g.csv', 'openid,amount\no1,100\no2,200\no3,300\n'), { settings: { ...settings, appid: 'wx1' } }),
    ).rejects.toThrow(/settings differ/);
  });

  it('never plans a batch whose input changed between the check and the writing of its rows', async () => {
    let reads = 0;
    const shifting = {
      name: 'shifting',
      async *records() {
        reads++;
        yield { line: 2, values: { openid: 'o1', amount: reads === 1 ? 100 : 999 } };
      },
    };
    await expect(plan(shifting)).rejects.toThrow(/changed while it was being read/);
    expect((await journal.batch('b1'))?.planned).toBe(false);
  });

  it('never plans a row that changed after the check into one that breaks the field rules', async () => {
    // The writing read does not check the rules again: what it wrote must hash to what the check read.
    let reads = 0;
    const shifting = {
      name: 'shifting',
      async *records() {
        reads++;
        yield { line: 2, values: { openid: 'o1', amount: reads === 1 ? 100 : 1 } };
      },
    };
    const refused = await plan(shifting, { batchId: 'b2' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BatchChangedError);
    expect(String(refused)).toMatch(/changed while it was being read/);
    expect((await journal.batch('b2'))?.planned).toBe(false);
  });

  it('never plans rows a read that changed wrote, even when the input is changed back', async () => {
    // A read that changed is refused only after its rows are written, and the journal never changes a stored row:
    // the rows must be checked where they are, not in the file.
    let reads = 0;
    const shifting = {
      name: 'shifting',
      async *records() {
        reads++;
        yield { line: 2, values: { openid: 'o1', amount: reads === 2 ? 19999 : 100 } };
      },
    };
    await expect(plan(shifting, { batchId: 'b3' })).rejects.toThrow(BatchChangedError);
    const again = await plan(shifting, { batchId: 'b3' }).catch((error: unknown) => error);
    expect(again).toBeInstanceOf(BatchChangedError);
    expect(String(again)).toMatch(/row 1 .*written by a read of other input/);
    expect((await journal.batch('b3'))?.planned).toBe(false);
    // A row the changed read added is as much in the journal.
    let longReads = 0;
    const growing = {
      name: 'growing',
      async *records() {
        longReads++;
        yield { line: 2, values: { openid: 'g1', amount: 100 } };
        if (longReads === 2) yield { line: 3, values: { openid: 'g2', amount: 19999 } };
      },
    };
    await expect(plan(growing, { batchId: 'b4' })).rejects.toThrow(BatchChangedError);
    await expect(plan(growing, { batchId: 'b4' })).rejects.toThrow(/holds rows beyond the input's 1/);
    expect((await journal.batch('b4'))?.planned).toBe(false);
  });

  it('refuses input another batch already paid, unless allowed', async () => {
    const rows = [{ openid: 'o1', amount: 100 }];
    await plan(arraySource('code', rows), { batchId: 'first' });
    await expect(plan(arraySource('code', rows), { batchId: 'second' })).rejects.toThrow(/already run as batch first/);
    await plan(arraySource('code', rows), { batchId: 'second', allowRepeat: true });
    expect((await journal.batch('second'))?.planned).toBe(true);
  });

  it('takes a batch another process created while this one looked as the same batch, not as a repeat', async () => {
    const rows = [{ openid: 'o1', amount: 100 }];
    // Another worker of the same batch got there first: it created and planned `shared`...
    await plan(arraySource('code', rows), { batchId: 'shared' });
    // ...just after this one's `batch()` found nothing.
    let looked = false;
    const racing = journalWith(journal, {
      batch: async (id) => {
        if (looked) return journal.batch(id);
        looked = true;
        return undefined;
      },
    });
    const planned = await planBatch({
      journal: racing,
      source: arraySource('code', rows),
      kind: payoutKinds.redpack,
      settings,
      defaults,
      batchId: 'shared',
      now: 2,
    });
    expect(looked).toBe(true);
    expect(planned).toMatchObject({ id: 'shared', planned: true });
  });
});

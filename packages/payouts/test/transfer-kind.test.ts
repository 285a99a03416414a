// The `transfer` adapter on its own: how each APIv3 answer maps to a row's outcome, what a bill means for its row, the
// scene report column, and a journal made before the `detail` column gaining it when opened.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { WxpayAPIError } from 'wxpay';
import { journalTables } from '../src/journal/schema.js';
import { openSqliteJournal } from '../src/journal/sqlite.js';
import { parseReportInfos, transferKind } from '../src/kinds/transfer.js';
import { classifySendError } from '../src/send-outcome.js';

const apiError = (status: number, code: string) =>
  new WxpayAPIError({ status, code, apiMessage: `${code} message`, body: JSON.stringify({ code }) });

describe('transfer: what each APIv3 answer means for the row', () => {
  it.each([
    [403, 'NOT_ENOUGH', { kind: 'stop', reason: 'notenough' }],
    [429, 'FREQUENCY_LIMITED', { kind: 'backoff' }],
    [429, 'RATELIMIT_EXCEEDED', { kind: 'backoff' }],
    [500, 'SYSTEM_ERROR', { kind: 'unknown' }],
    [502, 'BAD_GATEWAY', { kind: 'unknown' }],
    // A number resent with other fields, a scene not granted, an appid not bound: a person must look, no new number.
    [400, 'INVALID_REQUEST', { kind: 'stop', reason: 'config' }],
    // Every row passed the kind's rules: what is left (a scene report, a key) is the configuration's.
    [400, 'PARAM_ERROR', { kind: 'stop', reason: 'config' }],
    [403, 'NO_AUTH', { kind: 'stop', reason: 'config' }],
    [401, 'SIGN_ERROR', { kind: 'stop', reason: 'config' }],
    [400, 'SOME_ROW_REFUSAL', { kind: 'failed' }],
  ] as const)('%i %s', (status, code, expected) => {
    expect(classifySendError(apiError(status, code))).toEqual({ ...expected, code, message: `${code} message` });
  });

  it('a bill that may still pay is sent (with package_info); a FAIL or CANCELLED one is failed', () => {
    expect(transferKind.accepted({ transfer_bill_no: 'B1', state: 'WAIT_USER_CONFIRM', package_info: 'pkg' })).toEqual({
      state: 'sent',
      wxId: 'B1',
      status: 'WAIT_USER_CONFIRM',
      detail: 'pkg',
    });
    expect(transferKind.accepted({ transfer_bill_no: 'B2', state: 'ACCEPTED' })).toEqual({
      state: 'sent',
      wxId: 'B2',
      status: 'ACCEPTED',
    });
    expect(transferKind.accepted({ transfer_bill_no: 'B3', state: 'FAIL', fail_reason: 'OPENID_INVALID' })).toEqual({
      state: 'failed',
      code: 'OPENID_INVALID',
      message: 'transfer bill B3 is FAIL',
    });
    expect(transferKind.accepted({ transfer_bill_no: 'B4', state: 'CANCELLED' })).toMatchObject({
      state: 'failed',
      code: 'CANCELLED',
    });
  });
});

describe('transfer: the report_info column', () => {
  it('takes a JSON array of info_type / info_content lines and nothing else', () => {
    const lines = [{ info_type: '岗位类型', info_content: '外卖骑手' }];
    expect(parseReportInfos(JSON.stringify(lines))).toEqual(lines);
    for (const bad of ['[]', '{}', 'x', '[{"info_type":"a"}]', '[{"info_type":"a","info_content":" "}]']) {
      expect(parseReportInfos(bad), bad).toBeUndefined();
    }
    expect(parseReportInfos('[{"info_type":"a","info_content":"b","extra":1}]')).toBeUndefined();
  });
});

describe('a journal made before the detail column', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wxpay-payouts-old-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gains it when opened, and keeps its rows', async () => {
    const file = join(dir, 'old.db');
    const db = new Database(file);
    for (const statement of journalTables) db.exec(statement.replace(/\n\s*detail TEXT,/, ''));
    expect(
      (db.prepare('PRAGMA table_info(payout_rows)').all() as Array<{ name: string }>).map((c) => c.name),
    ).not.toContain('detail');
    db.prepare(
      "INSERT INTO payout_rows (batch_id, row, number, openid, amount, data, state, wx_id, updated_at) VALUES ('old', 1, 'N0', 'o', 100, '{}', 'sent', 'L0', 1)",
    ).run();
    db.close();
    const journal = openSqliteJournal(file);
    try {
      expect((await journal.rows('old', 1, 1))[0]).toMatchObject({
        number: 'N0',
        state: 'sent',
        wxId: 'L0',
        detail: null,
      });
      await journal.beginBatch({
        id: 'b',
        kind: 'transfer',
        settings: '{}',
        inputHash: 'h',
        rowCount: 1,
        createdAt: 1,
      });
      await journal.addRows('b', [{ row: 1, number: 'N1', openid: 'o', amount: 100, data: '{}' }]);
      await journal.heartbeat('w', 10_000);
      await journal.claim('b', 'w', 1, 2);
      await journal.settle('b', 1, 'w', { state: 'sent', wxId: 'B1', status: 'WAIT_USER_CONFIRM', detail: 'pkg' }, 3);
      expect((await journal.rows('b', 1, 1))[0]).toMatchObject({ wxId: 'B1', detail: 'pkg' });
    } finally {
      await journal.close();
    }
    // Opening it again finds the column there and changes nothing.
    const again = openSqliteJournal(file);
    expect((await again.rows('b', 1, 1))[0]?.detail).toBe('pkg');
    await again.close();
  });
});

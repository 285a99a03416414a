// Which flag an input problem names: the one that gives the column its default, and none for a column only rows give.
import { describe, expect, it } from 'vitest';
import { flagOfColumn } from '../src/commands/payout-flags.js';

describe('flagOfColumn', () => {
  it('names the flag that sets a column', () => {
    expect(flagOfColumn('transfer_remark')).toBe('--transfer-remark');
    expect(flagOfColumn('send_name')).toBe('--send-name');
    expect(flagOfColumn('report_info')).toBe('--report-info');
  });

  it('names none for the payee names only rows give, nor for openid and amount', () => {
    for (const column of ['re_user_name', 'user_name', 'openid', 'amount'])
      expect(flagOfColumn(column)).toBeUndefined();
  });
});

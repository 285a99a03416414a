// A transfer row that may have been sent, whose query finds its bill waiting for the payee: the identical resend only
// fetches the bill's package_info, so whatever it is answered, the row is never failed while that bill may still pay.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type Wxpay, WxpayAPIError } from 'wxpay';
import { arraySource, type Journal, openSqliteJournal, runPayouts } from '../src/index.js';
import { payoutKinds } from '../src/kinds/index.js';
import { planBatch } from '../src/plan.js';
import { payoutDefaults as defaults } from './support/sandbox-merchant.js';

let dir: string;
let journal: Journal;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wxpay-transfer-resend-'));
  journal = openSqliteJournal(join(dir, 'journal.db'));
});
afterEach(async () => {
  await journal.close();
  rmSync(dir, { recursive: true, force: true });
});

const mchid = '1230000109';
const appid = 'wxd678efh567hg6787';

/** Just enough of a client for the transfer kind: the bill exists, unconfirmed; the first resend is refused. */
function fakeClient(creates: string[]): Wxpay {
  const bill = (number: string) => ({
    out_bill_no: number,
    transfer_bill_no: `B${number}`,
    state: 'WAIT_USER_CONFIRM',
  });
  const client = {
    toJSON: () => ({ mchid }),
    chain: () => ({}),
    v3: {
      fundApp: {
        mchTransfer: {
          transferBills: {
            post: async ({ json }: { json: { out_bill_no: string } }) => {
              creates.push(json.out_bill_no);
              if (creates.length === 1) {
                throw new WxpayAPIError({
                  status: 400,
                  code: 'BILL_EXISTS',
                  apiMessage: 'the bill exists',
                  body: '{}',
                });
              }
              return { ...bill(json.out_bill_no), package_info: 'pkg-of-the-bill' };
            },
            outBillNo: {
              _out_bill_no_: { get: async ({ out_bill_no }: { out_bill_no: string }) => bill(out_bill_no) },
            },
          },
        },
      },
    },
  };
  return client as unknown as Wxpay;
}

it('keeps an ambiguous row whose bill waits for the payee unsettled when the resend is refused, never failed', async () => {
  const source = arraySource('resend', [{ openid: 'oPayee1', amount: 100 }]);
  const settings = { kind: 'transfer' as const, mchid, appid, clientIp: '127.0.0.1' };
  await planBatch({ journal, source, kind: payoutKinds.transfer, settings, defaults, batchId: 'resend', now: 1 });
  // A worker sent the row, and its reply was lost.
  await journal.heartbeat('gone', Date.now() + 60_000);
  await journal.claim('resend', 'gone', 1, Date.now());
  await journal.settle(
    'resend',
    1,
    'gone',
    { state: 'unknown', errCode: 'TIMEOUT', errMessage: 'lost', notBefore: null },
    1,
  );
  await journal.removeWorker('gone');

  const creates: string[] = [];
  const result = await runPayouts({ wxpay: fakeClient(creates), journal, kind: 'transfer', source, appid, defaults });
  const [row] = await journal.rows('resend', 1, 1);
  expect(creates).toHaveLength(2);
  expect(new Set(creates)).toEqual(new Set([row?.number]));
  expect(result.complete).toBe(true);
  expect(row).toMatchObject({ state: 'sent', wxId: `B${row?.number}`, detail: 'pkg-of-the-bill' });
});

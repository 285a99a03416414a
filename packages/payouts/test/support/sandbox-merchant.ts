// Test-only: a started sandbox with one fresh merchant set up for payouts (its users, a WeCom corp, a coupon stock,
// daily limits lifted so a batch of a thousand rows fits into one day), and the files a payout run reads.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, type SandboxMerchantConfig, startSandbox } from '@wxpay/sandbox';
import { Wxpay } from 'wxpay';
import { type Journal, type PayoutKindName, type ReportRecord, reportRows } from '../../src/index.js';

export interface PayoutMerchant {
  sandbox: Sandbox;
  config: SandboxMerchantConfig;
  /** The redpack / coupon appid and the WeCom corp id of the merchant. */
  appid: string;
  corpid: string;
  couponStockId: string;
  /** Users of the merchant (valid recipients). */
  openids: string[];
  dir: string;
  client(): Wxpay;
  /** Writes `name` in the temp dir and returns its path. */
  file(name: string, text: string): string;
  /** What the sandbox paid the merchant for `kind`, as business number -> openid. */
  paid(kind: PayoutKindName): Map<string, string>;
  close(): Promise<void>;
}

/** Column defaults every kind's rows can take (each kind uses the ones it has). */
export const payoutDefaults = {
  send_name: '天虹百货',
  wishing: '感谢您参加猜灯谜活动',
  act_name: '猜灯谜抢红包活动',
  remark: '猜越多得越多',
  desc: '元宵节奖励',
  // Merchant transfers, scene 1000 (现金营销) with the two report lines it needs.
  transfer_scene_id: '1000',
  transfer_remark: '元宵节猜灯谜奖励',
  report_info: JSON.stringify([
    { info_type: '活动名称', info_content: '猜灯谜' },
    { info_type: '奖励说明', info_content: '猜中灯谜的奖励' },
  ]),
  user_recv_perception: '活动奖励',
};

/** The batch's report, every row, in order. */
export async function reportOf(journal: Journal, batchId: string): Promise<ReportRecord[]> {
  const rows: ReportRecord[] = [];
  for await (const row of reportRows(journal, batchId)) rows.push(row);
  return rows;
}

let merchantCount = 0;

export async function startPayoutMerchant(users = 50, options: { dataDir?: string } = {}): Promise<PayoutMerchant> {
  const dir = mkdtempSync(join(tmpdir(), 'wxpay-payouts-'));
  const sandbox = await startSandbox({ dataDir: options.dataDir ?? join(dir, 'sandbox') });
  const mchid = String(1_900_100_000 + process.pid * 10 + merchantCount++).slice(0, 10);
  const appid = 'wxa1b2c3d4e5f60718';
  const corpid = 'wwa1b2c3d4e5f60718';
  const openids = Array.from({ length: users }, (_, i) => `oPayoutUser${String(i + 1).padStart(6, '0')}`);
  const config = await sandbox.admin.createMerchant({
    mchid,
    name: 'payout test merchant',
    appids: { redpack: appid, coupon: appid },
    workwxCorpid: corpid,
    balance: 1_000_000_000,
    rateLimit: 100_000,
    settings: {
      redpackUserDailyCount: 1000,
      redpackMerchantDailyAmount: 1_000_000_000,
      payToStaffMerchantDailyAmount: 1_000_000_000,
    },
    users: openids.map((openid) => ({ openid })),
  });
  const stock = sandbox.admin.createCouponStock({ mchid, value: 500, total: 100_000, max_quota: 0 });
  const clients: Wxpay[] = [];
  return {
    sandbox,
    config,
    appid,
    corpid,
    couponStockId: stock.coupon_stock_id,
    openids,
    dir,
    client() {
      const wxpay = new Wxpay(config);
      clients.push(wxpay);
      return wxpay;
    },
    file(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    paid(kind) {
      const paid = new Map<string, string>();
      if (kind === 'redpack' || kind === 'workwx') {
        for (const p of sandbox.admin.redpacks({ mchid, kind: kind === 'redpack' ? 'NORMAL' : 'WORKWX' })) {
          paid.set(p.mch_billno, p.re_openid);
        }
      } else if (kind === 'transfer') {
        for (const t of sandbox.admin.transfers({ mchid, limit: 1_000_000 })) {
          paid.set(String(t.out_bill_no), String(t.openid));
        }
      } else if (kind === 'pocket') {
        for (const p of sandbox.admin.pocketPayments({ mchid })) paid.set(p.partner_trade_no, p.openid ?? '');
      } else {
        for (const c of sandbox.admin.coupons({ mchid })) paid.set(c.partner_trade_no, c.openid);
      }
      return paid;
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

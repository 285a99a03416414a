// Test-only: moves a sandbox's clock forward to a given hour of the next China calendar day, so tests of daily limits
// start on a fresh day and never straddle a midnight, whatever time they run at.
import type { Sandbox } from '../../src/index.js';

const hourMs = 60 * 60 * 1000;
const dayMs = 24 * hourMs;
const chinaOffsetMs = 8 * hourMs;

/** Advances sandbox time to `hour`:00 China time of the next day; returns the new sandbox time (ms). */
export async function startNextChinaDay(sandbox: Sandbox, hour = 2): Promise<number> {
  const now = sandbox.admin.clock().now;
  const chinaNow = now + chinaOffsetMs;
  const target = Math.floor(chinaNow / dayMs) * dayMs + dayMs + hour * hourMs;
  const { now: moved } = await sandbox.admin.advanceClock(target - chinaNow);
  return moved;
}

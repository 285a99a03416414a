// Everything in the sandbox that falls due as sandbox time passes, registered in one place on the clock's registry:
// the life of red packets (APIv2), the completion of refunds and the life of merchant transfers (APIv3), and the
// delivery of notifications.
import type { SandboxContext } from './context.js';
import { redpackLifeJob, redpackLifeWork } from './v2/redpack.js';
import { mainlandRefundCompletionJob, mainlandRefundCompletionWork } from './v3/mainland/refunds.js';
import { transferLifeJob } from './v3/mainland/transfer-life.js';
import { transferLifeWork } from './v3/mainland/transfers.js';
import { refundCompletionJob, refundCompletionWork } from './v3/refunds.js';

/** The name notification delivery is registered under. */
const notificationDeliveryWork = 'notification delivery';

/**
 * Registers the sandbox's due work on `ctx.clock.due`. `deliverNotifications` (the notifier's `tick`) is left out
 * where nothing delivers, as in tests of handlers alone.
 */
export function registerDueWork(ctx: SandboxContext, deliverNotifications?: () => Promise<void>): void {
  ctx.clock.due.register(redpackLifeWork, redpackLifeJob(ctx));
  ctx.clock.due.register(refundCompletionWork, refundCompletionJob(ctx));
  ctx.clock.due.register(mainlandRefundCompletionWork, mainlandRefundCompletionJob(ctx));
  ctx.clock.due.register(transferLifeWork, transferLifeJob(ctx));
  if (deliverNotifications !== undefined) {
    ctx.clock.due.registerDelivery(notificationDeliveryWork, deliverNotifications);
  }
}

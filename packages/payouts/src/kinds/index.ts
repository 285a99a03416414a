// The payout kinds by name.
import { couponKind } from './coupon.js';
import type { PayoutKind, PayoutKindName } from './kind.js';
import { pocketKind } from './pocket.js';
import { redpackKind, workwxKind } from './red-packets.js';
import { transferKind } from './transfer.js';

export const payoutKinds: Readonly<Record<PayoutKindName, PayoutKind>> = {
  redpack: redpackKind,
  workwx: workwxKind,
  pocket: pocketKind,
  coupon: couponKind,
  transfer: transferKind,
};

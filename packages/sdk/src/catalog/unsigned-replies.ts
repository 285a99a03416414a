// The one list of APIv2 paths whose replies the official documentation shows without a `sign` (docs/protocol.md,
// "Unsigned APIv2 replies"). Every other APIv2 reply, catalogued or not, must carry a valid `sign` to be trusted.

const UNSIGNED_V2_REPLIES: ReadonlySet<string> = new Set([
  // Red packets: sendredpack, sendgroupredpack and the query answer with return/result codes and data, but no sign.
  'v2/mmpaymkttransfers/sendredpack',
  'v2/mmpaymkttransfers/sendgroupredpack',
  'v2/mmpaymkttransfers/gethbinfo',
  // Pay to balance (企业付款到零钱) and its query.
  'v2/mmpaymkttransfers/promotion/transfers',
  'v2/mmpaymkttransfers/gettransferinfo',
  // WeCom pay to staff (向员工付款).
  'v2/mmpaymkttransfers/promotion/paywwsptrans2pocket',
]);

/** Whether a successful reply of this APIv2 path (chain form, `v2/` prefix included) carries a `sign` that must verify. */
export function isV2ReplySigned(path: string): boolean {
  return !UNSIGNED_V2_REPLIES.has(path);
}

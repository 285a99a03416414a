// The sandbox peer of the payouts bench: bench/sandbox-server.ts seeded with the bench merchants (no prefilled packets)
// and serving from another process, so that it never shares a CPU queue or a heap with the process measured.
import { type SandboxPeer, serveSandboxPeer, setUpSandboxPeer } from './sandbox-peer.js';

export type PayoutsPeer = SandboxPeer;

/**
 * Seeds `dataDir` (the bench merchants: 10000198 with its rate limit and daily limits lifted, its 1,000 users; no
 * prefilled packets) and serves it from another process. WXPAY_BENCH_CPU_PROF=<dir> profiles that process.
 */
export async function startPayoutsPeer(dataDir: string): Promise<PayoutsPeer> {
  await setUpSandboxPeer(dataDir, 0);
  return serveSandboxPeer(dataDir);
}

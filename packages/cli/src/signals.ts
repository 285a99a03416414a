// Ctrl+C and SIGTERM during a run: the first asks for a clean stop, a second one exits at once.
import { EXIT_TEMPFAIL } from './exit-codes.js';

export interface SignalStop {
  /** Aborted by the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** Stops listening (the command is done). */
  dispose(): void;
}

/**
 * The first signal aborts `signal`: no new send starts, the sends in flight finish and are journaled. A second one exits
 * at once with 75: a send still in flight then stays `sending` in the journal, and the next run resolves it by a query
 * or an identical resend, never a second payment.
 */
export function stopOnSignals(onFirst: (signal: NodeJS.Signals) => void): SignalStop {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`\nwxpay: ${signal} again: exiting now; run the same command again to finish the batch\n`);
      process.exit(EXIT_TEMPFAIL);
    }
    onFirst(signal);
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

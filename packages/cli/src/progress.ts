// A run's progress on stderr: a live bar on a terminal, a plain line every few seconds otherwise (logs, CI, cron).
import type { PayoutProgress } from '@wxpay/payouts';
import cliProgress from 'cli-progress';
import type { CommandIO } from './io.js';
import { yuan } from './money.js';

export interface ProgressDisplay {
  update(progress: PayoutProgress): void;
  /** Ends the display (the bar is left on screen as it last was). */
  stop(): void;
}

/** How often a plain progress line is written when stderr is not a terminal. */
const PLAIN_INTERVAL_MS = 5000;

function left(progress: PayoutProgress): number {
  const { pending, sending, unknown } = progress.counts;
  return pending + sending + unknown;
}

function eta(seconds: number | undefined): string {
  if (seconds === undefined) return '-';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/** `sent 12, failed 0, unknown 0, left 88 | 12.34 yuan | 2.0/s | ETA 44s` */
function progressLine(progress: PayoutProgress): string {
  const c = progress.counts;
  return (
    `sent ${c.sent}, failed ${c.failed}, unknown ${c.unknown}, left ${left(progress)} | ${yuan(c.sentAmount)} yuan | ` +
    `${progress.rate.toFixed(1)}/s | ETA ${eta(progress.etaSeconds)}`
  );
}

export function progressDisplay(io: CommandIO, now: () => number = Date.now): ProgressDisplay {
  return io.stderr.isTTY ? barDisplay(io) : plainDisplay(io, now);
}

function plainDisplay(io: CommandIO, now: () => number): ProgressDisplay {
  let last = now();
  let phase: PayoutProgress['phase'] | undefined;
  return {
    update(progress) {
      if (progress.phase !== phase && progress.phase === 'checking') {
        io.stderr.write(`${progress.batchId}: checking every row before sending\n`);
      } else if (phase === 'checking' && progress.phase !== 'checking' && progress.phase !== 'done') {
        io.stderr.write(`${progress.batchId}: ${progress.total} rows, ${left(progress)} to send\n`);
      }
      phase = progress.phase;
      if (progress.phase === 'done' || now() - last < PLAIN_INTERVAL_MS) return;
      last = now();
      io.stderr.write(`${progress.batchId}: ${progressLine(progress)}\n`);
    },
    stop() {},
  };
}

function barDisplay(io: CommandIO): ProgressDisplay {
  const bar = new cliProgress.SingleBar(
    {
      stream: io.stderr,
      format: '{batch} [{bar}] {percentage}% | {line}',
      hideCursor: true,
      barsize: 24,
      // The engine reports about once a second; the bar redraws on its own at most this often in between.
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(progress) {
      const settled = progress.counts.sent + progress.counts.failed;
      const payload = {
        batch: progress.batchId,
        line: progress.phase === 'checking' ? 'checking every row before sending' : progressLine(progress),
      };
      if (!started) {
        bar.start(Math.max(progress.total, 1), settled, payload);
        started = true;
        return;
      }
      bar.setTotal(Math.max(progress.total, 1));
      bar.update(settled, payload);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

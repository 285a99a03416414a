// Writing a large output to stdout at the pace the reader takes it, and stopping quietly when the reader goes away.
import type { Writable } from 'node:stream';

/** The reader closed the pipe (e.g. `| head`): the command stops writing and ends successfully. */
export class OutputClosedError extends Error {
  override name = 'OutputClosedError';
}

export interface PacedWriter {
  write(text: string): Promise<void>;
}

export function pacedWriter(stream: Writable): PacedWriter {
  let closed = false;
  let failure: Error | undefined;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') closed = true;
    else failure ??= error;
  });
  const check = () => {
    if (failure) throw failure;
    if (closed) throw new OutputClosedError('stdout was closed');
  };
  return {
    async write(text) {
      check();
      // Waiting for 'drain' keeps a report of a million rows from piling up in memory ahead of a slow reader.
      if (!stream.write(text)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            stream.off('drain', done);
            stream.off('close', done);
            stream.off('error', done);
            resolve();
          };
          stream.on('drain', done);
          stream.on('close', done);
          stream.on('error', done);
        });
      }
      check();
    },
  };
}

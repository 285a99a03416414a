// A bill whose hash matched: its text, handed out whole, as an async iterable of chunks or as a ReadableStream.
// Nothing is constructed from unverified bytes (bills/download.ts checks the hash first).

/** Text handed out per chunk: about 64 KiB, cut after a line end where there is one. */
const CHUNK_CHARS = 64 * 1024;

export interface VerifiedBillView {
  byteLength: number;
  sha1: string;
}

/** Node's `inspect` as passed to a custom inspect method. */
type InspectFunction = (value: unknown, options: object) => string;

/**
 * A downloaded bill that passed its integrity check. Iterate it (`for await (const chunk of bill)`), pipe `stream()`,
 * or take `text()`; parse with `parseTradeBill` / `parseFundFlowBill`. Printing it shows its size and digest only: the
 * bill holds payer ids and amounts.
 */
export class VerifiedBill implements AsyncIterable<string> {
  readonly #text: string;
  /** Size in bytes of the uncompressed bill, as hashed. */
  readonly byteLength: number;
  /** Lowercase hex SHA-1 of those bytes: the `hash_value` WeChat Pay announced. */
  readonly sha1: string;

  constructor(text: string, byteLength: number, sha1: string) {
    this.#text = text;
    this.byteLength = byteLength;
    this.sha1 = sha1;
  }

  /** The whole bill. */
  text(): string {
    return this.#text;
  }

  /** The bill in chunks of whole lines (a line longer than a chunk is cut, never inside a character). */
  *chunks(): Generator<string> {
    const text = this.#text;
    let start = 0;
    while (start < text.length) {
      let end = Math.min(start + CHUNK_CHARS, text.length);
      if (end < text.length) {
        const lineEnd = text.lastIndexOf('\n', end - 1);
        if (lineEnd >= start) end = lineEnd + 1;
        else if (isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
      }
      yield text.slice(start, end);
      start = end;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<string> {
    yield* this.chunks();
  }

  /** A Web ReadableStream of the chunks, e.g. to pipe into a file or a response. */
  stream(): ReadableStream<string> {
    const chunks = this.chunks();
    return new ReadableStream<string>({
      pull(controller) {
        const next = chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
    });
  }

  toJSON(): VerifiedBillView {
    return { byteLength: this.byteLength, sha1: this.sha1 };
  }

  [Symbol.for('nodejs.util.inspect.custom')](_depth: number, options: object, inspect: InspectFunction): string {
    return `VerifiedBill ${inspect(this.toJSON(), options)}`;
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

// The errors a payout run ends with before or instead of sending: each says what to fix, and the CLI maps each to its
// exit status (65 input, 78 configuration).

/** One bad value in the input: where it is and the rule it breaks (never the value itself when it may be secret). */
export interface InputProblem {
  line: number;
  field: string;
  rule: string;
}

export class PayoutError extends Error {
  override name = 'PayoutError';
}

/** The input is invalid; nothing was sent. `problems` holds the first ones, `total` how many there are. */
export class PayoutInputError extends PayoutError {
  override name = 'PayoutInputError';
  constructor(
    readonly problems: readonly InputProblem[],
    readonly total: number,
    readonly source: string,
  ) {
    const lines = problems.map((p) => `  line ${p.line}, ${p.field}: ${p.rule}`).join('\n');
    const more = total > problems.length ? `\n  ... and ${total - problems.length} more` : '';
    super(`${source}: ${total} problem${total === 1 ? '' : 's'}, nothing was sent\n${lines}${more}`);
  }
}

/**
 * The batch exists in the journal with other rows or settings: running it with changed input would pay under numbers
 * already used for something else. Says the first difference.
 */
export class BatchChangedError extends PayoutError {
  override name = 'BatchChangedError';
  constructor(
    readonly batchId: string,
    readonly difference: string,
  ) {
    super(
      `batch ${batchId} was started with other input: ${difference}. Run it with its original file and settings, ` +
        'or give the new input a new --batch id',
    );
  }
}

/** The merchant configuration or the batch settings are wrong (a key, an appid, an option): fix them and run again. */
export class PayoutConfigError extends PayoutError {
  override name = 'PayoutConfigError';
}

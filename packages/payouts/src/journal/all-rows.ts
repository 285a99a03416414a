// Every row of a batch in order, read from the journal a page at a time: a batch of any size in constant memory.
import type { Journal, JournalRow, RowState } from './journal.js';

/** With `state`, only the rows in that state. Concurrent `next()` calls are served one after another, in order. */
export async function* allRows(
  journal: Journal,
  batchId: string,
  state?: RowState,
  pageSize = 1000,
): AsyncGenerator<JournalRow> {
  let from = 1;
  for (;;) {
    const page = await journal.rows(batchId, from, pageSize, state);
    if (page.length === 0) return;
    yield* page;
    from = (page[page.length - 1] as JournalRow).row + 1;
  }
}

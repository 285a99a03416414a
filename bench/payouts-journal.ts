// A journal that tells the bench when planning ended (the batch is marked planned), so that checking + planning and
// sending are timed apart without the engine reporting it. Every other call goes straight to the real journal.
import type { Journal } from '../packages/payouts/src/index.js';

export function whenPlanned(journal: Journal, planned: () => void): Journal {
  const markPlanned = async (batchId: string): Promise<void> => {
    await journal.markPlanned(batchId);
    planned();
  };
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(journal, {
    get(target, key) {
      if (key === 'markPlanned') return markPlanned;
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      // The SQLite journal keeps its database in private fields: its methods must run on the real object.
      let method = bound.get(key);
      if (method === undefined) {
        method = (value as (...args: unknown[]) => unknown).bind(target);
        bound.set(key, method);
      }
      return method;
    },
  });
}

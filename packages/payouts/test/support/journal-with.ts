// Test-only: a journal whose given methods are replaced (a failing write, a read that misses), all others its own.
import type { Journal } from '../../src/journal/journal.js';

export function journalWith(journal: Journal, replaced: Partial<Journal>): Journal {
  return new Proxy(journal, {
    get: (target, name) => {
      if (Object.hasOwn(replaced, name)) return replaced[name as keyof Journal];
      const value: unknown = Reflect.get(target, name);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

// Amounts for people: integer fen shown as yuan, with the fen alongside so nothing is rounded away.

/** `30600` → `306.00`. Exact for any safe integer (no floating point). */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** `306.00 yuan (30600 fen)` */
export function money(fen: number): string {
  return `${yuan(fen)} yuan (${fen} fen)`;
}

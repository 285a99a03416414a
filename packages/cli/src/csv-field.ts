// One CSV value as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break, quotes doubled.

function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  // A leading or trailing space is quoted too, so a reader that trims unquoted values gets the value back unchanged.
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(values: ReadonlyArray<string | number | null>): string {
  return `${values.map(csvField).join(',')}\n`;
}

// A reply as JSON for stdout: indented (coloured on a terminal, unless NO_COLOR) or on one line.

/** Colour only for a person at a terminal: never into a pipe or a file, never when NO_COLOR is set (no-color.org). */
export function wantsColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

const PAINT = {
  key: (text: string) => `\u001b[34m${text}\u001b[39m`,
  string: (text: string) => `\u001b[32m${text}\u001b[39m`,
  number: (text: string) => `\u001b[33m${text}\u001b[39m`,
  literal: (text: string) => `\u001b[35m${text}\u001b[39m`,
};
const PLAIN = { key: String, string: String, number: String, literal: String };

/**
 * JSON escapes C0 controls but not DEL, the C1 controls or the Unicode line separators: escaped here too, so that no
 * value from the network can move a terminal's cursor or split a line. The text stays valid, equal JSON.
 */
function escapeControls(json: string): string {
  return json.replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function quote(text: string): string {
  return escapeControls(JSON.stringify(text));
}

/** `value` as one line of JSON (`undefined` as `null`). */
export function jsonLine(value: unknown): string {
  return escapeControls(JSON.stringify(value) ?? 'null');
}

/** `value` as JSON indented by two spaces, the layout of JSON.stringify(value, null, 2), in colour when asked. */
export function prettyJson(value: unknown, color: boolean): string {
  const paint = color ? PAINT : PLAIN;
  const render = (item: unknown, indent: string): string => {
    if (item === null || item === undefined) return paint.literal('null');
    if (typeof item === 'string') return paint.string(quote(item));
    if (typeof item === 'number') return paint.number(Number.isFinite(item) ? String(item) : 'null');
    if (typeof item === 'boolean') return paint.literal(String(item));
    const inner = `${indent}  `;
    if (Array.isArray(item)) {
      if (item.length === 0) return '[]';
      return `[\n${item.map((entry) => `${inner}${render(entry, inner)}`).join(',\n')}\n${indent}]`;
    }
    if (typeof item === 'object') {
      const entries = Object.entries(item).filter(([, entry]) => entry !== undefined);
      if (entries.length === 0) return '{}';
      const lines = entries.map(([key, entry]) => `${inner}${paint.key(quote(key))}: ${render(entry, inner)}`);
      return `{\n${lines.join(',\n')}\n${indent}}`;
    }
    // bigint, function, symbol: never in a parsed reply; shown as JSON shows what it cannot hold.
    return paint.literal('null');
  };
  return render(value, '');
}

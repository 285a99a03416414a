// Request header checks made before anything is sent: a bad header is the caller's mistake, never a network failure.
import { ValidationError } from './errors.js';

// RFC 9110 section 5.1: a field name is a token.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 9110 section 5.5: a field value is visible ASCII, obs-text (0x80-0xFF), space and tab. CR, LF and NUL could split
// the request (header injection); other controls and characters above 0xFF have no defined meaning on the wire.
const FORBIDDEN_IN_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
// Framing and connection management belong to the HTTP client: a caller's value would desynchronise the message
// (undici refuses most of these itself, but only once a request is under way).
const TRANSPORT_OWNED = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
]);

/**
 * Checks the request headers and returns them with lowercase names (a later name wins over an earlier one that
 * differs only in case, so the caller's headers, placed after the defaults, replace them). Throws ValidationError
 * naming `headers.<name>`.
 */
export function checkHeaders(headers: Readonly<Record<string, unknown>>): Record<string, string> {
  const checked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name)) throw new ValidationError(headerField(name), 'header name: an RFC 9110 token');
    const lower = name.toLowerCase();
    if (TRANSPORT_OWNED.has(lower))
      throw new ValidationError(headerField(name), 'set by the HTTP client, not the caller');
    if (typeof value !== 'string') throw new ValidationError(headerField(name), 'header value: a string');
    if (FORBIDDEN_IN_VALUE.test(value)) {
      throw new ValidationError(
        headerField(name),
        'header value: no control characters (CR, LF, NUL, ...) and no characters above U+00FF',
      );
    }
    checked[lower] = value;
  }
  return checked;
}

/** `headers.<name>`, with a hostile name cut short and escaped, so it can neither flood nor forge log lines. */
function headerField(name: string): string {
  const short = name.slice(0, 64);
  const cut = short.length < name.length ? '…' : '';
  if (TOKEN.test(name)) return `headers.${short}${cut}`;
  const quoted = JSON.stringify(short).replace(
    /[^\x20-\x7e]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `headers[${quoted}${cut}]`;
}

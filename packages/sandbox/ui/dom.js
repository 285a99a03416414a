// Small helpers shared by the dashboard and the payer page: building elements (never from HTML strings, so nothing
// the sandbox stores can run as script), talking to the control API, and formatting money and time.

/** An element with attributes (`on*` functions become listeners) and children (strings become text). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** A failed control API call, with the API's own code and message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  if (!response.ok) throw new ApiError(response.status, json.code, json.message ?? `HTTP ${response.status}`);
  return json;
}

export const getJson = (path) => call('GET', path);
export const postJson = (path, body) => call('POST', path, body ?? {});

/** `path` with the query's non-empty values. */
export function withQuery(path, query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) params.set(name, value);
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

/** Fen as yuan (or the currency's main unit), two decimals. */
export function money(fen, currency = 'CNY') {
  if (fen === null || fen === undefined) return '';
  return `${(fen / 100).toFixed(2)} ${currency}`;
}

const chinaTime = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Unix seconds as `yyyy-MM-dd HH:mm:ss`, China time (as WeChat Pay writes times). */
export function seconds(value) {
  return value === null || value === undefined ? '' : chinaTime.format(new Date(value * 1000));
}

/** Milliseconds as `yyyy-MM-dd HH:mm:ss`, China time. */
export function millis(value) {
  return chinaTime.format(new Date(value));
}

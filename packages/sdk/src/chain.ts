// Pure path handling for the chain: segments -> path template -> expanded path, with parameters encoded exactly once.
import { quoteRemote, ValidationError } from './errors.js';

export const VERBS = ['get', 'post', 'put', 'patch', 'delete'] as const;
export type Verb = (typeof VERBS)[number];

const PARAM_BRACES = /^\{([A-Za-z][A-Za-z0-9_]*)\}$/;
const PARAM_UNDERSCORES = /^_([A-Za-z][A-Za-z0-9_]*?)_$/;
const CAMEL_CASE = /^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+$/;
// Literal segments are plain URL path characters: no encoding needed, nothing that could change the path's meaning.
const LITERAL = /^[A-Za-z0-9_~.-]+$/;

/** Splits `v2/a/b` (leading and trailing slashes allowed) into segments. */
export function splitPath(path: string): string[] {
  // One segment, the usual case of a chain step (`client.v3.global`): no pattern needed.
  if (!path.includes('/')) return path === '' ? [] : [path];
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? [] : trimmed.split('/');
}

/**
 * Turns chain segments into a template such as `v3/global/transactions/out-trade-no/{out_trade_no}`:
 * `{name}` and `_name_` become parameters, camelCase literals become kebab-case, anything else is kept as written
 * (uppercase literals are never rewritten). Rejects segments that could smuggle `/`, `..`, `?` or `#` into the path.
 */
export function toTemplate(segments: readonly string[]): string {
  if (segments.length === 0) throw new ValidationError('path', 'at least one segment', 'the endpoint path is empty');
  return segments
    .map((segment) => {
      const param = PARAM_BRACES.exec(segment) ?? PARAM_UNDERSCORES.exec(segment);
      if (param) return `{${param[1]}}`;
      if (!LITERAL.test(segment) || segment === '.' || segment === '..') {
        throw new ValidationError(
          'path',
          'segment of [A-Za-z0-9_~.-], not . or ..',
          `invalid path segment ${quoteRemote(segment, 40)}`,
        );
      }
      return CAMEL_CASE.test(segment) ? toKebabCase(segment) : segment;
    })
    .join('/');
}

/**
 * `outTradeNo` -> `out-trade-no`; a run of capitals is one word (`getHBInfo` -> `get-hb-info`, `queryHB` -> `query-hb`),
 * its last capital starting the next word when a lowercase letter follows.
 */
function toKebabCase(segment: string): string {
  return segment
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** Fills `{name}` parameters from `values`, percent-encoding each value once. */
export function expandTemplate(template: string, values: Readonly<Record<string, unknown>>): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
      throw new ValidationError(name, 'required path parameter (string)');
    }
    const text = String(value);
    if (text === '') throw new ValidationError(name, 'required path parameter (non-empty)');
    if (text === '.' || text === '..') throw new ValidationError(name, 'path parameter may not be . or ..');
    if (!isWellFormed(text)) throw new ValidationError(name, LONE_SURROGATE_RULE);
    return encodeURIComponent(text);
  });
}

const LONE_SURROGATE_RULE = 'well-formed Unicode (no lone surrogate)';
const LONE_SURROGATE = /\p{Surrogate}/u;

/** False for a string holding half of a UTF-16 surrogate pair, which has no UTF-8 (or percent) encoding. */
function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** True for paths served by APIv2 (XML); the `v2/` prefix itself is never sent. */
export function isV2Template(template: string): boolean {
  return template === 'v2' || template.startsWith('v2/');
}

/** Appends `query` to a path; undefined values are left out, everything is encoded once. */
export function appendQuery(path: string, query: Readonly<Record<string, unknown>> | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new ValidationError(`query.${name}`, 'string, number or boolean');
    }
    // URLSearchParams would silently turn a lone surrogate into U+FFFD: a value the caller never wrote.
    if (!isWellFormed(name)) throw new ValidationError('query', LONE_SURROGATE_RULE);
    if (typeof value === 'string' && !isWellFormed(value))
      throw new ValidationError(`query.${name}`, LONE_SURROGATE_RULE);
    params.append(name, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

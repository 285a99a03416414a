// `wxpay <path>`'s command line turned into one SDK call: the path, the verb, and the options of the loose chain node.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { LooseCallOptions } from 'wxpay';
import type { ConfigFlags } from '../command-config.js';
import { isPlainObject, parsePosition } from '../config.js';
import { UsageError } from '../errors.js';

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type Method = (typeof METHODS)[number];
type Verb = Lowercase<Method>;

export interface CallFlags extends ConfigFlags {
  method?: Method;
  data?: string[];
  query?: string[];
  param?: string[];
  header?: string[];
  security?: boolean;
  baseUrl?: string;
  json?: boolean;
  raw?: boolean;
}

export interface CallRequest {
  /** Slash form, e.g. `v3/global/transactions/id/{id}`. */
  path: string;
  protocol: 'v2' | 'v3';
  method: Method;
  verb: Verb;
  options: LooseCallOptions;
  /** The path parameters (`{id}` or `_id_`), by name. */
  params: string[];
}

/** A commander parser: -m's value, in any case. */
export function methodFlag(value: string): Method {
  const method = value.toUpperCase();
  if (!(METHODS as readonly string[]).includes(method)) throw new InvalidArgumentError(`one of ${METHODS.join(', ')}`);
  return method as Method;
}

/** A commander parser for flags given several times. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const PARAM = /^\{([A-Za-z][A-Za-z0-9_]*)\}$|^_([A-Za-z][A-Za-z0-9_]*?)_$/;
/** Option keys of a chain call: a path parameter of the same name could not be told apart from them. */
const CALL_OPTION_KEYS = new Set(['xml', 'json', 'query', 'headers', 'security', 'signal', 'unsignedReply']);

/** `v2/a/b`, `/v2/a/b` or `v2.a.b` as `v2/a/b`; it must name an APIv2 or APIv3 endpoint. */
function normalisePath(input: string): { path: string; protocol: 'v2' | 'v3'; params: string[] } {
  const trimmed = input.trim().replace(/^\/+|\/+$/g, '');
  // Dots separate segments only in a path without a slash: WeChat Pay's paths have none inside a segment.
  const segments = trimmed.includes('/') ? trimmed.split('/') : trimmed.split('.');
  const protocol = segments[0];
  if ((protocol !== 'v2' && protocol !== 'v3') || segments.length < 2 || segments.some((s) => s === '')) {
    throw new UsageError(
      '<path>',
      `an endpoint path starting with v2 or v3, in slash or dot form (v2/mmpaymkttransfers/gethbinfo, ` +
        `v3.global.transactions.id.{id}), or a command (wxpay --help)`,
    );
  }
  const params: string[] = [];
  for (const segment of segments) {
    const match = PARAM.exec(segment);
    const name = match?.[1] ?? match?.[2];
    if (name === undefined) continue;
    if (CALL_OPTION_KEYS.has(name)) throw new UsageError('<path>', `a path parameter may not be named ${name}`);
    if (params.includes(name)) throw new UsageError('<path>', `the parameter ${name} appears twice`);
    params.push(name);
  }
  return { path: segments.join('/'), protocol, params };
}

/** `name=value` pairs of a flag, each name once. */
function pairsOf(flag: string, values: readonly string[] | undefined, what: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const value of values ?? []) {
    const at = value.indexOf('=');
    if (at < 1) throw new UsageError(flag, `${what}=value, not ${JSON.stringify(value.slice(0, 40))}`);
    const name = value.slice(0, at);
    if (pairs.has(name)) throw new UsageError(flag, `${name} is given twice`);
    pairs.set(name, value.slice(at + 1));
  }
  return pairs;
}

function headersOf(values: readonly string[] | undefined): Record<string, string> | undefined {
  if (values === undefined) return undefined;
  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  for (const value of values) {
    const at = value.indexOf(':');
    const name = value.slice(0, at).trim();
    if (at < 1 || name === '')
      throw new UsageError('-H/--header', `'Name: value', not ${JSON.stringify(value.slice(0, 40))}`);
    if (seen.has(name.toLowerCase())) throw new UsageError('-H/--header', `${name} is given twice`);
    seen.add(name.toLowerCase());
    headers[name] = value.slice(at + 1).trim();
  }
  return headers;
}

/** A -d pair: `key=text`, or `key:=json` for a number, a boolean or an object. */
const DATA_PAIR = /^([A-Za-z0-9_.-]+)(:?=)([\s\S]*)$/;

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new UsageError('-d/--data', `${where} is not valid JSON${parsePosition(text, error)}`);
  }
}

/** The body of -d: one JSON value (inline or `@file.json`), or `key=value` / `key:=json` pairs. */
function dataOf(values: readonly string[] | undefined, cwd: string): unknown {
  if (values === undefined || values.length === 0) return undefined;
  const pairs: Record<string, unknown> = {};
  const documents: unknown[] = [];
  for (const value of values) {
    const pair = DATA_PAIR.exec(value);
    if (pair) {
      const [, key, operator, text] = pair as unknown as [string, string, string, string];
      if (Object.hasOwn(pairs, key)) throw new UsageError('-d/--data', `${key} is given twice`);
      pairs[key] = operator === ':=' ? parseJson(text, `the value of ${key}`) : text;
    } else if (value.startsWith('@')) {
      const file = resolve(cwd, value.slice(1));
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new UsageError(
          '-d/--data',
          `${file}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`}`,
        );
      }
      documents.push(parseJson(text, file));
    } else {
      documents.push(parseJson(value, 'the value'));
    }
  }
  const pairCount = Object.keys(pairs).length;
  if (documents.length > 1 || (documents.length === 1 && pairCount > 0)) {
    throw new UsageError('-d/--data', 'either one JSON value (inline or @file.json) or key=value pairs, not both');
  }
  return documents.length === 1 ? documents[0] : pairs;
}

export function callRequest(pathArgument: string, flags: CallFlags, cwd: string): CallRequest {
  const { path, protocol, params } = normalisePath(pathArgument);
  const data = dataOf(flags.data, cwd);
  const method = flags.method ?? (protocol === 'v2' || data !== undefined ? 'POST' : 'GET');
  if (data !== undefined && method === 'GET' && protocol === 'v3') {
    throw new UsageError('-d/--data', 'a GET has no body: give query parameters with -q, or another method with -m');
  }
  if (protocol === 'v2' && data !== undefined && !isPlainObject(data)) {
    throw new UsageError('-d/--data', 'APIv2 fields: a JSON object of strings or numbers, or key=value pairs');
  }
  const values = pairsOf('-p/--param', flags.param, 'name');
  for (const name of values.keys()) {
    if (!params.includes(name)) {
      const have = params.length === 0 ? 'the path has none' : `the path has ${params.map((p) => `{${p}}`).join(', ')}`;
      throw new UsageError('-p/--param', `${name} is not a parameter of the path (${have})`);
    }
  }
  for (const name of params) {
    if (!values.has(name)) throw new UsageError('-p/--param', `the path needs {${name}}: give -p ${name}=<value>`);
  }
  const query = flags.query === undefined ? undefined : Object.fromEntries(pairsOf('-q/--query', flags.query, 'key'));
  const headers = headersOf(flags.header);
  const options: LooseCallOptions = {
    ...Object.fromEntries(values),
    ...(data !== undefined && (protocol === 'v2' ? { xml: data as Record<string, string> } : { json: data })),
    ...(query !== undefined && { query }),
    ...(headers !== undefined && { headers }),
    ...(flags.security !== undefined && { security: flags.security }),
  };
  return { path, protocol, method, verb: method.toLowerCase() as Verb, options, params };
}

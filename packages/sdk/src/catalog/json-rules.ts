// The APIv3 JSON field-rule engine: scopes over a call's body, query and path values, shared by APIv3 catalogue files.
import { ValidationError } from '../errors.js';
import { ruleText } from './rules.js';
import type { V3CallParts } from './types.js';

/** Rule texts APIv2 has no use for, in the style of `ruleText`: the rule's name, then its limit, never the value. */
export const jsonRuleText = {
  string: 'string',
  object: 'object',
  minLength: (min: number) => `minLength ${min}`,
  httpsUrl: 'https URL without query',
  currency: 'ISO 4217 code [A-Z]{3}',
  notAbove: (other: string) => `integer <= ${other}`,
  array: 'array',
  minItems: (min: number) => `minItems ${min}`,
  boolean: 'boolean',
  maxBytes: (max: number) => `maxBytes ${max} (UTF-8)`,
  rfc3339: 'RFC 3339 date-time, e.g. 2025-01-01T12:00:00+08:00',
  date: 'date yyyy-MM-dd',
  requiredAtOrAbove: (other: string, min: number) => `required when ${other} >= ${min}`,
} as const;

/** The longest `notify_url` WeChat Pay takes. */
const NOTIFY_URL_MAX = 256;

/**
 * Reads and checks the fields of one object. Errors name a field as `prefix` + key: `/` or `/amount/` (JSON
 * pointers) in a body, `query.` in a query, nothing for path parameters. Unknown fields are allowed, because WeChat Pay
 * adds fields over time.
 */
export class Scope {
  constructor(
    private readonly fields: Readonly<Record<string, unknown>>,
    private readonly prefix: string,
  ) {}

  name(key: string): string {
    return `${this.prefix}${key}`;
  }

  error(key: string, rule: string): ValidationError {
    return new ValidationError(this.name(key), rule);
  }

  /** JSON `null` counts as absent, like a missing key. Own keys only, so `__proto__` is never read through. */
  has(key: string): boolean {
    return this.value(key) !== undefined;
  }

  /** A string of 1..maxLength characters (code points); `missing` is the rule reported when it is absent. */
  text(key: string, maxLength: number, missing: string = ruleText.required): string {
    const value = this.required(key, missing);
    return this.checkText(key, value, maxLength, missing);
  }

  optionalText(key: string, maxLength: number): string | undefined {
    const value = this.value(key);
    return value === undefined ? undefined : this.checkText(key, value, maxLength, jsonRuleText.minLength(1));
  }

  /** A JSON number that is a whole amount of the smallest unit (fen, cent), at least 1. */
  amount(key: string): number {
    const value = this.required(key);
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw this.error(key, ruleText.integer({ min: 1 }));
    }
    return value;
  }

  currency(key: string): void {
    const value = this.required(key);
    if (typeof value !== 'string' || !/^[A-Z]{3}$/.test(value)) throw this.error(key, jsonRuleText.currency);
  }

  oneOf(key: string, values: readonly string[]): void {
    const value = this.required(key);
    if (typeof value !== 'string' || !values.includes(value)) throw this.error(key, ruleText.oneOf(values));
  }

  /**
   * Where WeChat Pay posts notifications: https, and no query string (WeChat Pay refuses one). Plain http is let
   * through only to a loopback address, for a receiver on this machine (the sandbox's); WeChat Pay itself takes https.
   */
  notifyUrl(key: string, optional = false, maxLength = NOTIFY_URL_MAX): void {
    const value = optional ? this.optionalText(key, maxLength) : this.text(key, maxLength);
    if (value !== undefined && !isNotifyUrl(value)) throw this.error(key, jsonRuleText.httpsUrl);
  }

  /** A whole number within bounds: a JSON number, or a string of digits (query values travel as strings). */
  integer(key: string, bounds: { min: number; max?: number }): number {
    const value = this.required(key);
    const number =
      typeof value === 'number'
        ? value
        : typeof value === 'string' && /^\d{1,15}$/.test(value)
          ? Number(value)
          : Number.NaN;
    if (!Number.isSafeInteger(number) || number < bounds.min || (bounds.max !== undefined && number > bounds.max)) {
      throw this.error(key, ruleText.integer(bounds));
    }
    return number;
  }

  object(key: string, missing: string = ruleText.required): Scope {
    return this.checkObject(key, this.required(key, missing));
  }

  optionalObject(key: string): Scope | undefined {
    const value = this.value(key);
    return value === undefined ? undefined : this.checkObject(key, value);
  }

  /**
   * Exactly one of two alternative strings (e.g. `out_trade_no` / `transaction_id`): both name `second` as exclusive,
   * neither names `first` as required. Returns the key that is set.
   */
  exactlyOne(first: string, second: string, maxLength: number): string {
    if (this.has(first) && this.has(second)) throw this.error(second, ruleText.exclusiveWith(this.name(first)));
    const key = this.has(second) ? second : first;
    this.text(key, maxLength, ruleText.requiredWhen(`${this.name(second)} is absent`));
    return key;
  }

  /**
   * A string of `min`..`max` characters drawn from `charset` (a character class such as `[0-9A-Za-z]`), as business
   * numbers are: absent is `missing`, too short `minLength`, a foreign character `charset`.
   */
  code(key: string, limits: CodeLimits, missing: string = ruleText.required): string {
    return this.checkCode(key, this.text(key, limits.max, missing), limits);
  }

  optionalCode(key: string, limits: CodeLimits): string | undefined {
    const value = this.optionalText(key, limits.max);
    return value === undefined ? undefined : this.checkCode(key, value, limits);
  }

  /** An optional string of at most `maxBytes` UTF-8 bytes (some limits are in bytes, not characters). */
  optionalBytes(key: string, maxBytes: number): string | undefined {
    const value = this.optionalText(key, maxBytes);
    if (value !== undefined && Buffer.byteLength(value, 'utf8') > maxBytes) {
      throw this.error(key, jsonRuleText.maxBytes(maxBytes));
    }
    return value;
  }

  /** An optional RFC 3339 date-time with an explicit offset (`Z` or `+08:00`), e.g. `time_expire`. */
  optionalDateTime(key: string): void {
    const value = this.optionalText(key, 64);
    if (value !== undefined && !isDateTime(value)) throw this.error(key, jsonRuleText.rfc3339);
  }

  /** A calendar date written `yyyy-MM-dd` that exists (no 2025-02-30). */
  date(key: string): void {
    const value = this.text(key, 10);
    if (!isDate(value)) throw this.error(key, jsonRuleText.date);
  }

  optionalBoolean(key: string): void {
    const value = this.value(key);
    if (value !== undefined && typeof value !== 'boolean') throw this.error(key, jsonRuleText.boolean);
  }

  /** An optional value from a list. */
  optionalOneOf(key: string, values: readonly string[]): void {
    if (this.has(key)) this.oneOf(key, values);
  }

  /** An array of at least `minItems` objects, each as a scope named `/key/<index>/`. */
  objects(key: string, minItems = 0): Scope[] {
    const value = this.required(key);
    if (!Array.isArray(value)) throw this.error(key, jsonRuleText.array);
    if (value.length < minItems) throw this.error(key, jsonRuleText.minItems(minItems));
    return value.map((item: unknown, index) => {
      if (!isRecord(item)) throw this.error(`${key}/${index}`, jsonRuleText.object);
      return new Scope(item, `${this.name(key)}/${index}/`);
    });
  }

  optionalObjects(key: string): Scope[] | undefined {
    return this.has(key) ? this.objects(key) : undefined;
  }

  private checkCode(key: string, value: string, { min, charset }: CodeLimits): string {
    if ([...value].length < min) throw this.error(key, jsonRuleText.minLength(min));
    if (!new RegExp(`^${charset}+$`, 'u').test(value)) throw this.error(key, ruleText.charset(charset));
    return value;
  }

  private value(key: string): unknown {
    const value = Object.hasOwn(this.fields, key) ? this.fields[key] : undefined;
    return value === null ? undefined : value;
  }

  private required(key: string, missing: string = ruleText.required): unknown {
    const value = this.value(key);
    if (value === undefined) throw this.error(key, missing);
    return value;
  }

  private checkText(key: string, value: unknown, maxLength: number, empty: string): string {
    if (typeof value !== 'string') throw this.error(key, jsonRuleText.string);
    if (value === '') throw this.error(key, empty);
    // Spread counts code points, so a Chinese character or an emoji is one character, as a reader would count it.
    if ([...value].length > maxLength) throw this.error(key, ruleText.maxLength(maxLength));
    return value;
  }

  private checkObject(key: string, value: unknown): Scope {
    if (!isRecord(value)) throw this.error(key, jsonRuleText.object);
    return new Scope(value, `${this.name(key)}/`);
  }
}

/** Length and alphabet of a business number. */
export interface CodeLimits {
  min: number;
  max: number;
  /** A regular-expression character class, shown as is in the error's rule. */
  charset: string;
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

function isDateTime(value: string): boolean {
  const match = DATE_TIME.exec(value);
  return match !== null && isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]));
}

function isDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return match !== null && isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]));
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNotifyUrl(value: string): boolean {
  if (!URL.canParse(value) || value.includes('?')) return false;
  const url = new URL(value);
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/**
 * A loopback literal as the URL parser normalises it: 127.0.0.0/8, [::1] or localhost. Names that merely resolve to
 * loopback do not count: whether they do is up to a DNS server.
 */
function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** The JSON body as a scope; a missing or non-object body is reported as `json`. */
export function bodyScope(json: unknown): Scope {
  if (json === undefined || json === null) throw new ValidationError('json', ruleText.required);
  if (!isRecord(json)) throw new ValidationError('json', jsonRuleText.object);
  return new Scope(json, '/');
}

/** The query string's values as a scope; errors name fields `query.<key>`. */
export function queryScope(parts: V3CallParts): Scope {
  return new Scope(parts.query ?? {}, 'query.');
}

/** The path parameters as a scope; errors name a parameter by its bare name, as it appears in the path template. */
export function paramsScope(parts: V3CallParts): Scope {
  return new Scope(parts.params, '');
}

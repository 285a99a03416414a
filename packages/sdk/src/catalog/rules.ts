// The runtime field validator for APIv2 requests, and the rule texts its errors carry.
import { ValidationError } from '../errors.js';
import type { CrossFieldRule, FieldSpec, V2EndpointMeta } from './types.js';

/**
 * Builders for the `rule` of a ValidationError. Every rule text starts with the rule's name and states the limit,
 * so a user can fix the request from the error alone; none of them ever contains the offending value.
 */
export const ruleText = {
  required: 'required',
  requiredWhen: (condition: string) => `required when ${condition}`,
  maxLength: (max: number) => `maxLength ${max}`,
  charset: (characters: string) => `charset ${characters}`,
  integer: ({ min, max }: { min?: number; max?: number }) => `integer${describeBounds(min, max)}`,
  oneOf: (values: readonly string[]) => `one of ${listValues(values)}`,
  ipv4: 'ipv4',
  exclusiveWith: (other: string) => `exclusive with ${other}`,
} as const;

/**
 * Checks `fields` (the values as they will be sent) against the endpoint's rules; throws a ValidationError naming the
 * first broken rule. Fields the catalogue does not know are allowed, because WeChat Pay adds fields over time.
 */
export function validateFields(meta: V2EndpointMeta, fields: Readonly<Record<string, string>>): void {
  // Keys, not entries: the catalogue's objects never change, so no array of pairs is built per call.
  for (const field of Object.keys(meta.fields)) {
    const rule = brokenRule(meta.fields[field] as FieldSpec, Object.hasOwn(fields, field) ? fields[field] : undefined);
    if (rule !== undefined) throw new ValidationError(field, rule);
  }
  for (const crossRule of meta.crossRules ?? []) {
    const broken = crossRule(fields);
    if (broken !== undefined) throw new ValidationError(broken.field, broken.rule);
  }
}

/** `field` must be present when `other` is `value`, e.g. the real name when the name is checked. */
export function requiredWhenEquals(field: string, other: string, value: string): CrossFieldRule {
  return (fields) =>
    fields[other] === value && !fields[field]
      ? { field, rule: ruleText.requiredWhen(`${other} is ${value}`) }
      : undefined;
}

/** At most one of `first` and `second` may be present; the error names `second`. */
export function mutuallyExclusive(first: string, second: string): CrossFieldRule {
  return (fields) =>
    fields[first] && fields[second] ? { field: second, rule: ruleText.exclusiveWith(first) } : undefined;
}

/** The rule `value` breaks, or undefined. An empty value counts as absent: the signature drops empty values too. */
function brokenRule(spec: FieldSpec, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return spec.required ? ruleText.required : undefined;
  if (spec.maxLength !== undefined && codePointsOver(value, spec.maxLength)) return ruleText.maxLength(spec.maxLength);
  if (spec.pattern && !spec.pattern.re.test(value)) return spec.pattern.name;
  if (spec.integer && !isIntegerWithin(value, spec.integer)) return ruleText.integer(spec.integer);
  if (spec.enum && !spec.enum.includes(value)) return ruleText.oneOf(spec.enum);
  if (spec.ipv4 && !isIpv4(value)) return ruleText.ipv4;
  return undefined;
}

/**
 * Whether `value` has more than `max` code points, so that a Chinese character or an emoji is one character, as a
 * reader would count it. A string never has more code points than UTF-16 units, so short values are not counted.
 */
function codePointsOver(value: string, max: number): boolean {
  if (value.length <= max) return false;
  let count = 0;
  for (const _ of value) if (++count > max) return true;
  return false;
}

function isIntegerWithin(value: string, { min, max }: { min?: number; max?: number }): boolean {
  if (!/^\d+$/.test(value)) return false;
  const n = Number(value);
  return (min === undefined || n >= min) && (max === undefined || n <= max);
}

/** Dotted quad with decimal parts 0-255; leading zeros are refused because some parsers read them as octal. */
function isIpv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255);
}

function describeBounds(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && min === max) return ` = ${min}`;
  if (min !== undefined && max !== undefined) return ` ${min}..${max}`;
  if (min !== undefined) return ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  return '';
}

/** `A|B|C`, or `PRODUCT_1..PRODUCT_8` for a numbered run, so long enums stay readable in an error. */
function listValues(values: readonly string[]): string {
  const parts = values.map((value) => /^(\D*)(\d+)$/.exec(value));
  const [first] = parts;
  const numberedRun =
    values.length > 2 &&
    parts.every((part, i) => part && first && part[1] === first[1] && Number(part[2]) === Number(first[2]) + i);
  return numberedRun ? `${values[0]}..${values[values.length - 1]}` : values.join('|');
}

// The APIv2 field-rule engine: checks a request's fields against an endpoint's rules (v2/endpoints.ts) and names the
// first broken one in the words PARAM_ERROR answers use, e.g. `mch_billno: maxLength 28`.
import { ruleText } from '../rule-text.js';

/** A rule for one request field. Values are checked as the strings that arrived; empty counts as absent. */
export interface FieldRule {
  required?: boolean;
  /** Maximum length in characters (a Chinese character or an emoji is one). */
  maxLength?: number;
  /** Allowed characters, e.g. letters and digits for business numbers. */
  charset?: { re: RegExp; characters: string };
  /** A string of decimal digits, optionally within bounds. */
  integer?: { min?: number; max?: number };
  oneOf?: readonly string[];
  /** A dotted-quad IPv4 address. */
  ipv4?: boolean;
}

/** The field at fault and the rule it broke. */
export interface BrokenRule {
  field: string;
  rule: string;
}

/** A rule spanning several fields. */
export type CrossFieldRule = (fields: Readonly<Record<string, string>>) => BrokenRule | undefined;

/** The first rule `fields` break: field by field in the table's order, then the cross-field rules. */
export function findBrokenRule(
  rules: Readonly<Record<string, FieldRule>>,
  crossRules: readonly CrossFieldRule[],
  fields: Readonly<Record<string, string>>,
): BrokenRule | undefined {
  for (const [field, rule] of entriesOf(rules)) {
    const broken = brokenFieldRule(rule, Object.hasOwn(fields, field) ? fields[field] : undefined);
    if (broken !== undefined) return { field, rule: broken };
  }
  for (const crossRule of crossRules) {
    const broken = crossRule(fields);
    if (broken !== undefined) return broken;
  }
  return undefined;
}

/** Each endpoint's rules as a list, made once: the rule tables never change, and every request walks one. */
const ruleLists = new WeakMap<Readonly<Record<string, FieldRule>>, [string, FieldRule][]>();

function entriesOf(rules: Readonly<Record<string, FieldRule>>): [string, FieldRule][] {
  let entries = ruleLists.get(rules);
  if (entries === undefined) {
    entries = Object.entries(rules);
    ruleLists.set(rules, entries);
  }
  return entries;
}

/** `field` must be given when `other` is `value` (the real name when the name is checked). */
export function requiredWhenEquals(field: string, other: string, value: string): CrossFieldRule {
  return (fields) =>
    fields[other] === value && !given(fields, field)
      ? { field, rule: ruleText.requiredWhen(`${other} is ${value}`) }
      : undefined;
}

/** `first` and `second` may not both be given; the answer names `second`. */
export function notTogether(first: string, second: string): CrossFieldRule {
  return (fields) =>
    given(fields, first) && given(fields, second) ? { field: second, rule: ruleText.exclusiveWith(first) } : undefined;
}

function given(fields: Readonly<Record<string, string>>, name: string): boolean {
  const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
  return value !== undefined && value !== '';
}

function brokenFieldRule(rule: FieldRule, value: string | undefined): string | undefined {
  // Empty is absent, as in the signature, which leaves empty values out.
  if (value === undefined || value === '') return rule.required ? ruleText.required : undefined;
  // Characters, not UTF-16 units: counted only when the units exceed the limit (there are never fewer units).
  if (rule.maxLength !== undefined && value.length > rule.maxLength && [...value].length > rule.maxLength) {
    return ruleText.maxLength(rule.maxLength);
  }
  if (rule.charset !== undefined && !rule.charset.re.test(value)) return ruleText.charset(rule.charset.characters);
  if (rule.integer !== undefined && !isIntegerWithin(value, rule.integer)) return ruleText.integer(rule.integer);
  if (rule.oneOf !== undefined && !rule.oneOf.includes(value)) return ruleText.oneOf(rule.oneOf);
  if (rule.ipv4 && !isIpv4(value)) return ruleText.ipv4;
  return undefined;
}

function isIntegerWithin(value: string, { min, max }: { min?: number; max?: number }): boolean {
  if (!/^[0-9]+$/.test(value)) return false;
  const number = Number(value);
  return (min === undefined || number >= min) && (max === undefined || number <= max);
}

/** Four decimal parts 0..255 without leading zeros (which some readers take for octal). */
function isIpv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((part) => /^(?:0|[1-9][0-9]{0,2})$/.test(part) && Number(part) <= 255);
}

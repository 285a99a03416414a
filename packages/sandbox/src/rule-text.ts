// The words a PARAM_ERROR answer uses for a broken field rule, APIv2 and APIv3 alike, e.g. `maxLength 28`.
// Each starts with the rule's name and states the limit, so a request can be fixed from the answer alone; none repeats
// the offending value (it may be long, or private).

export const ruleText = {
  required: 'required',
  requiredWhen: (condition: string): string => `required when ${condition}`,
  maxLength: (max: number): string => `maxLength ${max}`,
  minLength: (min: number): string => `minLength ${min}`,
  charset: (characters: string): string => `charset ${characters}`,
  integer: (bounds: { min?: number; max?: number }): string => `integer${boundsText(bounds)}`,
  /** An integer that may not exceed another field, named as the answer names fields. */
  notAbove: (other: string): string => `integer <= ${other}`,
  oneOf: (values: readonly string[]): string => `one of ${valuesText(values)}`,
  ipv4: 'ipv4',
  exclusiveWith: (other: string): string => `exclusive with ${other}`,
  string: 'string',
  object: 'object',
  httpsUrl: 'https URL without query',
  currency: 'ISO 4217 code [A-Z]{3}',
};

function boundsText({ min, max }: { min?: number; max?: number }): string {
  if (min !== undefined && max !== undefined) return min === max ? ` = ${min}` : ` ${min}..${max}`;
  if (min !== undefined) return ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  return '';
}

/** `A|B`, or `PRODUCT_1..PRODUCT_8` when the values are one prefix with consecutive numbers (long lists stay short). */
function valuesText(values: readonly string[]): string {
  const numbered = values.map((value) => /^(.*?)([0-9]+)$/.exec(value));
  const first = numbered[0];
  const isRun =
    values.length > 2 &&
    first != null &&
    numbered.every((match, i) => match != null && match[1] === first[1] && Number(match[2]) === Number(first[2]) + i);
  return isRun ? `${values[0]}..${values[values.length - 1]}` : values.join('|');
}

// Test helper for the APIv3 catalogue tests: runs an endpoint's runtime rules on call options as the client splits
// them, and changes a valid call at given locations to see which rule refuses it.
import { expect } from 'vitest';
import type { HttpVerb, V3CallParts } from '../../src/catalog/types.js';
import { findV3Endpoint, type V3Endpoints, type V3Path } from '../../src/catalog/v3.js';
import { ValidationError } from '../../src/errors.js';

/** The options a call to `P` takes (with several verbs, those of any of them). */
export type V3Options<P extends V3Path> = {
  [V in keyof V3Endpoints[P]]: V3Endpoints[P][V] extends { options: infer O } ? O : never;
}[keyof V3Endpoints[P]];

/** Call options as the client splits them: `json`, `query`, `upload` and `headers` by name, the rest path parameters. */
export function toParts(options: object): V3CallParts {
  const { json, query, upload, headers: _headers, ...params } = options as Record<string, unknown>;
  return { params, query: query as V3CallParts['query'], json, upload };
}

/** Runs the rules catalogued for `path` and `verb` on `options`; an uncatalogued endpoint fails the test. */
export function runRules(path: string, verb: HttpVerb, options: object): void {
  const meta = findV3Endpoint(path, verb);
  if (meta === undefined) throw new Error(`${verb} ${path} is not catalogued`);
  meta.validate?.(toParts(options));
}

/**
 * A deep copy of `options` with the value at each location (`json/amount/total`, `query/mchid`, `id`) replaced;
 * undefined deletes.
 */
export function changed(options: object, changes: Record<string, unknown>): object {
  const copy = structuredClone(options) as Record<string, unknown>;
  for (const [location, value] of Object.entries(changes)) {
    const keys = location.split('/');
    const last = keys.pop() as string;
    let target = copy;
    for (const key of keys) {
      target[key] ??= {};
      target = target[key] as Record<string, unknown>;
    }
    if (value === undefined) delete target[last];
    else target[last] = value;
  }
  return copy;
}

/** The ValidationError the rules throw for `options`, or undefined when they pass; any other error is rethrown. */
export function ruleError(path: string, verb: HttpVerb, options: object): ValidationError | undefined {
  try {
    runRules(path, verb, options);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  return undefined;
}

/** {@link ruleError} for `base` with `changes` applied, failing the test when the rules accept it. */
export function rejectionOf(
  path: string,
  verb: HttpVerb,
  base: object,
  changes: Record<string, unknown>,
): ValidationError {
  const error = ruleError(path, verb, changed(base, changes));
  if (error === undefined) throw new Error(`expected ${path} to reject ${JSON.stringify(changes)}`);
  return error;
}

/** A catalogue test's checks of its paths, each against its valid call (or `base`) with `changes` applied. */
export function catalogueChecks<P extends string>(verbOf: (path: P) => HttpVerb, valid: { readonly [K in P]: object }) {
  return {
    /** Runs the rules of `path` on `options`. */
    run(path: P, options: object): void {
      runRules(path, verbOf(path), options);
    },
    /** The ValidationError the rules throw; fails the test when they accept. */
    rejection(path: P, changes: Record<string, unknown>, base: object = valid[path]): ValidationError {
      return rejectionOf(path, verbOf(path), base, changes);
    },
    /** Fails the test when the rules refuse. */
    accepts(path: P, changes: Record<string, unknown>, base: object = valid[path]): void {
      expect(() => runRules(path, verbOf(path), changed(base, changes))).not.toThrow();
    },
  };
}

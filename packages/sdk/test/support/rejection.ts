// Test helper: the error a promise rejects with, failing the test when it resolves instead.
import { expect } from 'vitest';

/** Awaits `promise` and returns what it rejected with; a promise that resolves is a test failure. */
export async function rejection(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** {@link rejection}, with how long the rejection took to come. */
export async function timedRejection(promise: PromiseLike<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await rejection(promise);
  return { error, ms: performance.now() - started };
}

/** The error `promise` rejects with, checked to be a `type`; a promise that resolves is a test failure. */
export async function rejectionOfType<E extends Error>(
  promise: PromiseLike<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(type);
  return error as E;
}

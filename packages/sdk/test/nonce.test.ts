// Tests of the nonce generator: lengths, alphabet, and no letter favoured (bytes drawn in bulk, some rejected).
import { describe, expect, it } from 'vitest';
import { createNonce } from '../src/crypto/nonce.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

describe('createNonce', () => {
  it('gives the asked length in letters and digits only, 32 by default', () => {
    expect(createNonce()).toMatch(/^[A-Za-z0-9]{32}$/);
    for (const length of [0, 1, 7, 31, 33, 2000]) expect(createNonce(length)).toMatch(/^[A-Za-z0-9]*$/);
    for (const length of [0, 1, 7, 31, 33, 2000]) expect(createNonce(length)).toHaveLength(length);
  });

  it('never repeats a nonce, across many refills of the random pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) seen.add(createNonce(16));
    expect(seen.size).toBe(5000);
  });

  it('favours no character', () => {
    // 62 does not divide 256: mapping every byte with `% 62` would make A-H 25% likelier (chi-square near 800).
    const counts = new Map<string, number>();
    const draws = 4000;
    for (let i = 0; i < draws; i++) for (const char of createNonce()) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect([...counts.keys()].sort().join('')).toBe([...ALPHABET].sort().join(''));
    const expected = (draws * 32) / ALPHABET.length;
    let chiSquare = 0;
    for (const count of counts.values()) chiSquare += (count - expected) ** 2 / expected;
    // 61 degrees of freedom: a fair generator exceeds 140 with probability far below one in a million.
    expect(chiSquare).toBeLessThan(140);
  });
});

// Client options of the wrong shape are refused when the client is built, naming the option, never later as a
// TypeError inside the first call that happens to use them.
import { describe, expect, it } from 'vitest';
import { ValidationError, Wxpay } from '../src/index.js';

describe('options of the wrong shape', () => {
  const cases: Array<[string, unknown, string]> = [
    ['no object at all', null, 'options'],
    ['an array', [], 'options'],
    ['ca as a number', { ca: 5 }, 'options.ca'],
    ['ca as an array holding a number', { ca: ['pem', 5] }, 'options.ca'],
    ['certs as null', { certs: null }, 'options.certs'],
    ['certs as a string', { certs: 'pem' }, 'options.certs'],
    ['clock as a number', { clock: 5 }, 'options.clock'],
    ['merchant cert as a number', { merchant: { cert: 5, key: 'k' } }, 'options.merchant.cert'],
    [
      'merchant passphrase as a number',
      { merchant: { pfx: Buffer.from('x'), passphrase: 5 } },
      'options.merchant.passphrase',
    ],
    ['region naming an Object.prototype member', { region: 'toString' }, 'options.region'],
    ['region naming constructor', { region: 'constructor' }, 'options.region'],
    ['region as an object that cannot be a key', { region: { toString: [] } }, 'options.region'],
  ];

  it.each(cases)('%s', (_name, options, field) => {
    const build = () => new Wxpay(options as never);
    expect(build).toThrow(ValidationError);
    expect(build).toThrow(expect.objectContaining({ field }));
  });
});

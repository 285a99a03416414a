// Path templates: camelCase to kebab, parameters in both spellings, encoding once, no injection.
import { describe, expect, it } from 'vitest';
import { appendQuery, expandTemplate, isV2Template, splitPath, toTemplate } from '../src/chain.js';
import { ValidationError } from '../src/errors.js';

describe('toTemplate', () => {
  it('maps camelCase segments to kebab-case and both parameter spellings to {name}', () => {
    expect(toTemplate(['v3', 'global', 'transactions', 'outTradeNo', '_out_trade_no_'])).toBe(
      'v3/global/transactions/out-trade-no/{out_trade_no}',
    );
    expect(toTemplate(splitPath('v3/global/transactions/id/{id}'))).toBe('v3/global/transactions/id/{id}');
  });

  it('keeps a run of capitals together as one word', () => {
    expect(toTemplate(['v2', 'mmpaymkttransfers', 'getHBInfo'])).toBe('v2/mmpaymkttransfers/get-hb-info');
    expect(toTemplate(['v3', 'queryHB'])).toBe('v3/query-hb');
    expect(toTemplate(['v3', 'sendHBToUser2'])).toBe('v3/send-hb-to-user2');
    expect(toTemplate(['v3', 'a1B'])).toBe('v3/a1-b');
  });

  it('never rewrites uppercase literals, snake_case or digits', () => {
    expect(toTemplate(['v2', 'mmpaymkttransfers', 'query_coupon_stock'])).toBe(
      'v2/mmpaymkttransfers/query_coupon_stock',
    );
    expect(toTemplate(['v3', 'PUB_KEY_ID', 'ABCdef', 'paywwsptrans2pocket'])).toBe(
      'v3/PUB_KEY_ID/ABCdef/paywwsptrans2pocket',
    );
  });

  it.each(['..', '.', 'a?b', 'a#b', 'a b', '%2F', ''])('rejects the segment %j', (segment) => {
    expect(() => toTemplate(['v2', segment, 'x'])).toThrow(ValidationError);
  });
});

describe('lone surrogates', () => {
  it('are a ValidationError naming the parameter, never a URIError', () => {
    expect(() => expandTemplate('v3/t/{id}', { id: '\uD800' })).toThrow(
      expect.objectContaining({ name: 'ValidationError', field: 'id' }),
    );
    expect(() => appendQuery('/x', { q: 'a\uDC00' })).toThrow(expect.objectContaining({ field: 'query.q' }));
    expect(() => appendQuery('/x', { '\uD800': 'a' })).toThrow(expect.objectContaining({ field: 'query' }));
    // A whole pair is fine.
    expect(expandTemplate('v3/t/{id}', { id: '\uD83D\uDE00' })).toBe('v3/t/%F0%9F%98%80');
  });
});

describe('expandTemplate', () => {
  it('percent-encodes a value exactly once, so it cannot add segments, a query or a fragment', () => {
    expect(expandTemplate('v3/t/{id}', { id: 'a/b?c#d%2F' })).toBe('v3/t/a%2Fb%3Fc%23d%252F');
    expect(expandTemplate('v3/t/{id}/x', { id: '4200000001202611250000000001' })).toBe(
      'v3/t/4200000001202611250000000001/x',
    );
  });

  it.each([
    [{}, 'required path parameter (string)'],
    [{ id: '' }, 'required path parameter (non-empty)'],
    [{ id: '..' }, 'path parameter may not be . or ..'],
    [{ id: { toString: (): string => 'x' } }, 'required path parameter (string)'],
  ])('rejects %j', (values, rule) => {
    const error = (() => {
      try {
        expandTemplate('v3/t/{id}', values);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: 'id', rule });
  });
});

describe('helpers', () => {
  it('tells APIv2 paths apart and appends encoded queries', () => {
    expect(isV2Template('v2/mmpaymkttransfers/gethbinfo')).toBe(true);
    expect(isV2Template('v3/global/certificates')).toBe(false);
    expect(isV2Template('v2x/y')).toBe(false);
    expect(appendQuery('/p', { mchid: '1900000109', skip: undefined, q: 'a&b=c' })).toBe(
      '/p?mchid=1900000109&q=a%26b%3Dc',
    );
    expect(appendQuery('/p', undefined)).toBe('/p');
    expect(() => appendQuery('/p', { bad: {} })).toThrow(ValidationError);
  });
});

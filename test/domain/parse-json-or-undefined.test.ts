// The one way the tree reads text that may not be JSON: the value, or undefined when the text is
// not JSON. JSON.parse never returns undefined, so undefined says "not JSON" without ambiguity.
import { describe, expect, it } from 'vitest';
import { parseJsonOrUndefined } from '../../lambda/domain/parse-json-or-undefined.js';

describe('parseJsonOrUndefined', () => {
  it.each<[string, unknown]>([
    ['{"token":"fake","expires":1}', { token: 'fake', expires: 1 }],
    ['[1,"2"]', [1, '2']],
    ['null', null],
    ['0', 0],
    ['false', false],
    ['"text"', 'text'],
  ])('reads %s as its value', (text, value) => {
    expect(parseJsonOrUndefined(text)).toEqual(value);
  });

  it.each([[''], ['   '], ['<html><body>Error 404</body></html>'], ['{"token":'], ['undefined'], ['\u0000\ufeff{<!--']])('gives undefined for %j, which is not JSON', (text) => {
    expect(parseJsonOrUndefined(text)).toBeUndefined();
  });
});

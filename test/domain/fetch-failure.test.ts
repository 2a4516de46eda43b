// How a failed fetch says why: undici's TypeError "fetch failed" with the system error on its cause
// (or deeper), AbortSignal.timeout's TimeoutError.
import { describe, expect, it } from 'vitest';
import { errorCode, isTimeout } from '../../lambda/domain/fetch-failure.js';

const systemError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });

describe('isTimeout', () => {
  it.each<[string, unknown, boolean]>([
    ['a TimeoutError', new DOMException('The operation was aborted due to timeout', 'TimeoutError'), true],
    ['an AbortError', new DOMException('This operation was aborted', 'AbortError'), true],
    ['fetch failed', new TypeError('fetch failed', { cause: systemError('ECONNREFUSED') }), false],
    ['a string', 'TimeoutError', false],
  ])('%s → %s', (_name, error, expected) => {
    expect(isTimeout(error)).toBe(expected);
  });
});

describe('errorCode', () => {
  it('reads the code on the cause of fetch failed', () => {
    expect(errorCode(new TypeError('fetch failed', { cause: systemError('ECONNREFUSED') }))).toBe('ECONNREFUSED');
  });

  it('reads a code two causes deep, and the nearest one first', () => {
    const deep = new TypeError('fetch failed', { cause: new Error('socket', { cause: systemError('ECONNRESET') }) });
    expect(errorCode(deep)).toBe('ECONNRESET');
    expect(errorCode(Object.assign(new Error('outer', { cause: systemError('ENOTFOUND') }), { code: 'UND_ERR_SOCKET' }))).toBe('UND_ERR_SOCKET');
  });

  it('gives undefined without a string code, or for what is not an Error', () => {
    expect([errorCode(new TypeError('fetch failed')), errorCode(Object.assign(new Error('x'), { code: 7 })), errorCode({ code: 'ENOTFOUND' })]).toEqual([undefined, undefined, undefined]);
  });
});

// Every error class the service defines has its row in the one table from errors to HTTP, and the
// table holds no row for a class that does not exist.
import { describe, expect, it } from 'vitest';
import * as errors from '../../lambda/domain/errors.js';
import { PROBLEM_TYPES, problemHeaders, problemTypeOf } from '../../lambda/http/problem-types.js';

const concrete = Object.entries(errors).filter(
  ([name, value]) => typeof value === 'function' && value.prototype instanceof errors.TokenVendingError && !['RetryLaterError'].includes(name),
);

describe('the problem table', () => {
  it('has a row for every error class, and none for a class that does not exist', () => {
    expect(Object.keys(PROBLEM_TYPES).sort()).toEqual(concrete.map(([name]) => name).sort());
  });

  it('gives each slug to one class only', () => {
    const slugs = Object.values(PROBLEM_TYPES).map((p) => p.slug);
    expect(new Set(slugs).size).toBe(slugs.length);
  });

  it('answers an error it does not know as no problem type (the answer is then a 500 internal)', () => {
    expect([problemTypeOf(new Error('x')), problemTypeOf('x')]).toEqual([undefined, undefined]);
  });

  it('counts Retry-After from when a refusal was decided, in whole seconds, at least 1', () => {
    expect(problemHeaders(new errors.LoginInProgressError('busy', 1_200))).toEqual({ 'retry-after': '2' });
    expect(problemHeaders(new errors.RefreshRateLimitedError('later', 0))).toEqual({ 'retry-after': '1' });
    expect(problemHeaders(new errors.LoginPausedError('paused', 10_000 + 90_000, { url: 'u', code: 400, message: 'm', details: [] }, 10_000))).toEqual({ 'retry-after': '90' });
    expect(problemHeaders(new errors.MethodNotAllowedError('no'))).toEqual({ allow: 'GET' });
    expect(problemHeaders(new errors.BadRequestError('no'))).toEqual({});
  });
});

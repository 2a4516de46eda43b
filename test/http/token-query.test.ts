import { describe, expect, it } from 'vitest';
import { parseTokenQuery } from '../../lambda/http/token-query-schema.js';
import { BadRequestError } from '../../lambda/domain/errors.js';

function refusal(query: Record<string, string[]>): string {
  try {
    parseTokenQuery(query);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestError);
    return (error as Error).message;
  }
  throw new Error('expected a BadRequestError');
}

describe('parseTokenQuery', () => {
  it('defaults minValidity to 0', () => {
    expect(parseTokenQuery({})).toEqual({ minValiditySeconds: 0 });
  });
  it('reads minValidity in seconds', () => {
    expect(parseTokenQuery({ minValidity: ['600'] })).toEqual({ minValiditySeconds: 600 });
    expect(parseTokenQuery({ minValidity: ['1296000'] })).toEqual({ minValiditySeconds: 1_296_000 });
  });
  it.each([['-5'], ['1.5'], ['ten'], [''], ['0x10']])('refuses minValidity=%s', (value) => {
    expect(refusal({ minValidity: [value] })).toBe('Bad query string: minValidity must be a whole number of seconds, e.g. minValidity=600.');
  });
  it('refuses more than 15 days', () => {
    expect(refusal({ minValidity: ['1296001'] })).toBe('Bad query string: minValidity is at most 1296000 seconds (15 days).');
  });
  it('refuses a repeated minValidity', () => {
    expect(refusal({ minValidity: ['1', '2'] })).toBe('Bad query string: give minValidity once.');
  });
  it('refuses unknown parameters so typos fail loudly', () => {
    expect(refusal({ minvalidity: ['600'] })).toBe('Bad query string: unknown query parameter(s) "minvalidity"; the only one supported is minValidity.');
  });
});

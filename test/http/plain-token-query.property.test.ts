// The GET /token query's plain check (lambda/http/token-query.ts) reads the queries apps send
// without zod, so a cold cached request loads no schema. It must accept only what the schema accepts,
// give what the schema gives, and leave every other query to it: whatever readTokenQuery answers,
// value or refusal, is what parseTokenQuery (the schema) answers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NO_QUERY, plainTokenQuery, readTokenQuery } from '../../lambda/http/token-query.js';
import { parseTokenQuery } from '../../lambda/http/token-query-schema.js';
import { BadRequestError } from '../../lambda/domain/errors.js';

const MAX = 1_296_000; // 15 days in seconds
const RUNS = { numRuns: 500 };

type Query = Record<string, string[] | undefined>;

/** The schema's answer: the query, or the refusal's class and message. */
function bySchema(query: Query): { value: unknown } | { error: [unknown, string] } {
  try {
    return { value: parseTokenQuery(query) };
  } catch (error) {
    return { error: [(error as object).constructor, (error as Error).message] };
  }
}

async function byRead(query: Query): Promise<{ value: unknown } | { error: [unknown, string] }> {
  try {
    return { value: await readTokenQuery(query) };
  } catch (error) {
    return { error: [(error as object).constructor, (error as Error).message] };
  }
}

const digits = fc.oneof(
  // Either side of the limit.
  fc.integer({ min: MAX - 3, max: MAX + 3 }).map(String),
  fc.integer({ min: 0, max: MAX }).map(String),
  fc.integer({ min: MAX + 1, max: Number.MAX_SAFE_INTEGER }).map(String),
  fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: MAX + 10 })).map(([pad, n]) => '0'.repeat(pad) + String(n)),
  fc.stringMatching(/^[0-9]{300,320}$/),
);
const value = fc.oneof(digits, fc.constantFrom('', ' 600', '600 ', '6e2', '-1', '+5', '0x10', '1.5', '٣', '６００', 'Infinity', 'NaN'), fc.string({ maxLength: 8 }));
const values = fc.oneof({ weight: 4, arbitrary: fc.tuple(value).map((v) => [...v]) }, { weight: 1, arbitrary: fc.array(value, { maxLength: 3 }) });
const key = fc.constantFrom('minValidity', 'minvalidity', 'MinValidity', 'token', 'f', '__proto__', 'constructor', '');
const query: fc.Arbitrary<Query> = fc
  .array(fc.tuple(key, fc.option(values, { nil: undefined })), { maxLength: 3 })
  .map((entries) => {
    const q: Query = {};
    // defineProperty: a key such as __proto__ becomes an own key, as a parsed query string's would.
    for (const [k, v] of entries) Object.defineProperty(q, k, { value: v, enumerable: true, writable: true, configurable: true });
    return q;
  });

describe('plainTokenQuery', () => {
  it('answers a query only as the schema does, and leaves the rest to it', () => {
    fc.assert(
      fc.property(query, (q) => {
        const plain = plainTokenQuery(q);
        if (plain !== undefined) expect({ value: plain }).toStrictEqual(bySchema(q));
      }),
      RUNS,
    );
    // minValidity alone, the query the check reads, more often than the mix above gives it.
    fc.assert(
      fc.property(values, (v) => {
        const plain = plainTokenQuery({ minValidity: v });
        if (plain !== undefined) expect({ value: plain }).toStrictEqual(bySchema({ minValidity: v }));
      }),
      RUNS,
    );
  });

  it('reads the queries apps send: none, and minValidity once as digits within 15 days (zero-padded too)', () => {
    expect(plainTokenQuery({})).toBe(NO_QUERY);
    expect(plainTokenQuery({ minValidity: undefined, other: undefined })).toBe(NO_QUERY);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX }), fc.integer({ min: 0, max: 4 }), (n, pad) => {
        expect(plainTokenQuery({ minValidity: ['0'.repeat(pad) + String(n)] })).toStrictEqual({ minValiditySeconds: n });
      }),
      RUNS,
    );
  });

  it('leaves every mistake to the schema, which words it', () => {
    for (const q of [{ minValidity: ['600', '700'] }, { minValidity: [] }, { minValidity: ['six'] }, { minValidity: [String(MAX + 1)] }, { minvalidity: ['600'] }, { minValidity: ['600'], f: ['json'] }, { minValidity: ['٣'] }]) {
      expect([q, plainTokenQuery(q)]).toStrictEqual([q, undefined]);
    }
  });
});

describe('readTokenQuery', () => {
  it('answers every query, value or refusal, exactly as the schema does', async () => {
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        expect(await byRead(q)).toStrictEqual(bySchema(q));
      }),
      RUNS,
    );
  });

  it('refuses a bad query with the schema\'s BadRequestError and message', async () => {
    expect(await byRead({ minValidity: ['1', '2'] })).toStrictEqual({ error: [BadRequestError, 'Bad query string: give minValidity once.'] });
    expect(await byRead({ minvalidity: ['600'] })).toStrictEqual({ error: [BadRequestError, 'Bad query string: unknown query parameter(s) "minvalidity"; the only one supported is minValidity.'] });
  });
});

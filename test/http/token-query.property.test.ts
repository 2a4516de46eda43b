// Property-based tests of the GET /token query parser: it accepts exactly {} and
// {minValidity: [decimal digits within 0..1296000]} and refuses everything else with a BadRequestError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTokenQuery } from '../../lambda/http/token-query-schema.js';
import { BadRequestError } from '../../lambda/domain/errors.js';

const MAX = 1_296_000; // 15 days in seconds
const RUNS = { numRuns: 300 };
const NOT_A_NUMBER = 'Bad query string: minValidity must be a whole number of seconds, e.g. minValidity=600.';
const TOO_LONG = `Bad query string: minValidity is at most ${MAX} seconds (15 days).`;

type Query = Record<string, string[] | undefined>;

function outcome(query: Query): { value: number } | { error: unknown } {
  try {
    const result = parseTokenQuery(query);
    expect(Object.keys(result)).toStrictEqual(['minValiditySeconds']);
    return { value: result.minValiditySeconds };
  } catch (error) {
    return { error };
  }
}
function refusal(query: Query): string {
  const result = outcome(query);
  if ('value' in result) throw new Error(`expected a BadRequestError, got ${result.value}`);
  expect((result.error as object).constructor).toBe(BadRequestError);
  return (result.error as Error).message;
}

/** The specification: the accepted value, or undefined when the query must be refused. */
function expected(query: Query): number | undefined {
  const present = Object.entries(query).filter(([, values]) => values !== undefined);
  if (present.length === 0) return 0;
  if (present.length > 1 || present[0]![0] !== 'minValidity') return undefined;
  const values = present[0]![1]!;
  if (values.length !== 1 || !/^[0-9]+$/.test(values[0]!)) return undefined;
  const n = Number(values[0]);
  return n <= MAX ? n : undefined;
}

/** Builds a record with own properties only, "__proto__" included. */
function record(entries: ReadonlyArray<readonly [string, string[] | undefined]>): Query {
  const query: Query = {};
  for (const [key, values] of entries) Object.defineProperty(query, key, { value: values, enumerable: true, writable: true, configurable: true });
  return query;
}

const digitsArb = fc.oneof(
  fc.integer({ min: 0, max: MAX }).map(String),
  fc.integer({ min: 0, max: MAX }).chain((n) => fc.nat({ max: 12 }).map((pad) => '0'.repeat(pad) + n)),
  fc.stringMatching(/^[0-9]{1,12}$/),
);
const valueArb = fc.oneof(
  { weight: 3, arbitrary: digitsArb },
  { weight: 2, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.constantFrom('', ' 600', '600 ', '-5', '+5', '1.5', '1e3', '0x10', '٣٠٠', '６００', 'Infinity') },
);
const keyArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant('minValidity') },
  { weight: 1, arbitrary: fc.constantFrom('minvalidity', 'MinValidity', 'minValidity ', 'token', 'f', '__proto__', 'constructor', 'toString', '') },
  { weight: 1, arbitrary: fc.string() },
);
const queryArb = fc
  .array(fc.tuple(keyArb, fc.option(fc.array(valueArb, { maxLength: 3 }), { nil: undefined, freq: 4 })), { maxLength: 3 })
  .map((entries) => record(entries));

describe('parseTokenQuery (properties)', () => {
  it('accepts exactly {} and {minValidity:[digits ≤ 1296000]} (undefined values ignored); anything else is a BadRequestError', () => {
    fc.assert(
      fc.property(queryArb, (query) => {
        const want = expected(query);
        const result = outcome(query);
        if (want === undefined) {
          expect('error' in result && (result.error as object).constructor).toBe(BadRequestError);
          const message = (result as { error: Error }).error.message;
          expect(message.startsWith('Bad query string: ')).toBe(true);
          expect(message.endsWith('.')).toBe(true);
        } else {
          expect(result).toStrictEqual({ value: want });
        }
      }),
      RUNS,
    );
  });

  it('String(n) round-trips for every n in 0..1296000, with or without leading zeros', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX }), fc.nat({ max: 20 }), (n, pad) => {
        expect(parseTokenQuery({ minValidity: [String(n)] })).toStrictEqual({ minValiditySeconds: n });
        expect(parseTokenQuery({ minValidity: ['0'.repeat(pad) + String(n)] })).toStrictEqual({ minValiditySeconds: n });
      }),
      RUNS,
    );
  });

  it('a whole number above 1296000 (however many digits) is refused as too long, not as "not a whole number"', () => {
    const tooLong = fc.oneof(fc.integer({ min: MAX + 1 }).map(String), fc.bigInt({ min: BigInt(MAX) + 1n, max: 10n ** 400n }).map(String));
    fc.assert(
      fc.property(tooLong, (value) => {
        expect(refusal({ minValidity: [value] })).toBe(TOO_LONG);
      }),
      RUNS,
    );
  });

  it('a minValidity that is not only ASCII digits is refused as "not a whole number"', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) }), valueArb).filter((v) => !/^[0-9]+$/.test(v)), (value) => {
        expect(refusal({ minValidity: [value] })).toBe(NOT_A_NUMBER);
      }),
      RUNS,
    );
  });

  it('minValidity given zero or several times is refused', () => {
    fc.assert(
      fc.property(fc.array(digitsArb, { maxLength: 5 }).filter((values) => values.length !== 1), (values) => {
        expect(refusal({ minValidity: values })).toBe('Bad query string: give minValidity once.');
      }),
      RUNS,
    );
  });

  it('any other parameter is refused by name, whatever minValidity says', () => {
    const unknownKeys = fc.uniqueArray(fc.string().filter((k) => k !== 'minValidity'), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(unknownKeys, fc.option(digitsArb, { nil: undefined }), (keys, minValidity) => {
        const entries: Array<[string, string[]]> = keys.map((k) => [k, ['1']]);
        if (minValidity !== undefined) entries.push(['minValidity', [minValidity]]);
        const query = record(entries);
        const message = refusal(query);
        const named = Object.keys(query).filter((k) => k !== 'minValidity'); // property order: integer-like keys first
        expect(message).toContain(`unknown query parameter(s) ${named.map((k) => `"${k}"`).join(', ')}; the only one supported is minValidity`);
      }),
      RUNS,
    );
  });
});

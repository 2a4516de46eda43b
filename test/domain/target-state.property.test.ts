// The token record read from the store is checked without zod when it is the record this service
// writes (domain/cached-token.ts says why). Whatever that check accepts, TargetStateSchema accepts
// with the same result; everything else goes to the schema, so parseTargetState answers as the
// schema always did.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { writtenRecord } from '../../lambda/domain/cached-token.js';
import { TargetStateSchema, parseTargetState } from '../../lambda/domain/target-state-schema.js';

const RUNS = { numRuns: 2000 };

const mostly = <T, U>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<U>) => fc.oneof({ weight: 12, arbitrary: valid }, { weight: 1, arbitrary: other });
const positive = mostly(fc.integer({ min: 1, max: 4_102_444_800_000 }), fc.constantFrom(0, -1, 1.5, '5', Number.MAX_SAFE_INTEGER + 2, null));
const text = mostly(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom('', 7, null));
const sometimes = <T>(arb: fc.Arbitrary<T>) => fc.oneof(fc.constant(undefined), arb);
const withoutUndefined = (value: Record<string, unknown>) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));

const bindingArb = fc
  .record({
    client: mostly(fc.constantFrom('referer', 'ip', 'requestip', 'none', 'unknown'), fc.constantFrom('caller-ip', 'Referer', 3)),
    referer: sometimes(mostly(fc.webUrl(), fc.constantFrom(1, null))),
    ip: sometimes(mostly(fc.ipV4(), fc.constantFrom(false))),
    other: fc.oneof({ weight: 10, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.anything() }),
  })
  .map(withoutUndefined);

const tokenArb = fc
  .record({
    token: text,
    expires: positive,
    ssl: mostly(fc.boolean(), fc.constantFrom('true', 1)),
    issuedAt: positive,
    fingerprint: text,
    identity: text,
    binding: mostly(bindingArb, fc.constantFrom(null, 'referer', [])),
    requestedMinutes: sometimes(positive),
    other: fc.oneof({ weight: 10, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.anything() }),
  })
  // Now and then a required field missing.
  .chain((t) => fc.oneof({ weight: 10, arbitrary: fc.constant(t) }, { weight: 1, arbitrary: fc.constantFrom(...Object.keys(t)).map((k) => ({ ...t, [k]: undefined })) }))
  .map(withoutUndefined);

const loginFailureArb = fc.record({ secretVersion: fc.string(), at: positive, until: positive, code: fc.integer(), message: fc.string(), details: fc.array(fc.string()), url: fc.string() });

const recordArb = fc
  .record({
    version: mostly(fc.constant(2), fc.constantFrom(1, '2', 3)),
    token: sometimes(tokenArb),
    loginFailure: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: loginFailureArb }),
    other: fc.oneof({ weight: 10, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.anything() }),
  })
  .map(withoutUndefined);

describe('the token record check without zod', () => {
  it('accepts only records the schema accepts, and gives exactly what the schema gives', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof({ weight: 8, arbitrary: recordArb }, { weight: 1, arbitrary: fc.anything() }, { weight: 1, arbitrary: fc.jsonValue() }), (input) => {
        const written = writtenRecord(structuredClone(input));
        const schema = TargetStateSchema.safeParse(input);
        expect(parseTargetState(structuredClone(input))).toStrictEqual(schema.success ? schema.data : undefined);
        if (written === undefined) return;
        accepted++;
        expect(schema.success).toBe(true);
        expect(written).toStrictEqual(schema.data);
        expect(JSON.stringify(written)).toBe(JSON.stringify(schema.data));
      }),
      RUNS,
    );
    expect(accepted).toBeGreaterThan(200);
  });

  it('reads the record as the service writes it (a referer-bound token) without the schema', () => {
    const record = {
      version: 2,
      token: { token: 'fake-token-abc', expires: 1_796_169_215_289, ssl: true, issuedAt: 1_796_165_615_289, fingerprint: 'f'.repeat(32), identity: 'i'.repeat(32), binding: { client: 'referer', referer: 'https://apps.example.com' }, requestedMinutes: 60 },
    };
    const read = JSON.parse(JSON.stringify(record)) as unknown;
    expect(writtenRecord(read)).toStrictEqual(record);
    expect(parseTargetState(read)).toStrictEqual(record);
  });

  it('leaves a legacy record with a loginFailure to the schema, which reads it and keeps the failure', () => {
    const legacy = { version: 2, loginFailure: { secretVersion: 'v1', at: 1, until: 2, code: 400, message: 'Invalid credentials', details: [], url: 'https://gis.example.com/portal/sharing/rest/generateToken' } };
    expect(writtenRecord(legacy)).toBeUndefined();
    expect(parseTargetState(legacy)).toStrictEqual(legacy);
  });
});

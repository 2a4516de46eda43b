// One answer contract: the zod schema in lambda/domain/token-answer.ts is what the service's type
// and the clients' parser come from, and docs/openapi.yaml's TokenAnswer must describe the same
// set of answers. Random answers, valid and broken in every way fast-check finds, must be accepted
// or refused by both alike.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenAnswerSchema } from '../../lambda/domain/token-answer.js';
import { TARGET_NAME } from '../../lambda/domain/target-name.js';
import { createValidators, loadOpenApi } from './openapi-document.js';

const validate = createValidators(loadOpenApi())('#/components/schemas/TokenAnswer');
const targetNameOf = createValidators(loadOpenApi())('#/components/parameters/target/schema');

/** Mostly the valid value, sometimes another, sometimes absent: answers near the contract's edges. */
const field = <T>(valid: fc.Arbitrary<T>, ...others: Array<fc.Arbitrary<unknown>>) =>
  fc.oneof({ weight: 16, arbitrary: valid }, ...others.map((arbitrary) => ({ weight: 1, arbitrary })), { weight: 1, arbitrary: fc.constant(undefined) });

const answerArb = fc
  .record({
    token: field(fc.string({ minLength: 1, maxLength: 12 }), fc.constant('')),
    expires: field(fc.integer({ min: 1, max: 2 ** 45 }), fc.constantFrom(0, -1, 1.5)),
    expiresAt: field(fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()), fc.constantFrom('2026-12-01T10:00:00+01:00', 'tomorrow', '')),
    ssl: field(fc.boolean(), fc.constant('true')),
    target: field(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,8}$/), fc.constantFrom('-x', '', 'a b', 'x'.repeat(65))),
    client: field(fc.constantFrom('referer', 'ip', 'requestip', 'none', 'unknown'), fc.constantFrom('Referer', '')),
    referer: fc.option(fc.constantFrom('https://apps.example.com', 'http://localhost'), { nil: undefined }),
    ip: fc.option(fc.constantFrom('203.0.113.7', '2001:db8::1'), { nil: undefined }),
    usage: field(
      fc.record({
        header: field(fc.constant('X-Esri-Authorization'), fc.constant('Authorization')),
        scheme: field(fc.constant('Bearer')),
        parameter: field(fc.constant('token')),
        refererHeader: fc.option(fc.constant('https://apps.example.com'), { nil: undefined }),
        httpsOnly: field(fc.boolean()),
      }),
    ),
    source: field(fc.constantFrom('cache', 'generated', 'manual'), fc.constant('memory')),
    stale: field(fc.boolean()),
    staleReason: fc.option(fc.constant('ArcGIS did not answer'), { nil: undefined }),
    extra: fc.option(fc.constant('not in the contract'), { nil: undefined, freq: 10 }),
  })
  // Absent members are left out, as JSON would: undefined is not a value the wire can carry.
  .map((answer) => JSON.parse(JSON.stringify(answer)) as Record<string, unknown>);

describe('the answer contract', () => {
  it('is accepted and refused alike by the zod schema and the OpenAPI TokenAnswer schema', () => {
    let accepted = 0;
    fc.assert(
      fc.property(answerArb, (answer) => {
        const zod = tokenAnswerSchema.safeParse(answer).success;
        const openapi = validate(answer);
        if (zod) accepted++;
        expect({ zod, openapi }).toEqual({ zod: openapi, openapi });
      }),
      { numRuns: 3000 },
    );
    // The generator reaches valid answers too, not only broken ones.
    expect(accepted).toBeGreaterThan(20);
  });

  it('names targets by the one rule the service, the clients and the document share', () => {
    for (const name of ['maps', 'A', 'a-b_c', '9', 'x'.repeat(64), '-x', '_x', '', 'a b', 'x'.repeat(65), 'é']) {
      expect(targetNameOf(name)).toBe(TARGET_NAME.test(name));
    }
  });
});

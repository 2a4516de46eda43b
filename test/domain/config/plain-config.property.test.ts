// plainServiceConfig reads a configuration without zod, for the cold start (lambda/domain/config/plain-config.ts
// says why). It may leave any input to the schema, but whatever it accepts the schema must accept,
// with the same result to the last key and its order; and it must accept the configurations the
// construct writes, or it saves nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_EXPIRATION_MINUTES } from '../../../lambda/domain/config/settings.js';
import { ServiceConfigSchema, type ServiceConfigInput } from '../../../lambda/domain/config/schema.js';
import { parseServiceConfig, withDefaultTarget } from '../../../lambda/domain/config/parse-config.js';
import { plainServiceConfig } from '../../../lambda/domain/config/plain-config.js';

const RUNS = { numRuns: 1500 };

/** What the schema makes of the input: the configuration with its defaults, or undefined when it refuses it. */
function bySchema(input: unknown) {
  const result = ServiceConfigSchema.safeParse(input);
  return result.success ? withDefaultTarget(result.data) : undefined;
}

function agrees(input: unknown): boolean {
  const plain = plainServiceConfig(structuredClone(input));
  if (plain === undefined) return false;
  const schema = bySchema(input);
  expect(schema).toBeDefined();
  expect(plain).toStrictEqual(schema);
  expect(JSON.stringify(plain)).toBe(JSON.stringify(schema));
  return true;
}

// Each field mostly valid, sometimes at or past a rule's edge, sometimes of the wrong type, so that
// both answers are common.
const mostly = <T, U>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<U>) => fc.oneof({ weight: 15, arbitrary: valid }, { weight: 1, arbitrary: other });
const edgeInt = (min: number, max: number) =>
  mostly(fc.integer({ min, max }), fc.oneof(fc.integer({ min: min - 2, max: min + 2 }), fc.integer({ min: max - 2, max: max + 2 }), fc.constantFrom(1.5, -0, '60', null, Number.MAX_SAFE_INTEGER + 2)));
const padded = (arb: fc.Arbitrary<string>) => fc.tuple(fc.constantFrom(' ', '\t', ''), arb, fc.constantFrom('', ' ', '\n')).map(([a, b, c]) => `${a}${b}${c}`);
const httpsArb = fc.webUrl({ validSchemes: ['https'], withQueryParameters: true, withFragments: true });
const urlArb = mostly(
  httpsArb,
  fc.oneof(
    fc.webUrl({ validSchemes: ['http', 'ftp', 'file'] }),
    padded(httpsArb),
    fc.constantFrom('https://user:pw@gis.example.com/portal', 'not a url', 'https://', 'HTTPS://GIS.Example.com:443/Portal', ''),
  ),
);
const nameArb = mostly(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,12}$/), fc.constantFrom('-bad', 'a'.repeat(65), 'Same', 'same', '', 3));
const refererArb = mostly(
  fc.constantFrom('https://apps.example.com', 'https://apps.example.com/maps/', 'http://localhost:3000'),
  fc.oneof(padded(fc.constantFrom('https://apps.example.com')), fc.constantFrom('https://apps.example.com/map?x=1', 'https://apps.example.com#a', '', 'ftp://apps.example.com', 'apps.example.com'), urlArb),
);
const ipArb = mostly(fc.oneof(fc.ipV4(), fc.ipV6()), fc.oneof(padded(fc.ipV4()), fc.constantFrom('999.1.1.1', 'localhost', '')));
const secretIdArb = mostly(fc.stringMatching(/^[A-Za-z0-9/_+=.@-]{1,20}$/), fc.oneof(fc.string({ maxLength: 6 }), padded(fc.constantFrom('arcgis/s'))));

const targetArb: fc.Arbitrary<Record<string, unknown>> = fc
  .record(
    {
      name: nameArb,
      url: urlArb,
      kind: mostly(fc.constantFrom('portal', 'server', 'admin', 'federated'), fc.constantFrom('Portal', '')),
      client: mostly(fc.constantFrom('referer', 'ip', 'requestip', 'caller-ip'), fc.constantFrom('Referer', 'none')),
      referer: refererArb,
      ip: ipArb,
      expirationMinutes: edgeInt(1, MAX_EXPIRATION_MINUTES),
      secretId: secretIdArb,
      serviceUrl: urlArb,
      maxCallers: edgeInt(1, 10_000),
      portalUrl: urlArb,
      allowedOrigins: fc.array(urlArb, { maxLength: 2 }),
      extra: fc.anything(),
    },
    { requiredKeys: [] },
  )
  // Usually the fields a binding needs and no others, so that the accepted case is common.
  .chain((t) =>
    fc.constantFrom('as generated', ...Array<'binding only'>(7).fill('binding only')).map((how) => {
      if (how === 'as generated') return t;
      const { portalUrl: _portal, allowedOrigins: _origins, extra: _extra, referer, ip, maxCallers, ...base } = t;
      const client = base.client ?? 'referer';
      return {
        ...base,
        name: base.name ?? 'a',
        url: base.url ?? 'https://gis.example.com/portal',
        secretId: base.secretId ?? 'arcgis/s',
        ...(client === 'referer' ? { referer: referer ?? 'https://apps.example.com' } : {}),
        ...(client === 'ip' ? { ip: ip ?? '203.0.113.7' } : {}),
        ...(client === 'caller-ip' && maxCallers !== undefined ? { maxCallers } : {}),
      };
    }),
  );

/** A field left out half the time (left out: no key at all, as in JSON). */
const sometimes = <T>(arb: fc.Arbitrary<T>) => fc.oneof(fc.constant(undefined), arb);
const withoutUndefined = (value: Record<string, unknown>) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));

const configArb: fc.Arbitrary<Record<string, unknown>> = mostly(fc.array(targetArb, { minLength: 1, maxLength: 3 }), fc.constantFrom([], 'all'))
  .chain((targets) =>
    fc.record({
      targets: fc.constant(targets),
      // Usually one of the targets' names.
      defaultTarget: sometimes(Array.isArray(targets) && targets.length > 0 ? mostly(fc.constantFrom(...targets.map((t) => t.name)), fc.oneof(nameArb, fc.constant(7))) : nameArb),
      allowInsecureHttp: sometimes(mostly(fc.boolean(), fc.constantFrom('yes', 1))),
      parameterPrefix: sometimes(mostly(fc.stringMatching(/^(\/[A-Za-z0-9_.-]{1,8}){1,3}$/), fc.constantFrom('nope', '/a b', '/', ''))),
      refreshMarginSeconds: sometimes(edgeInt(0, 86_400)),
      scheduleIntervalMinutes: sometimes(edgeInt(1, 1440)),
      requestTimeoutMs: sometimes(mostly(fc.integer({ min: 100, max: 25_000 }), edgeInt(100, 60_000))),
      deadlineMs: sometimes(edgeInt(1_000, 28_000)),
      minValidityRefreshIntervalSeconds: sometimes(edgeInt(0, 86_400)),
      unknownSetting: fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.anything() }),
    }),
  )
  .map(withoutUndefined);

describe('plainServiceConfig', () => {
  it('accepts only what the schema accepts, and then gives exactly what the schema gives', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof({ weight: 8, arbitrary: configArb }, { weight: 1, arbitrary: fc.anything() }, { weight: 1, arbitrary: fc.jsonValue() }), (input) => {
        if (agrees(input)) accepted++;
      }),
      RUNS,
    );
    // Not a property that holds by accepting nothing.
    expect(accepted).toBeGreaterThan(50);
  });

  it.each<[string, ServiceConfigInput]>([
    ['one referer target, as the construct writes it', { targets: [{ name: 'default', url: 'https://www.arcgis.com', referer: 'https://apps.example.com', secretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:arcgis-token-vending/default-AbCdEf' }] }],
    [
      'every binding and every setting',
      {
        targets: [
          { name: 'portal', url: 'https://gis.example.com/portal', kind: 'portal', client: 'referer', referer: 'https://apps.example.com/maps', expirationMinutes: 120, secretId: 'arcgis/portal', serviceUrl: 'https://gis.example.com/server/rest/services/Secure/MapServer' },
          { name: 'server', url: 'https://gis.example.com/server/rest/services', client: 'ip', ip: '203.0.113.7', secretId: 'arcgis/server' },
          { name: 'callers', url: 'https://gis.example.com/portal', client: 'caller-ip', maxCallers: 20, secretId: 'arcgis/portal' },
          { name: 'egress', url: 'https://gis.example.com/portal', client: 'requestip', secretId: 'arcgis/portal' },
        ],
        defaultTarget: 'server',
        allowInsecureHttp: false,
        parameterPrefix: '/gis/tokens',
        refreshMarginSeconds: 600,
        scheduleIntervalMinutes: 10,
        requestTimeoutMs: 5_000,
        deadlineMs: 20_000,
        minValidityRefreshIntervalSeconds: 120,
      },
    ],
    ['the local simulator over plain http', { targets: [{ name: 'local', url: 'http://127.0.0.1:3001/portal', referer: 'http://localhost:3000', secretId: 'local' }], allowInsecureHttp: true }],
  ])('reads %s without the schema, as the schema would', (_, input) => {
    expect(agrees(input)).toBe(true);
    expect(parseServiceConfig(input, 'test')).toStrictEqual(bySchema(input));
  });

  it.each<[string, unknown]>([
    ['a referer with a query string to strip', { targets: [{ name: 'a', url: 'https://gis.example.com', referer: 'https://apps.example.com/?x=1', secretId: 's' }] }],
    ['a URL with white space to trim', { targets: [{ name: 'a', url: ' https://gis.example.com', referer: 'https://apps.example.com', secretId: 's' }] }],
    ['allowedOrigins', { targets: [{ name: 'a', url: 'https://gis.example.com', referer: 'https://apps.example.com', secretId: 's', allowedOrigins: ['https://idp.example.com'] }] }],
    ['a mistake', { targets: [{ name: 'a', url: 'http://gis.example.com', referer: 'https://apps.example.com', secretId: 's' }] }],
  ])('leaves %s to the schema', (_, input) => {
    expect(plainServiceConfig(input)).toBeUndefined();
  });
});

// Property-based tests of the configuration schema: any input gives a config or a
// ConfigurationError, valid configurations parse with defaults applied and round-trip, and each
// kind of mistake is refused with the path of the field at fault.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_EXPIRATION_MINUTES, DEFAULT_PARAMETER_PREFIX, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_DEADLINE_MS, DEFAULT_MIN_VALIDITY_REFRESH_INTERVAL_SECONDS, DEFAULT_SCHEDULE_MINUTES, MAX_EXPIRATION_MINUTES } from '../../../lambda/domain/config/settings.js';
import type { ServiceConfig } from '../../../lambda/domain/config/schema.js';
import { parseServiceConfig } from '../../../lambda/domain/config/parse-config.js';
import { ConfigurationError } from '../../../lambda/domain/errors.js';

const SOURCE = 'property test';
const RUNS = { numRuns: 300 };
const HTTP_LINE = 'http:// would send the password in clear: use https://, or set allowInsecureHttp (ARCGIS_ALLOW_INSECURE_HTTP=1) for a local simulator only';

type Input = Record<string, unknown> & { targets: Array<Record<string, unknown>> };

function outcome(input: unknown): { config: ServiceConfig } | { error: unknown } {
  try {
    return { config: parseServiceConfig(input, SOURCE) };
  } catch (error) {
    return { error };
  }
}
/** The lines of the ConfigurationError (each "path: message"); fails when the input is accepted. */
function issues(input: unknown): string[] {
  const result = outcome(input);
  if ('config' in result) throw new Error(`expected a ConfigurationError, got ${JSON.stringify(result.config)}`);
  expect(result.error).toBeInstanceOf(ConfigurationError);
  const [head, ...lines] = (result.error as Error).message.split('\n');
  expect(head).toBe(`Invalid configuration in ${SOURCE}:`);
  for (const line of lines) expect(line).toMatch(/^ {2}- \S.*: /);
  return lines.map((line) => line.slice(4));
}
const clone = <T>(value: T): T => structuredClone(value);

// ---- arbitraries -------------------------------------------------------------------------------

const nameArb = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/);
const httpsUrlArb = fc
  .webUrl({ validSchemes: ['https'], withQueryParameters: true, withFragments: true })
  .filter((url) => URL.canParse(url) && new URL(url).username === '' && new URL(url).password === '');
const trimmedArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((s) => s.length > 0 && s.trim() === s);
const secretIdArb = fc.oneof(trimmedArb, fc.stringMatching(/^arn:aws:secretsmanager:[a-z]{2}-[a-z]+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,40}$/));
const modeArb: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ client: fc.constant('referer'), referer: fc.webUrl({ validSchemes: ['https', 'http'] }).filter((u) => URL.canParse(u)) }, { requiredKeys: ['referer'] }),
  fc.record({ client: fc.constant('ip'), ip: fc.oneof(fc.ipV4(), fc.ipV6()) }),
  fc.record({ client: fc.constant('requestip') }),
);
const targetArb: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.record({ name: nameArb, url: httpsUrlArb, secretId: secretIdArb, expirationMinutes: fc.integer({ min: 1, max: MAX_EXPIRATION_MINUTES }) }, { requiredKeys: ['name', 'url', 'secretId'] }),
    modeArb,
  )
  .map(([base, mode]) => ({ ...base, ...mode }));

const validConfigArb: fc.Arbitrary<Input> = fc
  .record(
    {
      targets: fc.uniqueArray(targetArb, { minLength: 1, maxLength: 4, selector: (t) => (t.name as string).toLowerCase() }),
      pickDefault: fc.nat(),
      allowInsecureHttp: fc.boolean(),
      parameterPrefix: fc.stringMatching(/^(\/[A-Za-z0-9_.-]{1,12}){1,4}$/),
      refreshMarginSeconds: fc.integer({ min: 0, max: 86_400 }),
      scheduleIntervalMinutes: fc.integer({ min: 1, max: 1440 }),
      requestTimeoutMs: fc.integer({ min: 100, max: 25_000 }),
      deadlineMs: fc.integer({ min: 25_000, max: 28_000 }),
      minValidityRefreshIntervalSeconds: fc.integer({ min: 0, max: 86_400 }),
    },
    { requiredKeys: ['targets'] },
  )
  .map(({ pickDefault, ...config }) =>
    pickDefault === undefined ? config : { ...config, defaultTarget: config.targets[pickDefault % config.targets.length]!.name },
  );

function withDefaults(input: Input): ServiceConfig {
  return {
    allowInsecureHttp: false,
    parameterPrefix: DEFAULT_PARAMETER_PREFIX,
    scheduleIntervalMinutes: DEFAULT_SCHEDULE_MINUTES,
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    deadlineMs: DEFAULT_DEADLINE_MS,
    minValidityRefreshIntervalSeconds: DEFAULT_MIN_VALIDITY_REFRESH_INTERVAL_SECONDS,
    ...input,
    targets: input.targets.map((t) => ({ client: 'referer', expirationMinutes: DEFAULT_EXPIRATION_MINUTES, ...t })),
    defaultTarget: (input.defaultTarget as string | undefined) ?? (input.targets[0]!.name as string),
  } as ServiceConfig;
}

const anythingArb = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
});

/** A valid configuration with one field (top level or in one target) replaced by anything. */
const mutatedConfigArb = fc
  .tuple(validConfigArb, fc.nat(), fc.constantFrom('top', 'target'), fc.string(), anythingArb)
  .map(([config, index, where, key, value]) => {
    const copy = clone(config);
    if (where === 'top') {
      const keys = [...Object.keys(copy), 'defaultTarget', 'allowInsecureHttp', key];
      copy[keys[index % keys.length]!] = value;
    } else {
      const target = copy.targets[index % copy.targets.length]!;
      const keys = ['name', 'url', 'client', 'referer', 'ip', 'expirationMinutes', 'secretId', key];
      target[keys[index % keys.length]!] = value;
    }
    return copy as unknown;
  });

// ---- properties -------------------------------------------------------------------------------

describe('parseServiceConfig (properties)', () => {
  it('for any input it returns a config that re-parses to itself, or throws a ConfigurationError listing "path: message" lines', () => {
    fc.assert(
      fc.property(fc.oneof(anythingArb, mutatedConfigArb, fc.record({ targets: fc.array(anythingArb, { maxLength: 3 }) })), (input) => {
        const result = outcome(input);
        if ('config' in result) {
          expect(parseServiceConfig(clone(result.config), SOURCE)).toStrictEqual(result.config);
          return;
        }
        expect((result.error as object).constructor).toBe(ConfigurationError);
        issues(input);
      }),
      RUNS,
    );
  });

  it('valid generated configurations parse with every default applied, and the result round-trips (also through JSON)', () => {
    fc.assert(
      fc.property(validConfigArb, (input) => {
        const config = parseServiceConfig(clone(input), SOURCE);
        expect(config).toStrictEqual(withDefaults(input));
        expect(parseServiceConfig(clone(config), SOURCE)).toStrictEqual(config);
        expect(parseServiceConfig(JSON.parse(JSON.stringify(config)), SOURCE)).toStrictEqual(config);
      }),
      RUNS,
    );
  });

  it('an expirationMinutes outside 1..21600, not an integer or not a number is refused at targets[i].expirationMinutes only', () => {
    const badExpiration = fc.oneof(
      fc.integer({ max: 0 }),
      fc.integer({ min: MAX_EXPIRATION_MINUTES + 1 }),
      fc.double().filter((d) => !(Number.isInteger(d) && d >= 1 && d <= MAX_EXPIRATION_MINUTES)),
      fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0.5, 21_600.5, '60', null, true),
    );
    fc.assert(
      fc.property(validConfigArb, fc.nat(), badExpiration, (input, pick, expirationMinutes) => {
        const i = pick % input.targets.length;
        const config = clone(input);
        config.targets[i]!.expirationMinutes = expirationMinutes;
        const lines = issues(config);
        expect(lines.length).toBeGreaterThan(0);
        for (const line of lines) expect(line.startsWith(`targets[${i}].expirationMinutes: `)).toBe(true);
        if (typeof expirationMinutes === 'number' && Number.isFinite(expirationMinutes)) {
          // zod's int() means a safe integer; a fraction is reported as such (not also as out of range).
          if (!Number.isInteger(expirationMinutes)) expect(lines).toStrictEqual([`targets[${i}].expirationMinutes: use a whole number of minutes`]);
          else if (!Number.isSafeInteger(expirationMinutes)) expect(lines).toContain(`targets[${i}].expirationMinutes: use a whole number of minutes`);
          else if (expirationMinutes < 1) expect(lines).toStrictEqual([`targets[${i}].expirationMinutes: use at least 1 minute`]);
          else expect(lines).toStrictEqual([`targets[${i}].expirationMinutes: ArcGIS allows at most 21600 minutes (15 days)`]);
        }
      }),
      RUNS,
    );
  });

  it('http:// target URLs are refused (one line per target) unless allowInsecureHttp is true', () => {
    fc.assert(
      fc.property(validConfigArb, fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), fc.constantFrom('http:', 'HTTP:', 'Http:'), (input, plain, scheme) => {
        fc.pre(plain.slice(0, input.targets.length).some(Boolean));
        const config = clone(input);
        config.targets.forEach((t, i) => {
          if (plain[i]) t.url = scheme + (t.url as string).slice('https:'.length);
        });
        const insecure = config.targets.flatMap((t, i) => (plain[i] ? [i] : []));
        if (config.allowInsecureHttp === true) {
          const parsed = parseServiceConfig(config, SOURCE);
          expect(parsed.targets.map((t) => t.url)).toStrictEqual(config.targets.map((t) => t.url));
        } else {
          expect(issues(config)).toStrictEqual(insecure.map((i) => `targets[${i}].url: ${HTTP_LINE}`));
        }
      }),
      RUNS,
    );
  });

  it('a target name reused in another case is refused at the later target', () => {
    const flipCase = (name: string, flips: boolean[]) => [...name].map((c, k) => (flips[k % flips.length] ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c)).join('');
    fc.assert(
      fc.property(validConfigArb, fc.nat(), fc.nat(), fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (input, a, b, flips) => {
        fc.pre(input.targets.length >= 2);
        const later = 1 + (a % (input.targets.length - 1));
        const earlier = b % later;
        const config = clone(input);
        delete config.defaultTarget;
        const reused = flipCase(config.targets[earlier]!.name as string, flips);
        config.targets[later]!.name = reused;
        expect(issues(config)).toStrictEqual([`targets[${later}].name: target name "${reused}" is used twice; names must be unique (case-insensitive)`]);
      }),
      RUNS,
    );
  });

  it('a defaultTarget that is not exactly one of the names is refused at defaultTarget', () => {
    fc.assert(
      fc.property(validConfigArb, fc.oneof(fc.string(), nameArb), (input, defaultTarget) => {
        const names = input.targets.map((t) => t.name as string);
        fc.pre(!names.includes(defaultTarget));
        const lines = issues({ ...clone(input), defaultTarget });
        expect(lines).toStrictEqual([`defaultTarget: no target is named "${defaultTarget}"; use one of ${names.join(', ')}`]);
      }),
      RUNS,
    );
  });

  it('a target name outside 1-64 letters, digits, "-" and "_" (starting with a letter or digit) is refused at targets[i].name', () => {
    const badName = fc.oneof(
      fc.string().filter((s) => !/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(s)),
      nameArb.map((n) => `${n}\n`),
      nameArb.map((n) => `-${n}`),
      fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{64,70}$/),
    );
    fc.assert(
      fc.property(validConfigArb, fc.nat(), badName, (input, pick, name) => {
        const i = pick % input.targets.length;
        const config = clone(input);
        delete config.defaultTarget;
        config.targets[i]!.name = name;
        const lines = issues(config);
        expect(lines).toContain(`targets[${i}].name: use 1-64 letters, digits, "-" or "_", starting with a letter or digit`);
      }),
      RUNS,
    );
  });
});

// One contract, two implementations: the DynamoDB coordinator (real SDK client, dynalite deciding
// the condition expressions) and the in-memory one the local server and the scenario tests use.
// The last test replays random operation sequences on both and requires identical answers.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbLoginCoordinator } from '../../lambda/adapters/dynamodb-login-coordinator.js';
import { MemoryLoginCoordinator } from '../../lambda/service/memory-login-coordinator.js';
import type { LoginFailure } from '../../lambda/domain/cached-token.js';
import type { LoginCoordinator, LoginOutcome } from '../../lambda/domain/ports.js';
import { COORDINATION_TABLE, startDynamoDb, type DynamoDbStandIn } from '../stand-ins/dynamodb.js';

let dynamo: DynamoDbStandIn;
let accounts = 0;

beforeAll(async () => {
  dynamo = await startDynamoDb();
});
afterAll(() => dynamo.close());

const implementations: Array<[string, () => LoginCoordinator]> = [
  ['memory', () => new MemoryLoginCoordinator()],
  ['DynamoDB', () => new DynamoDbLoginCoordinator(dynamo.client(), { tableName: COORDINATION_TABLE })],
];

const T = 1_700_000_000_000;
const failure = (at: number, secretVersion = 'v1'): LoginFailure => ({
  secretVersion,
  at,
  until: at + 900_000,
  code: 400,
  message: 'Unable to generate token.',
  details: ['Invalid username or password.'],
  url: 'https://gis.example.com/portal/sharing/rest/generateToken',
});
const rejected = (at: number, secretVersion = 'v1'): LoginOutcome => ({ kind: 'rejected', failure: failure(at, secretVersion) });

describe.each(implementations)('LoginCoordinator (%s)', (_name, make) => {
  let coordinator: LoginCoordinator;
  let account: string;
  const lease = (holder: string, now: number, extra: { until?: number; secretVersion?: string; demandIntervalMs?: number } = {}) =>
    coordinator.acquire({ account, holder, now, until: extra.until ?? now + 30_000, secretVersion: extra.secretVersion ?? 'v1', demandIntervalMs: extra.demandIntervalMs });

  beforeAll(() => {
    coordinator = make();
  });
  const fresh = () => {
    account = `account-${++accounts}`;
  };

  it('grants a free lease, refuses it to another holder while it lasts, and lets its holder renew it', async () => {
    fresh();
    expect(await lease('A', T)).toEqual({ granted: true, record: {} });
    expect(await lease('B', T + 1_000)).toEqual({ granted: false, record: { lease: { holder: 'A', until: T + 30_000 } } });
    expect(await lease('A', T + 2_000, { until: T + 40_000 })).toMatchObject({ granted: true });
    expect(await coordinator.read(account)).toEqual({ lease: { holder: 'A', until: T + 40_000 } });
  });

  it('admits exactly one of ten containers taking over an expired lease at once', async () => {
    fresh();
    await lease('old', T, { until: T + 1_000 });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => lease(`c${i}`, T + 5_000)));
    expect(answers.filter((a) => a.granted)).toHaveLength(1);
  });

  it('releases only its own lease: a holder whose lease was taken over leaves the new one', async () => {
    fresh();
    await lease('A', T, { until: T + 1_000 });
    await lease('B', T + 2_000);
    await coordinator.release(account, 'A', { kind: 'success' }, T + 3_000);
    expect(await coordinator.read(account)).toEqual({ lease: { holder: 'B', until: T + 32_000 } });
    await coordinator.release(account, 'B', { kind: 'failed' }, T + 4_000);
    expect(await coordinator.read(account)).toEqual({});
  });

  it('pauses the rejected secret version until the pause ends; another version may log in', async () => {
    fresh();
    await lease('A', T);
    await coordinator.release(account, 'A', rejected(T + 100), T + 100);
    expect(await lease('B', T + 1_000)).toEqual({ granted: false, record: { pause: failure(T + 100) } });
    expect(await lease('B', T + 1_000, { secretVersion: 'v2' })).toMatchObject({ granted: true });
    await coordinator.release(account, 'B', { kind: 'success' }, T + 2_000);
    expect(await lease('C', T + 100 + 900_000)).toMatchObject({ granted: true });
  });

  it('records a rejection even when the lease was taken over, and never replaces a newer pause with an older one', async () => {
    fresh();
    await lease('A', T, { until: T + 1_000 });
    await lease('B', T + 2_000);
    await coordinator.release(account, 'A', rejected(T + 500), T + 2_500);
    expect((await coordinator.read(account))?.pause).toEqual(failure(T + 500));
    expect((await coordinator.read(account))?.lease).toEqual({ holder: 'B', until: T + 32_000 });
    await coordinator.release(account, 'B', rejected(T + 3_000), T + 3_000);
    await coordinator.release(account, 'A', rejected(T + 400), T + 3_100);
    expect(await coordinator.read(account)).toEqual({ pause: failure(T + 3_000) });
  });

  it('tells the next holder of the backoff it outlived, so losses in a row can be counted', async () => {
    fresh();
    const lost = { at: T, until: T + 60_000, httpStatus: 0, url: '', streak: 2 };
    await lease('A', T);
    await coordinator.release(account, 'A', { kind: 'rate-limited', backoff: lost }, T);
    expect(await lease('B', T + 60_000)).toEqual({ granted: true, record: { backoff: lost } });
  });

  it("backs off every secret version while ArcGIS's Retry-After lasts", async () => {
    fresh();
    const backoff = { at: T, until: T + 120_000, httpStatus: 429, url: 'https://gis.example.com/portal/sharing/rest/generateToken' };
    await lease('A', T);
    await coordinator.release(account, 'A', { kind: 'rate-limited', backoff }, T);
    expect(await lease('B', T + 60_000, { secretVersion: 'v2' })).toEqual({ granted: false, record: { backoff } });
    expect(await lease('B', T + 120_000, { secretVersion: 'v2' })).toMatchObject({ granted: true });
  });

  it('admits one login asked for by minValidity per interval, and leaves policy logins alone', async () => {
    fresh();
    expect(await lease('A', T, { demandIntervalMs: 300_000 })).toMatchObject({ granted: true });
    await coordinator.release(account, 'A', { kind: 'success' }, T + 1_000);
    expect(await lease('B', T + 10_000, { demandIntervalMs: 300_000 })).toEqual({ granted: false, record: { demandAt: T } });
    expect(await lease('B', T + 10_000)).toMatchObject({ granted: true });
    await coordinator.release(account, 'B', { kind: 'success' }, T + 11_000);
    expect(await lease('C', T + 300_000, { demandIntervalMs: 300_000 })).toMatchObject({ granted: true });
  });

  it('admits at most max callers at once, re-admits a known one, and frees ended admissions', async () => {
    const scope = `target-${++accounts}`;
    const admit = (caller: string, now: number, until = now + 3_600_000) => coordinator.admitCaller({ scope, caller, now, until, max: 2 });
    expect(await admit('192.0.2.1', T)).toBe(true);
    expect(await admit('2001:db8:1:2::/64', T + 1, T + 60_000)).toBe(true);
    expect(await admit('192.0.2.3', T + 2)).toBe(false);
    expect(await admit('192.0.2.1', T + 3)).toBe(true);
    expect(await admit('192.0.2.3', T + 60_000)).toBe(true);
    expect(await admit('2001:db8:1:2::/64', T + 60_001)).toBe(false);
  });
});

describe('LoginCoordinator: DynamoDB and memory agree', () => {
  type Op =
    | { op: 'acquire'; holder: number; dt: number; ttl: number; version: number; demand: boolean }
    | { op: 'release'; holder: number; dt: number; outcome: 'success' | 'failed' | 'rejected' | 'rate-limited'; version: number; length: number };
  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant('acquire' as const), holder: fc.integer({ min: 0, max: 2 }), dt: fc.integer({ min: 0, max: 20_000 }), ttl: fc.integer({ min: 1, max: 30_000 }), version: fc.integer({ min: 0, max: 1 }), demand: fc.boolean() }),
    fc.record({ op: fc.constant('release' as const), holder: fc.integer({ min: 0, max: 2 }), dt: fc.integer({ min: 0, max: 20_000 }), outcome: fc.constantFrom('success' as const, 'failed' as const, 'rejected' as const, 'rate-limited' as const), version: fc.integer({ min: 0, max: 1 }), length: fc.integer({ min: 1, max: 40_000 }) }),
  );

  it('answers every random sequence of acquires and releases identically', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), async (ops) => {
        const account = `differential-${++accounts}`;
        const both = [new MemoryLoginCoordinator(), new DynamoDbLoginCoordinator(dynamo.client({ maxAttempts: 1 }), { tableName: COORDINATION_TABLE })];
        let now = T;
        for (const step of ops) {
          now += step.dt;
          if (step.op === 'acquire') {
            const request = { account, holder: `h${step.holder}`, now, until: now + step.ttl, secretVersion: `v${step.version}`, demandIntervalMs: step.demand ? 10_000 : undefined };
            const [memory, dynamo] = await Promise.all(both.map((c) => c.acquire(request)));
            expect(dynamo).toEqual(memory);
          } else {
            const outcome: LoginOutcome =
              step.outcome === 'rejected'
                ? rejected(now, `v${step.version}`)
                : step.outcome === 'rate-limited'
                  ? { kind: 'rate-limited', backoff: { at: now, until: now + step.length, httpStatus: step.version === 0 ? 429 : 0, url: 'https://gis.example.com/arcgis/tokens/generateToken', ...(step.version === 0 ? {} : { streak: 1 + (step.length % 3) }) } }
                  : { kind: step.outcome };
            for (const c of both) await c.release(account, `h${step.holder}`, outcome, now);
          }
          const [memory, dynamo] = await Promise.all(both.map((c) => c.read(account)));
          expect(dynamo ?? {}).toEqual(memory ?? {});
        }
      }),
      { numRuns: 100 },
    );
  });
});

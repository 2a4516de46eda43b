// The fleet promises under the faults that broke them (issue "one failed login at most, one login
// in flight"): each test is one of the cases seen, replayed with several containers over one SSM,
// one DynamoDB and one ArcGIS simulator, and asserts exact counts at ArcGIS and in the stores.
// Latencies are a tenth to a quarter of the reported ones; what matters is their ratio to the
// request timeout and the login sequence's length, which is kept.
import { problemHeaders } from '../../lambda/http/problem-types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ArcGisRateLimitedError, BadRequestError, LoginPausedError } from '../../lambda/domain/errors.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';
import { WRONG, outcomes, startFleet, type Fleet } from './fleet-harness.js';

const REFERER = 'https://apps.example.com';
let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

describe('slow ArcGIS', () => {
  // Discovery from a bare site root takes two requests (rest/info, then sharing/rest/info) before
  // the login: at 1.5 s each the rejection comes 4.5 s in, past a lease of requestTimeoutMs + 2 s.
  const slowSite = (wrong: boolean) =>
    startFleet({
      simulator: { lockAfterFailures: 3 },
      config: (sim) => ({ targets: [{ name: 'main', url: `${sim.url}/portal`, referer: REFERER, secretId: 'arcgis/main' }], requestTimeoutMs: 2_000 }),
    }).then((f) => {
      f.sim.setLatency(1_500, 'all');
      f.secrets.set('arcgis/main', { kind: 'user', ...(wrong ? WRONG : FAKE) });
      return f;
    });

  it('4 cold containers and a wrong password: one failed login, the account stays unlocked', async () => {
    fleet = await slowSite(true);
    const containers = Array.from({ length: 4 }, () => fleet!.container());
    const { served, errors } = await outcomes(containers.map((c) => c.getToken('main')));
    expect(served).toEqual([]);
    expect(fleet.sim.failedLoginCount()).toBe(1);
    expect(fleet.sim.isLocked(FAKE.username)).toBe(false);
    expect(errors).toEqual(['InvalidCredentialsError', 'LoginPausedError', 'LoginPausedError', 'LoginPausedError']);
  });

  it('6 cold containers and the right password: one login, one token for all', async () => {
    fleet = await slowSite(false);
    const containers = Array.from({ length: 6 }, () => fleet!.container());
    const { served, errors } = await outcomes(containers.map((c) => c.getToken('main')));
    expect(errors).toEqual([]);
    expect(fleet.sim.passwordLoginCount()).toBe(1);
    expect(new Set(served.map((s) => s.token)).size).toBe(1);
  });
});

describe('a login whose answer is lost', () => {
  it('times out after the password was sent: the other 3 containers wait instead of trying again', async () => {
    fleet = await startFleet({
      simulator: { lockAfterFailures: 3 },
      config: (sim) => ({ targets: [{ name: 'main', url: sim.portalUrl, referer: REFERER, secretId: 'arcgis/main' }], requestTimeoutMs: 1_000 }),
    });
    fleet.secrets.set('arcgis/main', { kind: 'user', ...WRONG });
    fleet.sim.failNextLogin({ kind: 'hang' });
    const { served, errors } = await outcomes(Array.from({ length: 4 }, () => fleet!.container().getToken('main')));
    expect(served).toEqual([]);
    expect(errors).toEqual(['ArcGisUnreachableError', 'ArcGisUnreachableError', 'ArcGisUnreachableError', 'ArcGisUnreachableError']);
    expect(fleet.sim.passwordLoginCount()).toBe(1);
    const waiting = await fleet.container().getToken('main').catch((error: unknown) => error);
    expect((waiting as Error).message).toContain('ArcGIS may have counted it as a failed login, so no container logs in with this account until');
    expect(fleet.sim.passwordLoginCount()).toBe(1);
  });
});

describe('one account behind several targets', () => {
  const fiveTargets = () =>
    startFleet({
      simulator: { lockAfterFailures: 3 },
      config: (sim) => ({
        targets: Array.from({ length: 5 }, (_, i) => ({ name: `app${i}`, url: sim.portalUrl, referer: `https://app${i}.example.com`, secretId: 'arcgis/shared' })),
      }),
    }).then((f) => {
      f.secrets.set('arcgis/shared', { kind: 'user', ...WRONG });
      return f;
    });

  it('5 targets sharing one secret, a wrong password, one request each: one failed login', async () => {
    fleet = await fiveTargets();
    const { errors } = await outcomes(fleet.config.targets.map((t) => fleet!.container().getToken(t.name)));
    expect(fleet.sim.failedLoginCount()).toBe(1);
    expect(fleet.sim.isLocked(FAKE.username)).toBe(false);
    expect(errors).toEqual(['InvalidCredentialsError', 'LoginPausedError', 'LoginPausedError', 'LoginPausedError', 'LoginPausedError']);
  });

  it('one scheduled run over the 5 targets: one failed login', async () => {
    fleet = await fiveTargets();
    const container = fleet.container();
    await outcomes(fleet.config.targets.map((t) => container.refreshIfDue(t.name, 15 * 60_000)));
    expect(fleet.sim.failedLoginCount()).toBe(1);
  });
});

describe('throttled AWS', () => {
  it('SSM writes refused and DynamoDB throttling its first calls: 10 cold containers make one failed login', async () => {
    fleet = await startFleet({ simulator: { lockAfterFailures: 3 }, config: (sim) => ({ targets: [{ name: 'main', url: sim.portalUrl, referer: REFERER, secretId: 'arcgis/main' }] }) });
    fleet.secrets.set('arcgis/main', { kind: 'user', ...WRONG });
    fleet.ssmProxy.decide = (call) => (call.operation === 'PutParameter' ? { kind: 'error', status: 400, type: 'ThrottlingException', message: 'Rate exceeded' } : { kind: 'forward' });
    fleet.dynamo.proxy.throttle(3);
    const { served, errors } = await outcomes(Array.from({ length: 10 }, () => fleet!.container().getToken('main')));
    expect(served).toEqual([]);
    expect(fleet.sim.failedLoginCount()).toBe(1);
    expect(errors.filter((e) => e === 'InvalidCredentialsError')).toHaveLength(1);
    expect(errors.filter((e) => e === 'LoginPausedError')).toHaveLength(9);
  });
});

describe('callers cannot force logins', () => {
  it('minValidity=3599 on a 60-minute target, 10 requests a second apart: one login', async () => {
    fleet = await startFleet({ config: (sim) => ({ targets: [{ name: 'main', url: sim.portalUrl, referer: REFERER, secretId: 'arcgis/main' }] }) });
    fleet.secrets.set('arcgis/main', { kind: 'user', ...FAKE });
    let offset = 0;
    const now = () => Date.now() + offset;
    const answers: string[] = [];
    for (let i = 0; i < 10; i++) {
      try {
        const served = await fleet.container({ now }).getToken('main', 3599);
        answers.push(served.source);
      } catch (error) {
        answers.push((error as Error).name);
      }
      offset += 1_000;
    }
    expect(fleet.sim.passwordLoginCount()).toBe(1);
    expect(answers).toEqual(['generated', ...Array(9).fill('RefreshRateLimitedError')]);
  });

  it('a site capping tokens at 30 min and minValidity=2400: 100 requests, one login, then refused without one', async () => {
    fleet = await startFleet({ simulator: { maxExpirationMinutes: 30 }, config: (sim) => ({ targets: [{ name: 'main', url: sim.portalUrl, referer: REFERER, secretId: 'arcgis/main' }] }) });
    fleet.secrets.set('arcgis/main', { kind: 'user', ...FAKE });
    const first = await outcomes([fleet.container().getToken('main', 2400)]);
    expect(first.errors).toEqual(['TokenLifetimeError']);
    const containers = Array.from({ length: 4 }, () => fleet!.container());
    const rest = await outcomes(Array.from({ length: 99 }, (_, i) => containers[i % 4]!.getToken('main', 2400)));
    expect(rest.errors).toEqual(Array(99).fill('BadRequestError'));
    expect(fleet.sim.passwordLoginCount()).toBe(1);
    const refusal = await fleet.container().getToken('main', 2400).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(BadRequestError);
    expect((refusal as Error).message).toBe(
      'minValidity 2400 s cannot be met: the site of target "main" caps its tokens at 1800 s (it was asked for 60 min and gave 30). Ask for less than 1800 s, or raise the site\'s maximum token expiration.',
    );
  });

  it('a caller-ip target called from 1000 addresses of one IPv6 /64: one login, one parameter', async () => {
    fleet = await startFleet({ config: (sim) => ({ targets: [{ name: 'ops', url: sim.serverUrl, client: 'caller-ip', secretId: 'arcgis/ops' }] }) });
    fleet.secrets.set('arcgis/ops', { kind: 'user', ...FAKE });
    const container = fleet.container();
    const { served, errors } = await outcomes(Array.from({ length: 1000 }, (_, i) => container.getToken('ops', 0, { callerIp: `2001:db8:1:2::${(i + 1).toString(16)}` })));
    expect(errors).toEqual([]);
    expect(new Set(served.map((s) => s.token)).size).toBe(1);
    expect(fleet.sim.passwordLoginCount()).toBe(1);
    expect([...fleet.ssm.parameters.keys()].filter((name) => name.endsWith('/token'))).toEqual(['/arcgis-token-vending/ops/ip-2001_db8_1_2___64/token']);
  });

  it('a caller-ip target past its cap of distinct callers answers 429 without a login', async () => {
    fleet = await startFleet({ config: (sim) => ({ targets: [{ name: 'ops', url: sim.serverUrl, client: 'caller-ip', maxCallers: 2, secretId: 'arcgis/ops' }] }) });
    fleet.secrets.set('arcgis/ops', { kind: 'user', ...FAKE });
    const ask = (ip: string) => fleet!.container().getToken('ops', 0, { callerIp: ip });
    await ask('192.0.2.1');
    await ask('192.0.2.2');
    const third = await ask('192.0.2.3').catch((error: unknown) => error);
    expect((third as Error).name).toBe('TooManyCallersError');
    expect(fleet.sim.passwordLoginCount()).toBe(2);
    expect((await ask('192.0.2.1')).source).toBe('cache');
  });
});

describe('ArcGIS rate limiting', () => {
  it('a login answered 429 with Retry-After 120: 10 requests make one attempt, each answered rate-limited', async () => {
    fleet = await startFleet({ config: (sim) => ({ targets: [{ name: 'main', url: sim.portalUrl, referer: REFERER, secretId: 'arcgis/main' }] }) });
    fleet.secrets.set('arcgis/main', { kind: 'user', ...FAKE });
    fleet.sim.failNext({ kind: 'status', status: 429, headers: { 'retry-after': '120' }, contentType: 'text/html', body: '<html><body><h1>429 Too Many Requests</h1></body></html>' }, 10);
    const errors: unknown[] = [];
    for (let i = 0; i < 10; i++) errors.push(await fleet.container().getToken('main').catch((error: unknown) => error));
    expect(fleet.sim.loginCount()).toBe(1);
    for (const error of errors) expect(error).toBeInstanceOf(ArcGisRateLimitedError);
    const last = errors[9] as ArcGisRateLimitedError;
    expect(Number(problemHeaders(last)['retry-after'])).toBeGreaterThan(110);
    expect(Number(problemHeaders(last)['retry-after'])).toBeLessThanOrEqual(120);
    expect(last.message).not.toContain('HTML');
  });

  it('serves the cached token, marked stale, while ArcGIS asks to wait', async () => {
    fleet = await startFleet({ config: (sim) => ({ targets: [{ name: 'main', url: sim.portalUrl, referer: REFERER, secretId: 'arcgis/main' }] }) });
    fleet.secrets.set('arcgis/main', { kind: 'user', ...FAKE });
    const first = await fleet.container().getToken('main');
    let offset = 55 * 60_000; // inside the refresh margin, still valid
    const now = () => Date.now() + offset;
    fleet.sim.failNext({ kind: 'status', status: 429, headers: { 'retry-after': '120' }, contentType: 'text/html', body: '<html>busy</html>' }, 5);
    const a = await fleet.container({ now }).getToken('main');
    offset += 10_000;
    const b = await fleet.container({ now }).getToken('main');
    expect([a.token, b.token]).toEqual([first.token, first.token]);
    expect([a.stale, b.stale]).toEqual([true, true]);
    expect(fleet.sim.loginCount()).toBe(2);
  });
});

describe('a rejected login never erases a valid token', () => {
  it('the rejection is recorded while the state cannot be read: the next container still serves the token', async () => {
    fleet = await startFleet({ config: (sim) => ({ targets: [{ name: 'main', url: sim.portalUrl, referer: REFERER, secretId: 'arcgis/main' }] }) });
    fleet.secrets.set('arcgis/main', { kind: 'user', ...FAKE });
    const good = await fleet.container().getToken('main');
    fleet.secrets.set('arcgis/main', { kind: 'user', ...WRONG });
    fleet.ssmProxy.decide = (call) => (call.operation === 'GetParameter' ? { kind: 'error', status: 400, type: 'ThrottlingException', message: 'Rate exceeded' } : { kind: 'forward' });
    const rejected = await fleet.container().getToken('main').catch((error: unknown) => error);
    expect((rejected as Error).name).toBe('InvalidCredentialsError');
    fleet.ssmProxy.decide = () => ({ kind: 'forward' });
    expect(fleet.stored('main')?.token?.token).toBe(good.token);
    const next = await fleet.container().getToken('main');
    expect(next).toMatchObject({ token: good.token, source: 'cache', stale: false });
  });
});

describe('the pause ends with a new secret version', () => {
  it('a corrected secret lets the next request log in at once, in any container', async () => {
    fleet = await startFleet({ simulator: { lockAfterFailures: 3 }, config: (sim) => ({ targets: [{ name: 'main', url: sim.portalUrl, referer: REFERER, secretId: 'arcgis/main' }] }) });
    fleet.secrets.set('arcgis/main', { kind: 'user', ...WRONG });
    await fleet.container().getToken('main').catch(() => undefined);
    const paused = await fleet.container().getToken('main').catch((error: unknown) => error);
    expect(paused).toBeInstanceOf(LoginPausedError);
    fleet.secrets.set('arcgis/main', { kind: 'user', ...FAKE });
    expect((await fleet.container().getToken('main')).source).toBe('generated');
    expect(fleet.sim.failedLoginCount()).toBe(1);
  });
});

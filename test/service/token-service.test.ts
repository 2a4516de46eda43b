import { beforeEach, describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../lambda/domain/config/schema.js';
import { parseServiceConfig } from '../../lambda/domain/config/parse-config.js';
import { identityHash, targetFingerprint } from '../../lambda/domain/cached-token.js';
import { accountKey } from '../../lambda/domain/slot-key.js';
import { LOGIN_PAUSE_MS, PAUSED_SECRET_MAX_AGE_MS } from '../../lambda/service/login-gate.js';
import { REJECTION_RECHECK_MS } from '../../lambda/service/revocation.js';
import { TokenService } from '../../lambda/service/token-service.js';
import {
  ArcGisUnreachableError,
  BadRequestError,
  InvalidCredentialsError,
  LoginPausedError,
  TokenLifetimeError,
  UnknownTargetError,
} from '../../lambda/domain/errors.js';
import { CapturingLog, CountingMetrics, FakeClock, FakeCoordinator, FakeCredentials, FakeIssuer, FakeStore } from './fakes.js';

const HOUR = 3_600_000;
const config: ServiceConfig = parseServiceConfig(
  {
    targets: [
      { name: 'main', url: 'https://gis.example.com/portal', referer: 'https://apps.example.com', secretId: 'arcgis/main' },
      { name: 'ops', url: 'https://gis.example.com/arcgis', client: 'ip', ip: '203.0.113.7', expirationMinutes: 120, secretId: 'arcgis/ops' },
    ],
  },
  'test',
);

const badCredentials = () =>
  new InvalidCredentialsError({ url: 'https://gis.example.com/portal/sharing/rest/generateToken', code: 400, message: 'Unable to generate token.', details: ['Invalid username or password.'] }, 'hint');

let clock: FakeClock;
let store: FakeStore;
let coordinator: FakeCoordinator;
let credentials: FakeCredentials;
let issuer: FakeIssuer;
let log: CapturingLog;
let service: TokenService;

function newContainer(): TokenService {
  return new TokenService({ config, store, coordinator, credentials, issuer, log, now: clock.now });
}

beforeEach(() => {
  clock = new FakeClock();
  store = new FakeStore();
  coordinator = new FakeCoordinator();
  credentials = new FakeCredentials();
  issuer = new FakeIssuer(clock);
  log = new CapturingLog();
  service = newContainer();
});

describe('TokenService.getToken', () => {
  it('generates, stores and serves a token on a cold start', async () => {
    const served = await service.getToken(undefined);
    expect(served).toMatchObject({ token: 'fake-token-1', expires: clock.time + HOUR, ssl: true, source: 'generated' });
    expect(served.target.name).toBe('main');
    expect(await store.peek('main')).toEqual({
      version: 2,
      token: {
        token: 'fake-token-1',
        expires: clock.time + HOUR,
        ssl: true,
        issuedAt: clock.time,
        fingerprint: targetFingerprint(config.targets[0]!),
        identity: identityHash('user:fake-user'),
        binding: { client: 'referer', referer: 'https://apps.example.com' },
        requestedMinutes: 60,
      },
    });
    expect(served.binding).toEqual({ client: 'referer', referer: 'https://apps.example.com' });
    expect(issuer.calls).toEqual([{ target: 'main', credentials: credentials.credentials, client: 'referer', referer: 'https://apps.example.com' }]);
  });

  it('serves from memory afterwards without touching the store or ArcGIS', async () => {
    await service.getToken('main');
    const readsBefore = store.reads;
    const served = await service.getToken('main');
    expect(served.source).toBe('cache');
    expect(store.reads).toBe(readsBefore);
    expect(issuer.calls).toHaveLength(1);
  });

  it('serves a token another container stored, without logging in', async () => {
    await service.getToken('main');
    const other = newContainer();
    const served = await other.getToken('main');
    expect(served).toMatchObject({ token: 'fake-token-1', source: 'cache' });
    expect(issuer.calls).toHaveLength(1);
  });

  it('refreshes once the token is inside the refresh margin (10% of an hour)', async () => {
    await service.getToken('main');
    clock.advance(HOUR - 360_001);
    expect((await service.getToken('main')).token).toBe('fake-token-1');
    clock.advance(1);
    expect(await service.getToken('main')).toMatchObject({ token: 'fake-token-2', source: 'generated' });
  });

  it('honours minValidity: a cached token that would expire too soon is replaced', async () => {
    await service.getToken('main');
    clock.advance(30 * 60_000);
    expect((await service.getToken('main', 29 * 60)).token).toBe('fake-token-1');
    expect(await service.getToken('main', 31 * 60)).toMatchObject({ token: 'fake-token-2', source: 'generated' });
  });

  it('refuses a minValidity the target can never meet', async () => {
    await expect(service.getToken('main', 3600)).rejects.toThrow(
      new BadRequestError('minValidity 3600 s cannot be met: target "main" issues tokens for 3600 s (expirationMinutes 60). Ask for less than 3600 s.'),
    );
    expect(issuer.calls).toHaveLength(0);
  });

  it('reports a server-capped lifetime that cannot meet minValidity, after one login', async () => {
    issuer.lifetimeMs = 10 * 60_000;
    const error = await service.getToken('main', 20 * 60).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenLifetimeError);
    expect((error as Error).message).toContain('the site caps token lifetimes below expirationMinutes 60');
    expect(issuer.calls).toHaveLength(1);
  });

  it('answers UnknownTargetError naming the configured targets', async () => {
    await expect(service.getToken('nope')).rejects.toThrow(new UnknownTargetError('There is no target named "nope". Configured targets: main, ops.'));
  });

  it('lets 1000 concurrent cold requests share one login and three store reads (cold read, check under the lease, newer-token check)', async () => {
    let release!: () => void;
    issuer.gate = new Promise((resolve) => (release = resolve));
    const requests = Array.from({ length: 1000 }, () => service.getToken('main'));
    await Promise.resolve();
    release();
    const served = await Promise.all(requests);
    expect(new Set(served.map((s) => s.token))).toEqual(new Set(['fake-token-1']));
    expect(issuer.calls).toHaveLength(1);
    expect(store.reads).toBe(3);
    expect(store.writes).toBe(1);
    expect(coordinator.acquires).toHaveLength(1);
    expect(coordinator.releases.map((r) => r.outcome)).toEqual([{ kind: 'success' }]);
  });

  it('releases a failed login at once: the next request tries again', async () => {
    issuer.failures.push(new ArcGisUnreachableError('down'));
    await expect(service.getToken('main')).rejects.toBeInstanceOf(ArcGisUnreachableError);
    expect((await service.getToken('main')).token).toBe('fake-token-2');
    expect(issuer.calls).toHaveLength(2);
  });

  it('never overwrites the stored token when a refresh fails', async () => {
    await service.getToken('main');
    const before = await store.peek('main');
    clock.advance(HOUR - 60_000);
    issuer.failures.push(new ArcGisUnreachableError('down'));
    await expect(service.getToken('main', 120)).rejects.toBeInstanceOf(ArcGisUnreachableError);
    expect(await store.peek('main')).toEqual(before);
    expect(store.writes).toBe(1);
  });

  it('keeps serving when the store cannot be read or written, and logs why', async () => {
    store.failReads = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    store.failWrites = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    expect((await service.getToken('main')).source).toBe('generated');
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => [l.message, l.fields?.error])).toEqual([
      ['token store read failed; continuing without it', 'ThrottlingException: Rate exceeded'],
      ['token store read failed; continuing without it', 'ThrottlingException: Rate exceeded'],
      ['token store read failed; continuing without it', 'ThrottlingException: Rate exceeded'],
      ['token store write failed; continuing without it', 'AccessDeniedException: denied'],
    ]);
  });

  it('ignores a stored token issued under other settings (e.g. a changed referer)', async () => {
    await service.getToken('main');
    const changed = parseServiceConfig({ targets: [{ ...config.targets[0]!, referer: 'https://other.example.com' }] }, 'test');
    const other = new TokenService({ config: changed, store, coordinator, credentials, issuer, log, now: clock.now });
    expect(await other.getToken('main')).toMatchObject({ token: 'fake-token-2', source: 'generated' });
  });

  it('pauses logins after rejected credentials, and a new secret version ends the pause', async () => {
    issuer.failures.push(badCredentials());
    await expect(service.getToken('main')).rejects.toBeInstanceOf(InvalidCredentialsError);
    const paused = await service.getToken('main').catch((e: unknown) => e);
    expect(paused).toBeInstanceOf(LoginPausedError);
    expect((paused as LoginPausedError).retryAt).toBe(clock.time + LOGIN_PAUSE_MS);
    expect((paused as Error).message).toContain('a new secret version ends the pause within 10 s');
    expect(issuer.calls).toHaveLength(1);

    credentials.version = 'v2';
    clock.advance(PAUSED_SECRET_MAX_AGE_MS);
    expect((await service.getToken('main')).source).toBe('generated');
    expect(issuer.calls).toHaveLength(2);
  });

  it('tries the same credentials again only after the pause', async () => {
    issuer.failures.push(badCredentials());
    await expect(service.getToken('main')).rejects.toBeInstanceOf(InvalidCredentialsError);
    clock.advance(LOGIN_PAUSE_MS - 1);
    await expect(service.getToken('main')).rejects.toBeInstanceOf(LoginPausedError);
    clock.advance(1);
    expect((await service.getToken('main')).source).toBe('generated');
    expect(issuer.calls).toHaveLength(2);
  });
});

describe('TokenService.refreshIfDue', () => {
  const interval = 15 * 60_000;

  it('refreshes a target with no cached token', async () => {
    expect(await service.refreshIfDue('main', interval)).toBe('refreshed');
    expect((await store.token('main'))?.token).toBe('fake-token-1');
  });

  it('leaves a token that outlives the next run plus the margin', async () => {
    await service.getToken('main');
    clock.advance(HOUR - 360_000 - interval - 1);
    expect(await service.refreshIfDue('main', interval)).toBe('fresh');
    expect(issuer.calls).toHaveLength(1);
  });

  it('refreshes a token that would fall inside the margin before the next run', async () => {
    await service.getToken('main');
    clock.advance(HOUR - 360_000 - interval);
    expect(await service.refreshIfDue('main', interval)).toBe('refreshed');
    expect((await store.token('main'))?.token).toBe('fake-token-2');
  });
});

describe('TokenService: stale but valid', () => {
  it('serves the cached token marked stale when a refresh fails, with the reason', async () => {
    const metrics = new CountingMetrics();
    service = new TokenService({ config, store, coordinator, credentials, issuer, log, metrics, now: clock.now });
    await service.getToken('main');
    clock.advance(HOUR - 120_000); // inside the 6-minute margin, 2 minutes left
    issuer.failures.push(new ArcGisUnreachableError('https://gis.example.com/portal/sharing/rest/generateToken did not answer within 10000 ms.'));
    const served = await service.getToken('main', 60);
    expect(served).toMatchObject({ token: 'fake-token-1', source: 'cache', stale: true, staleReason: 'https://gis.example.com/portal/sharing/rest/generateToken did not answer within 10000 ms.' });
    expect(log.lines.find((l) => l.level === 'warn')).toEqual({
      level: 'warn',
      message: 'refresh failed; serving the cached token while it stays valid',
      fields: { target: 'main', expiresAt: new Date(clock.time + 120_000).toISOString(), reason: 'ArcGisUnreachableError: https://gis.example.com/portal/sharing/rest/generateToken did not answer within 10000 ms.' },
    });
    expect(metrics.total('StaleServed')).toBe(1);
  });

  it('turns into the error only when the cached token cannot cover minValidity', async () => {
    await service.getToken('main');
    clock.advance(HOUR - 120_000);
    issuer.failures.push(new ArcGisUnreachableError('down'));
    await expect(service.getToken('main', 120)).rejects.toBeInstanceOf(ArcGisUnreachableError);
  });

  it('tries to refresh again on the next request after serving stale', async () => {
    await service.getToken('main');
    clock.advance(HOUR - 120_000);
    issuer.failures.push(new ArcGisUnreachableError('down'));
    expect((await service.getToken('main')).stale).toBe(true);
    expect(await service.getToken('main')).toMatchObject({ token: 'fake-token-3', source: 'generated', stale: false });
  });
});

describe('TokenService: lockout protection across containers', () => {
  it('records the rejection with the login coordinator, for the account, and leaves the stored token untouched', async () => {
    await service.getToken('main');
    const token = await store.token('main');
    clock.advance(HOUR - 120_000);
    issuer.failures.push(badCredentials());
    expect((await service.getToken('main')).stale).toBe(true);
    expect(await store.peek('main')).toEqual({ version: 2, token });
    expect(await coordinator.read(accountKey('arcgis/main', 'https://gis.example.com/portal'))).toEqual({
      pause: { secretVersion: 'v1', at: clock.time, until: clock.time + LOGIN_PAUSE_MS, code: 400, message: 'Unable to generate token.', details: ['Invalid username or password.'], url: 'https://gis.example.com/portal/sharing/rest/generateToken' },
    });
  });

  it('makes another container (and its schedule) skip the login during the pause', async () => {
    issuer.failures.push(badCredentials());
    await expect(service.getToken('main')).rejects.toBeInstanceOf(InvalidCredentialsError);
    const other = newContainer();
    const paused = await other.getToken('main').catch((e: unknown) => e);
    expect(paused).toBeInstanceOf(LoginPausedError);
    expect((paused as LoginPausedError).extensions()).toEqual({ retryAt: new Date(clock.time + LOGIN_PAUSE_MS).toISOString(), arcgisCode: 400, arcgisMessage: 'Unable to generate token.' });
    await expect(newContainer().refreshIfDue('main', 15 * 60_000)).rejects.toBeInstanceOf(LoginPausedError);
    expect(issuer.calls).toHaveLength(1);
  });

  it('lets any container log in again once the secret has a new version', async () => {
    issuer.failures.push(badCredentials());
    await expect(service.getToken('main')).rejects.toBeInstanceOf(InvalidCredentialsError);
    credentials.version = 'v2';
    const other = newContainer();
    expect((await other.getToken('main')).source).toBe('generated');
    expect((await store.peek('main'))?.loginFailure).toBeUndefined();
  });

  it('counts paused logins and ArcGIS errors by code', async () => {
    const metrics = new CountingMetrics();
    service = new TokenService({ config, store, coordinator, credentials, issuer, log, metrics, now: clock.now });
    issuer.failures.push(badCredentials());
    await service.getToken('main').catch(() => undefined);
    await service.getToken('main').catch(() => undefined);
    expect(metrics.counts).toEqual([
      { name: 'ArcGisErrors', target: 'main', dimensions: { ArcGisCode: '400' } },
      { name: 'LoginsPaused', target: 'main' },
    ]);
  });
});

describe('TokenService: AWS faults and credentials', () => {
  it('logs in without the fleet lease when the coordinator cannot be reached, and counts it', async () => {
    const metrics = new CountingMetrics();
    service = new TokenService({ config, store, coordinator, credentials, issuer, log, metrics, now: clock.now });
    coordinator.fail = Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' });
    expect((await service.getToken('main')).source).toBe('generated');
    expect(metrics.total('UnguardedLogins')).toBe(1);
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => [l.message, l.fields?.error])).toEqual([
      ['login coordinator unreachable; logging in without the fleet-wide lease (this container still makes at most one failed login per secret version)', 'AccessDeniedException: User is not authorized'],
    ]);
  });

  it('never lets an older token overwrite a newer one in the store (two unguarded containers finishing out of order)', async () => {
    coordinator.fail = Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' });
    let releaseSlow!: () => void;
    issuer.gate = new Promise((resolve) => (releaseSlow = resolve));
    const slow = newContainer().getToken('main');
    while (issuer.calls.length < 1) await new Promise((resolve) => setImmediate(resolve));
    issuer.gate = undefined;
    issuer.lifetimeMs = 2 * HOUR;
    const fast = await newContainer().getToken('main');
    releaseSlow();
    const late = await slow;
    expect([late.token, fast.token]).toEqual(['fake-token-1', 'fake-token-2']);
    expect((await store.token('main'))?.token).toBe('fake-token-2');
  });

  it('with the coordinator unreachable, makes at most one failed login per secret version in a container', async () => {
    coordinator.fail = Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' });
    issuer.failures.push(badCredentials(), badCredentials());
    await expect(service.getToken('main')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(service.getToken('main')).rejects.toBeInstanceOf(LoginPausedError);
    await expect(service.refreshIfDue('main', 15 * 60_000)).rejects.toBeInstanceOf(LoginPausedError);
    expect(issuer.calls).toHaveLength(1);
    credentials.version = 'v2';
    clock.advance(PAUSED_SECRET_MAX_AGE_MS);
    await expect(service.getToken('main')).rejects.toBeInstanceOf(InvalidCredentialsError);
    expect(issuer.calls).toHaveLength(2);
  });

  it('reads the secret once per 5 minutes per container, not once per login', async () => {
    issuer.lifetimeMs = 120_000; // margin 60 s: a new login every 61 s
    await service.getToken('main');
    clock.advance(61_000);
    await service.getToken('main');
    expect([issuer.calls.length, credentials.reads]).toEqual([2, 1]);
    clock.advance(5 * 60_000);
    await service.getToken('main');
    expect([issuer.calls.length, credentials.reads]).toEqual([3, 2]);
  });

  it('counts tokens served and cache hits', async () => {
    const metrics = new CountingMetrics();
    service = new TokenService({ config, store, coordinator, credentials, issuer, log, metrics, now: clock.now });
    await service.getToken('main');
    await service.getToken('main');
    expect(metrics.counts.map((c) => c.name)).toEqual(['TokensGenerated', 'TokensServed', 'TokensServed', 'CacheHits']);
  });
});

describe('TokenService: manual tokens', () => {
  it('serves a manual token when it is the only credential, without calling ArcGIS or the store', async () => {
    credentials.credentials = { kind: 'manual', manual: { token: 'fake-manual-token', expires: clock.time + 30 * 24 * HOUR } };
    const served = await service.getToken('main', 3000);
    expect(served).toMatchObject({ token: 'fake-manual-token', expires: clock.time + 30 * 24 * HOUR, source: 'manual', stale: false, binding: { client: 'unknown' } });
    expect(issuer.calls).toHaveLength(0);
    expect(store.writes).toBe(0);
  });

  it('serves the manual token when generation fails and no cached token is left', async () => {
    credentials.credentials = { kind: 'user', username: 'fake-user', password: 'fake-password-not-real', manual: { token: 'fake-manual-token', expires: clock.time + 2 * HOUR } };
    issuer.failures.push(new ArcGisUnreachableError('down'));
    const served = await service.getToken('main');
    expect(served).toMatchObject({ token: 'fake-manual-token', source: 'manual', staleReason: 'down' });
  });

  it('prefers a still-valid generated token over the manual one', async () => {
    credentials.credentials = { kind: 'user', username: 'fake-user', password: 'fake-password-not-real', manual: { token: 'fake-manual-token', expires: clock.time + 48 * HOUR } };
    await service.getToken('main');
    clock.advance(HOUR - 120_000);
    issuer.failures.push(new ArcGisUnreachableError('down'));
    expect(await service.getToken('main', 60)).toMatchObject({ token: 'fake-token-1', source: 'cache', stale: true });
  });

  it('refuses an expired manual token with the fix', async () => {
    credentials.credentials = { kind: 'manual', manual: { token: 'fake-manual-token', expires: clock.time + 60_000 } };
    const error = await service.getToken('main', 120).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenLifetimeError);
    expect((error as Error).message).toBe(`The manual token of target "main" expires at ${new Date(clock.time + 60_000).toISOString()}, sooner than the requested minValidity of 120 s. Ask an administrator for a new one and store it in secret "arcgis/main".`);
  });
});

describe('TokenService: bindings and cache keys', () => {
  const callerConfig = parseServiceConfig({ targets: [{ name: 'apps', url: 'https://gis.example.com/arcgis', client: 'caller-ip', secretId: 'arcgis/apps' }] }, 'test');

  it('binds caller-ip tokens to each caller address and caches them per caller', async () => {
    service = new TokenService({ config: callerConfig, store, coordinator, credentials, issuer, log, now: clock.now });
    const a = await service.getToken('apps', 0, { callerIp: '198.51.100.7' });
    const b = await service.getToken('apps', 0, { callerIp: '::ffff:203.0.113.9' });
    const a2 = await service.getToken('apps', 0, { callerIp: '198.51.100.7' });
    expect([a.binding, b.binding]).toEqual([{ client: 'ip', ip: '198.51.100.7' }, { client: 'ip', ip: '203.0.113.9' }]);
    expect([a.token, b.token, a2.token, a2.source]).toEqual(['fake-token-1', 'fake-token-2', 'fake-token-1', 'cache']);
    expect(issuer.calls.map((c) => [c.client, c.ip])).toEqual([['ip', '198.51.100.7'], ['ip', '203.0.113.9']]);
    expect(store.slotsWritten()).toEqual(['apps/ip-198.51.100.7', 'apps/ip-203.0.113.9']);
  });

  it('keys IPv6 callers by their /64, with parameter-safe names, and binds the token to the address that asked', async () => {
    service = new TokenService({ config: callerConfig, store, coordinator, credentials, issuer, log, now: clock.now });
    const first = await service.getToken('apps', 0, { callerIp: '2001:db8::1' });
    const second = await service.getToken('apps', 0, { callerIp: '2001:0db8:0000:0000:ffff::2' });
    expect(store.slotsWritten()).toEqual(['apps/ip-2001_db8_0_0___64']);
    expect(first.binding).toEqual({ client: 'ip', ip: '2001:db8::1' });
    expect(second.token).toBe(first.token);
    expect(issuer.calls.map((c) => c.ip)).toEqual(['2001:db8::1']);
  });

  it('refuses a caller-ip request without a usable caller address', async () => {
    service = new TokenService({ config: callerConfig, store, coordinator, credentials, issuer, log, now: clock.now });
    await expect(service.getToken('apps', 0, {})).rejects.toThrow(new BadRequestError('Target "apps" binds tokens to the caller\'s IP address (client caller-ip), and this request\'s address is unknown or not an IP address.'));
  });

  it('leaves caller-ip targets to on-demand refresh in the schedule', async () => {
    service = new TokenService({ config: callerConfig, store, coordinator, credentials, issuer, log, now: clock.now });
    expect(await service.refreshIfDue('apps', 15 * 60_000)).toBe('on-demand');
    expect(issuer.calls).toHaveLength(0);
  });

  it('reports app-credential tokens as unbound', async () => {
    credentials.credentials = { kind: 'app', clientId: 'fake-client', clientSecret: 'fake-client-secret' };
    expect((await service.getToken('main')).binding).toEqual({ client: 'none' });
  });

  it('answers a cold cached request from the store alone, without reading the secret', async () => {
    await service.getToken('main');
    const reads = credentials.reads;
    expect(await newContainer().getToken('main')).toMatchObject({ token: 'fake-token-1', source: 'cache' });
    expect(credentials.reads).toBe(reads);
  });

  it('does not serve a stored token of other credentials once it knows the secret: the schedule replaces it', async () => {
    await service.getToken('main');
    credentials.credentials = { kind: 'user', username: 'other-user', password: 'fake-other' };
    credentials.version = 'v2';
    expect(await newContainer().refreshIfDue('main', 15 * 60_000)).toBe('refreshed');
    expect((await store.token('main'))?.token).toBe('fake-token-2');
    const warm = newContainer();
    await warm.refreshIfDue('main', 15 * 60_000);
    expect(await warm.getToken('main')).toMatchObject({ token: 'fake-token-2', source: 'cache' });
  });
});

describe('TokenService: revoked tokens', () => {
  it('replaces the cached token when a caller reports it rejected and ArcGIS confirms (498): one login', async () => {
    const first = await service.getToken('main');
    issuer.revoked.add(first.token);
    const replaced = await service.getToken('main', 0, { rejectedToken: first.token });
    expect(replaced).toMatchObject({ token: 'fake-token-2', source: 'generated' });
    expect(issuer.checks).toEqual([first.token]);
    // A late report of the old token changes nothing: the new one is served, nothing is checked.
    expect(await service.getToken('main', 0, { rejectedToken: first.token })).toMatchObject({ token: 'fake-token-2', source: 'cache' });
    expect([issuer.calls.length, issuer.checks.length]).toEqual([2, 1]);
  });

  it('keeps a token ArcGIS still accepts, and checks a repeated report at most once a minute', async () => {
    const first = await service.getToken('main');
    expect(await service.getToken('main', 0, { rejectedToken: first.token })).toMatchObject({ token: first.token, source: 'cache' });
    expect(await service.getToken('main', 0, { rejectedToken: first.token })).toMatchObject({ token: first.token, source: 'cache' });
    expect([issuer.calls.length, issuer.checks.length]).toEqual([1, 1]);
    clock.advance(REJECTION_RECHECK_MS);
    await service.getToken('main', 0, { rejectedToken: first.token });
    expect(issuer.checks).toHaveLength(2);
  });

  it('neither checks nor logs in for a report of a token it does not hold', async () => {
    await service.getToken('main');
    expect(await service.getToken('main', 0, { rejectedToken: 'fake-token-from-elsewhere' })).toMatchObject({ token: 'fake-token-1', source: 'cache' });
    expect([issuer.calls.length, issuer.checks.length]).toEqual([1, 0]);
  });

  it('makes one login for 60 reports of one revoked token across three containers', async () => {
    const first = await service.getToken('main');
    issuer.revoked.add(first.token);
    const containers = [service, newContainer(), newContainer()];
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => containers[i % 3]!.getToken('main', 0, { rejectedToken: first.token })));
    expect([...new Set(answers.map((a) => a.token))]).toEqual(['fake-token-2']);
    expect(issuer.calls).toHaveLength(2);
  });

  it('never serves a revoked token as stale when its replacement fails', async () => {
    const first = await service.getToken('main');
    issuer.revoked.add(first.token);
    issuer.failures.push(new ArcGisUnreachableError('down'));
    await expect(service.getToken('main', 0, { rejectedToken: first.token })).rejects.toBeInstanceOf(ArcGisUnreachableError);
    await expect(service.getToken('main')).resolves.toMatchObject({ token: 'fake-token-3', source: 'generated' });
  });

  it('checks each fresh token on every scheduled run, and replaces one ArcGIS rejects', async () => {
    const first = await service.getToken('main');
    expect(await service.refreshIfDue('main', 15 * 60_000)).toBe('fresh');
    expect(issuer.checks).toEqual([first.token]);
    issuer.revoked.add(first.token);
    expect(await service.refreshIfDue('main', 15 * 60_000)).toBe('refreshed');
    expect((await store.token('main'))?.token).toBe('fake-token-2');
    expect(await newContainer().getToken('main')).toMatchObject({ token: 'fake-token-2', source: 'cache' });
  });
});

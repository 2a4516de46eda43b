// A new token is accepted only if it is plausible: well-formed junk from ArcGIS (or from whatever
// answers in its place) must never be cached and served, nor reach an HTTP header. Each case is
// the simulator answering over real HTTP, through the issuer as the Lambda runs it.
import { problemTypeOf } from '../../lambda/http/problem-types.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ArcGisTokenIssuer } from '../../lambda/arcgis/arcgis-token-issuer.js';
import { MemoryLoginCoordinator } from '../../lambda/service/memory-login-coordinator.js';
import { MemoryTokenStore } from '../../lambda/adapters/memory-token-store.js';
import { StaticCredentialSource } from '../../lambda/adapters/static-credentials.js';
import type { Target, TargetInput } from '../../lambda/domain/config/schema.js';
import { parseServiceConfig } from '../../lambda/domain/config/parse-config.js';
import { TokenService } from '../../lambda/service/token-service.js';
import type { Credentials } from '../../lambda/domain/ports.js';
import { ArcGisBadResponseError } from '../../lambda/domain/errors.js';
import { startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';
import { CapturingLog } from '../service/fakes.js';

const APP = { clientId: 'fake-app', clientSecret: 'fake-app-secret-plausibility' };
const user: Exclude<Credentials, { kind: 'manual' }> = { kind: 'user', ...FAKE };
const app: Exclude<Credentials, { kind: 'manual' }> = { kind: 'app', ...APP };
const REFERER = 'https://apps.example.com';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let sim: ArcGisSimulator;

function target(input: Partial<TargetInput> & { url: string }): Target {
  return parseServiceConfig({ targets: [{ name: 't', referer: REFERER, secretId: 's', ...input } as TargetInput], allowInsecureHttp: true }, 'test').targets[0]!;
}
const issuer = () => new ArcGisTokenIssuer({ timeoutMs: 2_000, allowInsecureHttp: true });

async function refusal(promise: Promise<unknown>): Promise<ArcGisBadResponseError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ArcGisBadResponseError);
  return error as ArcGisBadResponseError;
}

beforeAll(async () => {
  sim = await startArcGisSimulator({ users: [FAKE], apps: [APP], federatedServers: [{ adaptor: 'fed', registered: true }] });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.requests.length = 0;
});

describe('generateToken answers that are refused', () => {
  const fresh = () => Date.now() + HOUR;
  it.each<[string, () => unknown, string]>([
    ['a blank token', () => ({ token: ' ', expires: fresh() }), 'issued a blank token'],
    ['a token that is an HTML fragment', () => ({ token: '<div>SessionExpired</div>', expires: fresh() }), 'issued a token holding markup (< or >), such as an HTML fragment, not a token'],
    ['a token with CR LF', () => ({ token: 'fake-tok\r\nX-Injected: 1', expires: fresh() }), 'issued a token containing white space or control characters'],
    ['a token with a NUL', () => ({ token: 'fake-tok\u0000en', expires: fresh() }), 'issued a token containing white space or control characters'],
    ['a token with a space', () => ({ token: 'fake tok', expires: fresh() }), 'issued a token containing white space or control characters'],
    ['a token with a non-ASCII letter', () => ({ token: 'fake-tøken', expires: fresh() }), 'issued a token with characters outside printable ASCII'],
    ['a token longer than 2048 characters', () => ({ token: 'x'.repeat(2049), expires: fresh() }), 'issued a token of 2049 characters, more than the 2048 a token can have here'],
  ])('%s', async (_name, body, rule) => {
    sim.failNext({ kind: 'json', body: body() });
    const error = await refusal(issuer().issue({ target: target({ url: sim.serverTokenUrl }), credentials: user, client: 'referer', referer: REFERER }));
    expect(error.message.startsWith(`${sim.serverTokenUrl} ${rule}`)).toBe(true);
    expect(error.message).toContain('It was not cached.');
    expect(error.httpStatus).toBe(200);
    expect(error.message).not.toContain('fake-tok');
    expect(error.message).not.toContain('SessionExpired');
  });

  it('expires in microseconds (year 58888)', async () => {
    const micros = Date.now() * 1000;
    sim.failNext({ kind: 'json', body: { token: 'fake-token-micros', expires: micros, ssl: true } });
    const error = await refusal(issuer().issue({ target: target({ url: sim.serverTokenUrl }), credentials: user, client: 'referer', referer: REFERER }));
    expect(error.message).toMatch(new RegExp(`^${sim.serverTokenUrl} issued a token whose expires \\(${micros}, \\+0\\d{5}-\\d\\d-\\d\\dT[\\d:.]+Z\\) is more than 15 days \\(plus 1 day for clocks\\) away: ArcGIS issues tokens for at most 15 days, so expires is in the wrong unit \\(microseconds or seconds instead of milliseconds\\) or the server's clock is wrong\\. It was not cached\\.$`));
    expect(error.message).not.toContain('fake-token-micros');
  });

  it('accepts a token that expires exactly at the 15-day maximum plus the clock allowance, and refuses one a millisecond later', async () => {
    const now = Date.now();
    const clocked = new ArcGisTokenIssuer({ timeoutMs: 2_000, allowInsecureHttp: true, now: () => now });
    sim.failNext({ kind: 'json', body: { token: 'fake-token-at-limit', expires: now + 16 * DAY } });
    expect((await clocked.issue({ target: target({ url: sim.serverTokenUrl }), credentials: user, client: 'referer', referer: REFERER })).expires).toBe(now + 16 * DAY);
    sim.failNext({ kind: 'json', body: { token: 'fake-token-past-limit', expires: now + 16 * DAY + 1 } });
    await refusal(clocked.issue({ target: target({ url: sim.serverTokenUrl }), credentials: user, client: 'referer', referer: REFERER }));
  });
});

describe('a token with CR/LF never reaches an HTTP header', () => {
  it('is refused before the serviceUrl check, as a bad response that does not quote it', async () => {
    sim.failNext({ kind: 'json', body: { token: 'fake-tok\r\nX-Injected: 1', expires: Date.now() + HOUR, ssl: false } });
    const service = `${sim.serverUrl}/rest/services/Demo/FeatureServer/0`;
    const error = await refusal(issuer().issue({ target: target({ url: sim.serverTokenUrl, serviceUrl: service }), credentials: user, client: 'referer', referer: REFERER }));
    expect(problemTypeOf(error)?.slug).toBe('arcgis-bad-response');
    expect(error.message).not.toContain('fake-tok');
    expect(error.message).not.toContain('X-Injected');
    expect(sim.requests.map((r) => r.path)).toEqual(['/arcgis/tokens/generateToken']);
  });
});

describe('OAuth and exchange answers', () => {
  it('refuses a blank access_token', async () => {
    sim.failNext({ kind: 'json', body: { access_token: '   ', expires_in: 7200 } });
    const error = await refusal(issuer().issue({ target: target({ url: sim.portalUrl }), credentials: app, client: 'referer', referer: REFERER }));
    expect(error.message).toBe(`${sim.oauthTokenUrl} issued a blank token. It was not cached.`);
  });

  it('refuses expires_in in milliseconds (7200000 s is 83 days, beyond the 14-day maximum of app tokens)', async () => {
    sim.failNext({ kind: 'json', body: { access_token: 'fake-app-token', expires_in: 7_200_000 } });
    const error = await refusal(issuer().issue({ target: target({ url: sim.portalUrl }), credentials: app, client: 'referer', referer: REFERER }));
    expect(error.message).toContain('is more than 14 days (plus 1 day for clocks) away: ArcGIS issues app tokens for at most 14 days');
    expect(error.message).not.toContain('fake-app-token');
  });

  it('refuses a federated exchange that answers junk, after a good portal login', async () => {
    // The first token request (the password login) is answered normally; the exchange gets the junk.
    sim.failNext({ kind: 'delay', ms: 0 });
    sim.failNext({ kind: 'json', body: { token: '<html>', expires: Date.now() + HOUR } });
    const error = await refusal(issuer().issue({ target: target({ url: sim.federatedServerUrl('fed') }), credentials: user, client: 'referer', referer: REFERER }));
    expect(error.message).toBe(`${sim.portalTokenUrl} issued a token holding markup (< or >), such as an HTML fragment, not a token. It was not cached.`);
    expect(sim.exchangeCount()).toBeGreaterThan(0);
  });
});

describe('the token service keeps the good token when a refresh answers junk', () => {
  it.each<[string, () => unknown]>([
    ['{"token":" "}', () => ({ token: ' ', expires: Date.now() + 2 * HOUR })],
    ['an HTML fragment', () => ({ token: '<p>Error</p>', expires: Date.now() + 2 * HOUR })],
    ['expires in microseconds', () => ({ token: 'fake-token-year-58888', expires: Date.now() * 1000 })],
  ])('%s', async (_name, junk) => {
    const config = parseServiceConfig({ targets: [{ name: 'main', url: sim.serverTokenUrl, referer: REFERER, secretId: 's' }], allowInsecureHttp: true }, 'test');
    const store = new MemoryTokenStore();
    // The service's clock can be moved on; the issuer and the simulator keep real time.
    let ahead = 0;
    const service = new TokenService({ config, store, coordinator: new MemoryLoginCoordinator(), credentials: new StaticCredentialSource(new Map([['s', user]])), issuer: issuer(), log: new CapturingLog(), now: () => Date.now() + ahead });
    const good = await service.getToken('main');
    expect(good.source).toBe('generated');

    sim.failNext({ kind: 'json', body: junk() });
    // 55 minutes on, the 60-minute token is inside its 6-minute refresh margin: the refresh gets the junk.
    ahead = 55 * 60_000;
    const served = await service.getToken('main');
    expect(served).toMatchObject({ token: good.token, stale: true });
    expect(served.staleReason).toContain('It was not cached.');
    expect((await store.get('main'))?.token?.token).toBe(good.token);
  });
});

// The deployed entry point, end to end inside one process: API Gateway and EventBridge events go
// into `handler`; Secrets Manager and SSM are the real SDK v3 clients with aws-sdk-client-mock;
// ArcGIS is the simulator over real HTTP on loopback.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { ServiceConfigInput } from '../../lambda/domain/config/schema.js';
import { startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import { FAKE, PAYLOADS } from '../fixtures/arcgis-payloads.js';
import { scheduledEvent } from './events.js';
import { captureOutput } from './output-capture.js';
import { call, configFor as harnessConfig, loadHandler, resetAwsMocks, sm, ssm, tokenWrites, unloadConfig } from './lambda-harness.js';

let sim: ArcGisSimulator;
let output: ReturnType<typeof captureOutput>;

const configFor = (overrides: Partial<ServiceConfigInput> = {}) => harnessConfig(sim, overrides);

beforeAll(async () => {
  sim = await startArcGisSimulator({ users: [FAKE] });
});
afterAll(async () => {
  await sim.close();
  await unloadConfig();
});
beforeEach(async () => {
  await resetAwsMocks();
  sim.requests.length = 0;
  output = captureOutput();
});
afterEach(() => {
  const printed = output.text();
  output.restore();
  // Nothing secret in any log line of any scenario.
  expect(printed).not.toContain(FAKE.password);
  expect(printed).not.toContain(encodeURIComponent(FAKE.password));
});

describe('GET /token through the Lambda entry point', () => {
  it('logs in once with an exactly encoded form, caches in SSM and answers the token', async () => {
    const handler = await loadHandler(configFor());
    const logins = sim.loginCount();
    const first = await call(handler);

    expect(first.statusCode).toBe(200);
    expect(first.headers).toEqual({ 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    const { token, expires } = first.json as { token: string; expires: number };
    expect(first.json).toEqual({
      token,
      expires,
      expiresAt: new Date(expires).toISOString(),
      ssl: false,
      target: 'portal',
      client: 'referer',
      referer: 'https://apps.example.com',
      usage: { header: 'X-Esri-Authorization', scheme: 'Bearer', parameter: 'token', refererHeader: 'https://apps.example.com', httpsOnly: false },
      source: 'generated',
      stale: false,
    });
    expect(expires - Date.now()).toBeGreaterThan(59 * 60_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(60 * 60_000);

    const login = sim.requests.find((r) => r.path === '/portal/sharing/rest/generateToken')!;
    expect(login.method).toBe('POST');
    expect(login.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(login.rawBody).toBe(`username=fake-user&password=fake%26pa%25ss%2Bwo%3Drd%23%C3%A9-not-real&client=referer&expiration=60&f=json&referer=https%3A%2F%2Fapps.example.com`);
    expect(login.form).toEqual({ username: FAKE.username, password: FAKE.password, client: 'referer', expiration: '60', f: 'json', referer: 'https://apps.example.com' });

    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, { Name: '/arcgis-token-vending/portal/token', Type: 'SecureString', Overwrite: true });
    const stored = JSON.parse(tokenWrites()[0]!.Value!) as Record<string, unknown>;
    expect(stored).toMatchObject({ version: 2, token: { token, expires, ssl: false } });

    const second = await call(handler);
    expect(second.json).toMatchObject({ token, source: 'cache' });
    expect(sim.loginCount() - logins).toBe(1);
    expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(output.text()).not.toContain(token);
  });

  it('serves a named target bound to an IP, from a service URL', async () => {
    const handler = await loadHandler(configFor());
    const answer = await call(handler, { target: 'server' });
    expect(answer.statusCode).toBe(200);
    expect(answer.json).toMatchObject({ target: 'server', client: 'ip', ip: '203.0.113.7', source: 'generated' });
    expect(answer.json.referer).toBeUndefined();
    expect(sim.requests.at(-1)!.path).toBe('/arcgis/tokens/generateToken');
    expect(sim.requests.at(-1)!.form).toMatchObject({ client: 'ip', ip: '203.0.113.7', expiration: '120' });
  });

  it('serves a token another container cached in SSM without logging in', async () => {
    const cached = { token: 'fake-cached-token', expires: Date.now() + 50 * 60_000, ssl: true, issuedAt: Date.now() - 10 * 60_000 };
    const handler = await loadHandler(configFor());
    // The fingerprint is internal; learn it from a first write, then serve a record carrying it.
    await call(handler);
    const written = (JSON.parse(tokenWrites()[0]!.Value!) as { token: Record<string, unknown> }).token;
    ssm.on(GetParameterCommand, { Name: '/arcgis-token-vending/portal/token' }).resolves({ Parameter: { Value: JSON.stringify({ version: 2, token: { ...written, ...cached } }) } });
    const fresh = await loadHandler(configFor());
    const logins = sim.loginCount();
    const answer = await call(fresh);
    expect(answer.json).toMatchObject({ token: 'fake-cached-token', expires: cached.expires, ssl: true, source: 'cache' });
    expect(sim.loginCount()).toBe(logins);
  });

  it('answers 404 problem+json for an unknown target', async () => {
    const handler = await loadHandler(configFor());
    const answer = await call(handler, { target: 'nope' });
    expect(answer.statusCode).toBe(404);
    expect(answer.headers!['content-type']).toBe('application/problem+json');
    expect(answer.json).toEqual({
      type: 'urn:arcgis-token-vending:problem:unknown-target',
      title: 'No such target',
      status: 404,
      detail: 'There is no target named "nope". Configured targets: portal, server.',
      instance: '/token/nope',
      target: 'nope',
      requestId: 'req-123',
    });
  });

  it('answers 400 for a bad query without calling ArcGIS', async () => {
    const handler = await loadHandler(configFor());
    const logins = sim.loginCount();
    const answer = await call(handler, { query: { minValidity: ['soon'] } });
    expect(answer.statusCode).toBe(400);
    expect(answer.json).toMatchObject({ type: 'urn:arcgis-token-vending:problem:bad-request', status: 400, detail: 'Bad query string: minValidity must be a whole number of seconds, e.g. minValidity=600.' });
    expect(sim.loginCount()).toBe(logins);
  });

  it('answers 502 with the ArcGIS code for rejected credentials, then pauses logins (503, Retry-After)', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: FAKE.username, password: 'fake-wrong-password' }), VersionId: 'v-bad' });
    const handler = await loadHandler(configFor());
    const logins = sim.loginCount();

    const refused = await call(handler);
    expect(refused.statusCode).toBe(502);
    expect(refused.json).toMatchObject({
      type: 'urn:arcgis-token-vending:problem:invalid-credentials',
      title: 'ArcGIS rejected the credentials',
      status: 502,
      arcgisCode: 400,
      arcgisMessage: 'Unable to generate token.',
      arcgisDetails: ['Invalid username or password.'],
    });
    expect(refused.json.detail).toContain(`${sim.portalTokenUrl} answered error 400 "Unable to generate token. / Invalid username or password."`);

    const paused = await call(handler);
    expect(paused.statusCode).toBe(503);
    expect(paused.json).toMatchObject({ type: 'urn:arcgis-token-vending:problem:login-paused', arcgisCode: 400 });
    expect(Number(paused.headers!['retry-after'])).toBeGreaterThan(890);
    expect(sim.loginCount() - logins).toBe(1);
    expect(output.text()).not.toContain('fake-wrong-password');
  });

  it('answers 502 naming the URL and status when ArcGIS sends an HTML page', async () => {
    const handler = await loadHandler(configFor());
    sim.failNext({ kind: 'html', status: 404 });
    const answer = await call(handler);
    expect(answer.statusCode).toBe(502);
    expect(answer.json).toMatchObject({ type: 'urn:arcgis-token-vending:problem:arcgis-bad-response', httpStatus: 404 });
    expect(answer.json.detail).toContain(`${sim.portalTokenUrl} answered HTTP 404 with an HTML page instead of JSON.`);
  });

  it('answers 504 when ArcGIS does not answer in time, and nothing is cached', async () => {
    const handler = await loadHandler(configFor());
    sim.failNext({ kind: 'hang' });
    const answer = await call(handler);
    expect(answer.statusCode).toBe(504);
    expect(answer.json).toMatchObject({ type: 'urn:arcgis-token-vending:problem:arcgis-unreachable', title: 'ArcGIS could not be reached' });
    expect(answer.json.detail).toBe(`${sim.portalTokenUrl} did not answer within 1000 ms. Check that ${new URL(sim.url).host} is up and reachable from the function (VPC, firewall), or raise requestTimeoutMs.`);
    expect(tokenWrites()).toHaveLength(0);
  });

  it('answers 504 when the connection is reset', async () => {
    const handler = await loadHandler(configFor());
    sim.failNext({ kind: 'reset' });
    expect((await call(handler)).statusCode).toBe(504);
  });

  it('answers 500 naming the secret when it is malformed, never its content', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'not json at all fake-secret-content', VersionId: 'v' });
    const handler = await loadHandler(configFor());
    const answer = await call(handler);
    expect(answer.statusCode).toBe(500);
    expect(answer.json).toMatchObject({ type: 'urn:arcgis-token-vending:problem:credentials-secret' });
    expect(answer.json.detail).toContain('The secret "arcgis/portal" is not JSON.');
    expect(answer.body).not.toContain('fake-secret-content');
    expect(output.text()).not.toContain('fake-secret-content');
  });

  it('answers 500 misconfiguration naming the field when the configuration is invalid', async () => {
    const handler = await loadHandler({ targets: [{ name: 'portal', url: 'http://gis.example.com/portal', referer: 'https://apps.example.com', secretId: 's' }] });
    const answer = await call(handler);
    expect(answer.statusCode).toBe(500);
    expect(answer.json).toMatchObject({ type: 'urn:arcgis-token-vending:problem:misconfiguration', status: 500 });
    expect(answer.json.detail).toBe(
      'Invalid configuration in TOKEN_VENDING_CONFIG:\n  - targets[0].url: http:// would send the password in clear: use https://, or set allowInsecureHttp (ARCGIS_ALLOW_INSECURE_HTTP=1) for a local simulator only',
    );
    await expect(handler(scheduledEvent())).rejects.toThrow('targets[0].url: http:// would send the password in clear');
  });

  it('refuses an event it does not handle', async () => {
    const handler = await loadHandler(configFor());
    await expect(handler({ hello: 'world' })).rejects.toThrow('Unsupported event');
  });

  it('logs structured JSON lines for discovery and generation only (no line per served token) and no token', async () => {
    const handler = await loadHandler(configFor());
    const answer = await call(handler);
    await call(handler);
    const logs = output.lines().filter((l) => l.message !== undefined);
    expect(logs.map((l) => l.message)).toEqual(['credentials for this target go only to these origins', 'token generated']);
    expect(logs[0]).toMatchObject({ level: 'INFO', service: 'arcgis-token-vending', target: 'portal', kind: 'portal', credentialOrigins: [sim.url] });
    expect(logs[1]).toMatchObject({ level: 'INFO', service: 'arcgis-token-vending', target: 'portal', ssl: false, client: 'referer', lifetimeSeconds: 3600 });
    expect(output.text()).not.toContain(answer.json.token as string);
  });
});

it('buffers EMF metrics per target and publishes them after a scheduled run', async () => {
  const handler = await loadHandler(configFor());
  await call(handler);
  await call(handler);
  expect(output.lines().filter((l) => l._aws !== undefined)).toEqual([]); // less than a minute since the last publish
  await handler(scheduledEvent());
  const emf = output.lines().filter((l) => l._aws !== undefined);
  const records = emf.map((l) => {
    const directive = (l._aws as { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> }).CloudWatchMetrics[0]!;
    return { namespace: directive.Namespace, dimensions: directive.Dimensions, target: l.Target, values: Object.fromEntries(directive.Metrics.map((m) => [m.Name, l[m.Name]])) };
  });
  expect(records).toEqual([
    { namespace: 'ArcGisTokenVending', dimensions: [['service', 'Target']], target: 'portal', values: { TokensGenerated: 1, TokensServed: 2, CacheHits: 1, RefreshSucceeded: 1 } },
    { namespace: 'ArcGisTokenVending', dimensions: [['service', 'Target']], target: 'server', values: { TokensGenerated: 1, RefreshSucceeded: 1 } },
  ]);
});

describe('scheduled refresh through the Lambda entry point', () => {
  it('refreshes every target that has no fresh token', async () => {
    const handler = await loadHandler(configFor());
    const logins = sim.loginCount();
    expect(await handler(scheduledEvent())).toEqual({ fresh: [], refreshed: ['portal', 'server'], 'on-demand': [] });
    expect(sim.loginCount() - logins).toBe(2);
    expect(tokenWrites()).toHaveLength(2);
    expect(await handler(scheduledEvent())).toEqual({ fresh: ['portal', 'server'], refreshed: [], 'on-demand': [] });
    expect(sim.loginCount() - logins).toBe(2);
  });

  it('refreshes the healthy target when another fails, then fails the invocation', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'arcgis/server' }).resolves({ SecretString: '{"username":"fake-user"}', VersionId: 'v' });
    const handler = await loadHandler(configFor());
    const error = await (handler(scheduledEvent()) as Promise<unknown>).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('ScheduledRefreshError');
    expect((error as Error).message).toMatch(/^Scheduled refresh failed for 1 target\(s\): server \(SecretError: The secret "arcgis\/server" lacks "password"\. It must hold/);
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, { Name: '/arcgis-token-vending/portal/token' });
    expect(tokenWrites().map((w) => w.Name)).toEqual(['/arcgis-token-vending/portal/token']);
    expect(output.lines().filter((l) => l.level === 'ERROR').map((l) => l.target)).toEqual(['server']);
  });

  it('fails the invocation when ArcGIS refuses, reporting its code', async () => {
    const handler = await loadHandler(configFor({ targets: [{ name: 'portal', url: sim.portalUrl, referer: 'https://apps.example.com', secretId: 'arcgis/portal' }] }));
    sim.failNext({ kind: 'json', body: JSON.parse(PAYLOADS.forbidden) });
    await expect(handler(scheduledEvent())).rejects.toThrow(/portal \(ArcGisRefusedError: .* answered error 403 "You do not have permissions/);
  });
});

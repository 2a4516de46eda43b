// Nothing secret in any error: distinctive fake passwords, client secrets and tokens (control
// characters included) go through every failure path the service can reach, over real HTTP against
// the simulator, and none of them may appear in an error message, a problem body, a log line, a
// metric dimension, a stale reason, the schedule's error or doctor's output. Sites are hostile here:
// some echo the request (the password) back in their error text, as a misconfigured proxy does,
// and library errors carry whatever text the library puts in them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArcGisTokenIssuer } from '../../lambda/arcgis/arcgis-token-issuer.js';
import { getJson, type FetchLike } from '../../lambda/arcgis/http.js';
import { MemoryLoginCoordinator } from '../../lambda/service/memory-login-coordinator.js';
import { MemoryTokenStore } from '../../lambda/adapters/memory-token-store.js';
import { StaticCredentialSource } from '../../lambda/adapters/static-credentials.js';
import { runDoctor } from '../../lambda/cli/doctor.js';
import type { TargetInput } from '../../lambda/domain/config/schema.js';
import { parseServiceConfig } from '../../lambda/domain/config/parse-config.js';
import type { Credentials } from '../../lambda/domain/ports.js';
import { ConfigurationError } from '../../lambda/domain/errors.js';
import { wire } from '../../lambda/handlers/composition.js';
import { startArcGisSimulator, type ArcGisSimulator, type SimulatorFault } from '../../lambda/local/arcgis-simulator.js';
import { CapturingLog, CountingMetrics } from '../service/fakes.js';

const PASSWORD = 'fake-Pw-7Qx&leak%+=#é "quoted" \\slash';
const CLIENT_SECRET = 'fake-Cs-9Zr&leak+secret';
const USER = { username: 'fake-leak-user', password: PASSWORD };
const APP = { clientId: 'fake-leak-app', clientSecret: CLIENT_SECRET };
/** Tokens with control characters and other bytes no header may carry, as a broken site might issue. */
const BAD_TOKENS = ['fake-Tk-CR\r\nX-Leak: fake-Tk-hdr', 'fake-Tk-NUL\u0000fake-Tk-nul', 'fake-Tk-LF\nfake-Tk-lf', 'fake-Tk-U\u2028fake-Tk-ls', 'fake-Tk-ø-fake-Tk-latin', 'fake-Tk-€-fake-Tk-wide'];
/** Pieces of them that must not appear either (an error may quote a token cut at the bad byte). */
const BAD_TOKEN_PARTS = ['fake-Tk-'];

let sim: ArcGisSimulator;
/** Every token any ArcGIS answer carried (the simulator's real ones included). */
const issued = new Set<string>();
/** Everything a user, operator or log reader could see from a failure. */
const exposed: Array<{ scenario: string; text: string }> = [];

/** The real fetch, recording every token an answer carried. */
const recording: FetchLike = async (input, init) => {
  const response = await fetch(input, init);
  const body = await response.clone().text();
  for (const match of body.matchAll(/"(?:token|access_token)"\s*:\s*"([^"]+)"/g)) issued.add(match[1]!);
  return response;
};

/** Stands in for undici refusing a header value: its real message quotes the value. */
const headerRefusingFetch: FetchLike = (input, init) => {
  const auth = new Headers(init.headers as ConstructorParameters<typeof Headers>[0]).get('x-esri-authorization');
  if (auth !== null) return Promise.reject(new TypeError(`Headers.append: "${auth}\r\n" is an invalid header value.`));
  return recording(input, init);
};

/** Each secret found in the text, with the text around it (so a failure shows where it leaked). */
function leaks(text: string, secrets: Iterable<string>): string[] {
  const found: string[] = [];
  for (const secret of secrets) {
    const at = text.indexOf(secret);
    if (at >= 0) found.push(`${JSON.stringify(secret)} in …${text.slice(Math.max(0, at - 160), at + secret.length + 40)}…`);
  }
  return found;
}

function secretForms(): string[] {
  const encoded = [encodeURIComponent(PASSWORD), new URLSearchParams({ p: PASSWORD }).toString().slice(2), encodeURIComponent(CLIENT_SECRET), new URLSearchParams({ c: CLIENT_SECRET }).toString().slice(2)];
  return [PASSWORD, CLIENT_SECRET, ...encoded, JSON.stringify(PASSWORD).slice(1, -1), ...BAD_TOKENS, ...BAD_TOKEN_PARTS];
}

interface Scenario {
  name: string;
  target: Partial<TargetInput>;
  credentials: Exclude<Credentials, { kind: 'manual' }>;
  faults?: SimulatorFault[];
  requestFaults?: SimulatorFault[];
  loginFaults?: SimulatorFault[];
  fetch?: FetchLike;
  timeoutMs?: number;
}

const echo = (text: string) => ({ error: { code: 400, message: `Unable to generate token for ${text}`, details: [`request was ${new URLSearchParams({ username: USER.username, password: PASSWORD }).toString()}`, text] } });

function arrange(s: Scenario): void {
  // A fault the previous step did not reach (a paused login sends nothing) must not carry over.
  sim.clearFaults();
  for (const fault of s.requestFaults ?? []) sim.failNextRequest(fault);
  for (const fault of s.loginFaults ?? []) sim.failNextLogin(fault);
  for (const fault of s.faults ?? []) sim.failNext(fault);
}

async function runScenario(s: Scenario): Promise<void> {
  arrange(s);
  const config = parseServiceConfig({ targets: [{ name: 't', url: sim.serverTokenUrl, referer: 'https://apps.example.com', secretId: 's', ...s.target } as TargetInput], allowInsecureHttp: true, requestTimeoutMs: s.timeoutMs ?? 2_000 }, 'test');
  const log = new CapturingLog();
  const metrics = new CountingMetrics();
  const app = wire(config, {
    store: new MemoryTokenStore(),
    coordinator: new MemoryLoginCoordinator(),
    credentials: new StaticCredentialSource(new Map([['s', s.credentials]])),
    issuer: new ArcGisTokenIssuer({ timeoutMs: config.requestTimeoutMs, allowInsecureHttp: true, fetch: s.fetch ?? recording, log }),
    log,
    metrics,
  });
  const answer = await app.api({ method: 'GET', path: '/token/t', targetName: 't', query: {}, requestId: 'r-1' });
  if (answer.statusCode === 200) {
    const body = JSON.parse(answer.body) as { token: string; staleReason?: string };
    issued.add(body.token);
    exposed.push({ scenario: s.name, text: body.staleReason ?? '' });
  } else {
    exposed.push({ scenario: s.name, text: answer.body });
  }
  arrange(s);
  const scheduled = await app.schedule().then(
    () => '',
    (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error)),
  );
  exposed.push({ scenario: s.name, text: scheduled }, { scenario: s.name, text: log.text() }, { scenario: s.name, text: JSON.stringify(metrics.counts) });
}

beforeAll(async () => {
  sim = await startArcGisSimulator({ users: [USER], apps: [APP], federatedServers: [{ adaptor: 'fed', registered: true }, { adaptor: 'lone', registered: false }] });
});
afterAll(() => sim.close());

const user: Exclude<Credentials, { kind: 'manual' }> = { kind: 'user', ...USER };
const app: Exclude<Credentials, { kind: 'manual' }> = { kind: 'app', ...APP };
const wrong: Exclude<Credentials, { kind: 'manual' }> = { kind: 'user', username: USER.username, password: `${PASSWORD}-wrong` };

describe('every failure path', () => {
  const scenarios: Scenario[] = [
    // ArcGIS's own error shapes (verbatim where docs/arcgis-tokens.md quotes them).
    { name: 'standalone 401', target: {}, credentials: wrong },
    { name: 'portal 400', target: { url: '' }, credentials: wrong },
    { name: 'error 201', target: {}, credentials: user, faults: [{ kind: 'json', body: { error: { code: 201, message: 'Exception in generating token', details: 'Client id cannot be determined' } } }] },
    { name: 'error 403', target: {}, credentials: user, faults: [{ kind: 'json', body: { error: { code: 403, message: 'You do not have permissions to access this resource or perform this operation.', details: [] } } }] },
    { name: 'admin shape 498', target: {}, credentials: user, faults: [{ kind: 'json', body: { status: 'error', messages: ['Token Expired.'], code: 498 } }] },
    { name: 'HTTP 498 without body', target: {}, credentials: user, faults: [{ kind: 'status', status: 498 }] },
    // Sites that echo the request: the password (raw, form-encoded) in the error text.
    { name: 'error echoing the password', target: {}, credentials: user, faults: [{ kind: 'json', body: echo(PASSWORD) }] },
    { name: 'error echoing the request', target: {}, credentials: user, loginFaults: [{ kind: 'echo' }] },
    { name: 'HTTP 400 echoing the request', target: {}, credentials: user, loginFaults: [{ kind: 'echo', status: 400 }] },
    { name: 'OAuth error echoing the request', target: { url: '' }, credentials: app, loginFaults: [{ kind: 'echo' }] },
    { name: 'admin error echoing the password', target: {}, credentials: user, faults: [{ kind: 'json', body: { status: 'error', messages: [`bad password ${PASSWORD}`, encodeURIComponent(PASSWORD)], code: 400 } }] },
    { name: 'OAuth error echoing the client secret', target: { url: '' }, credentials: app, faults: [{ kind: 'json', body: { error: { code: 400, error: 'invalid_client', error_description: `Invalid client_secret ${CLIENT_SECRET}`, message: `Invalid client_secret ${CLIENT_SECRET}`, details: [encodeURIComponent(CLIENT_SECRET)] } } }] },
    { name: 'OAuth invalid client', target: { url: '' }, credentials: { kind: 'app', clientId: APP.clientId, clientSecret: `${CLIENT_SECRET}-wrong` } },
    // Answers that are not tokens.
    { name: 'HTML page echoing the form', target: {}, credentials: user, faults: [{ kind: 'status', status: 500, contentType: 'text/html', body: `<html><body>password=${PASSWORD}</body></html>` }] },
    { name: 'garbage', target: {}, credentials: user, faults: [{ kind: 'garbage' }] },
    { name: 'huge body', target: {}, credentials: user, faults: [{ kind: 'huge', bytes: 400_000 }] },
    { name: 'redirect whose path echoes the password', target: {}, credentials: user, faults: [{ kind: 'redirect', location: `/login/${encodeURIComponent(PASSWORD)}?password=${encodeURIComponent(PASSWORD)}` }] },
    { name: 'rate limited with an echoing page', target: {}, credentials: user, faults: [{ kind: 'status', status: 429, contentType: 'text/html', body: `<p>${PASSWORD}</p>`, headers: { 'Retry-After': '5' } }] },
    ...BAD_TOKENS.map((token): Scenario => ({ name: `token ${JSON.stringify(token)}`, target: {}, credentials: user, faults: [{ kind: 'json', body: { token, expires: Date.now() + 3_600_000, ssl: false } }] })),
    ...BAD_TOKENS.map((token): Scenario => ({ name: `app token ${JSON.stringify(token)}`, target: { url: '' }, credentials: app, faults: [{ kind: 'json', body: { access_token: token, expires_in: 7200 } }] })),
    // No answer.
    { name: 'timeout', target: {}, credentials: user, faults: [{ kind: 'hang' }], timeoutMs: 300 },
    { name: 'reset', target: {}, credentials: user, faults: [{ kind: 'reset' }] },
    // The federated exchange, refused and junk; the service check's 498.
    { name: 'exchange refused', target: { url: 'fed:lone' }, credentials: user },
    { name: 'exchange echoing the portal token', target: { url: 'fed:fed' }, credentials: user, loginFaults: [{ kind: 'delay', ms: 0 }, { kind: 'echo' }] },
    { name: 'service check 498 (wrong dispenser)', target: { url: 'portal', kind: 'portal', serviceUrl: 'fed-layer' }, credentials: user },
    // A library's own error text (undici quotes a refused header value).
    { name: 'library header error on the service check', target: { serviceUrl: 'server-layer' }, credentials: user, fetch: headerRefusingFetch },
    // Discovery and the origin policy.
    { name: 'rest/info rate limited', target: { url: 'server-root' }, credentials: user, requestFaults: [{ kind: 'status', status: 429, body: `<p>${PASSWORD}</p>` }] },
    { name: 'foreign token origin', target: { url: 'server-root', allowedOrigins: [] }, credentials: user, requestFaults: [{ kind: 'json', body: { currentVersion: 11.3, authInfo: { isTokenBasedSecurity: true, tokenServicesUrl: 'https://gisserver.corp.local:6443/other/tokens/' } } }] },
  ];

  /** Scenario URLs are resolved once the simulator listens. */
  function resolve(s: Scenario): Scenario {
    const urls: Record<string, string> = {
      '': sim.portalUrl,
      portal: sim.portalUrl,
      'fed:lone': sim.federatedServerUrl('lone'),
      'fed:fed': sim.federatedServerUrl('fed'),
      'fed-layer': `${sim.federatedServerUrl('fed')}/rest/services/Demo/FeatureServer/0`,
      'server-layer': `${sim.serverUrl}/rest/services/Demo/FeatureServer/0`,
      'server-root': sim.serverUrl,
    };
    const target = { ...s.target };
    if (target.url !== undefined) target.url = urls[target.url]!;
    if (target.serviceUrl !== undefined) target.serviceUrl = urls[target.serviceUrl]!;
    return { ...s, target };
  }

  it.each(scenarios.map((s) => [s.name, s] as const))('%s: no password, client secret or token in what it exposes', async (_name, scenario) => {
    const before = exposed.length;
    await runScenario(resolve(scenario));
    const seen = exposed.slice(before).map((e) => e.text).join('\n');
    expect(leaks(seen, [...secretForms(), ...issued])).toEqual([]);
  });

  it('covered every scenario, and saw the tokens the simulator issued', () => {
    expect(new Set(exposed.map((e) => e.scenario)).size).toBe(scenarios.length);
    expect(issued.size).toBeGreaterThan(3);
    expect(leaks(exposed.map((e) => e.text).join('\n'), [...secretForms(), ...issued])).toEqual([]);
  });
});

describe('the HTTP layer itself', () => {
  it('refuses to send a header value with CR/LF, naming the header but not the value, before any request leaves', async () => {
    const before = sim.requests.length;
    const error = await getJson(`${sim.serverUrl}/rest/services?f=json`, { timeoutMs: 1_000, headers: { 'x-esri-authorization': `Bearer ${BAD_TOKENS[0]}` } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      `A request to ${sim.serverUrl}/rest/services?f=json would carry an x-esri-authorization header holding characters HTTP headers cannot carry (CR, LF, NUL or beyond Latin-1); it was not sent, and the value is not shown.`,
    );
    expect(sim.requests.length).toBe(before);
  });
});

describe('doctor', () => {
  it.each<[string, (s: ArcGisSimulator) => string[], Record<string, string>, SimulatorFault[]]>([
    ['error echoing the request', (s) => [s.serverUrl, '--username', USER.username, '--allow-insecure-http'], { ARCGIS_PASSWORD: PASSWORD }, [{ kind: 'echo' }]],
    ['OAuth error echoing the request', (s) => [s.portalUrl, '--client-id', APP.clientId, '--allow-insecure-http'], { ARCGIS_CLIENT_SECRET: CLIENT_SECRET }, [{ kind: 'echo' }]],
    ['exchange echoing the portal token', (s) => [s.federatedServerUrl('fed'), '--username', USER.username, '--allow-insecure-http'], { ARCGIS_PASSWORD: PASSWORD }, [{ kind: 'delay', ms: 0 }, { kind: 'echo' }]],
    ['token with CR/LF', (s) => [s.serverUrl, '--username', USER.username, '--allow-insecure-http', '--service', `${s.serverUrl}/rest/services/Demo/FeatureServer/0`], { ARCGIS_PASSWORD: PASSWORD }, [{ kind: 'json', body: { token: BAD_TOKENS[0], expires: Date.now() + 3_600_000 } }]],
    ['wrong password', (s) => [s.portalUrl, '--username', USER.username, '--allow-insecure-http'], { ARCGIS_PASSWORD: `${PASSWORD}-wrong` }, []],
  ])('%s: the report (text and JSON) holds no secret', async (_name, argv, env, faults) => {
    let output = '';
    for (const json of [false, true]) {
      sim.clearFaults();
      for (const fault of faults) sim.failNextLogin(fault);
      await runDoctor([...argv(sim), ...(json ? ['--json'] : [])], {
        env,
        stdout: { write: (chunk: string) => (output += chunk) },
        stderr: { write: (chunk: string) => (output += chunk) },
        fetch: recording,
      });
    }
    expect(output.length).toBeGreaterThan(200);
    expect(leaks(output, [...secretForms(), ...issued])).toEqual([]);
  });
});

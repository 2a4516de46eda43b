// The ArcGIS simulator over real loopback HTTP: verbatim answers of real servers, the quirks the
// token client must survive, and the fault injection the other suites rely on.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_SIMULATOR_USER,
  startArcGisSimulator,
  type ArcGisSimulator,
  type ArcGisSimulatorOptions,
} from '../../lambda/local/arcgis-simulator.js';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

const SERVER_401 =
  '{"error":{"code":401,"message":"You are not authorized to access this information","details":"Invalid credentials"}}';
const PORTAL_400 = '{"error":{"code":400,"message":"Unable to generate token.","details":["Invalid username or password."]}}';
const CLIENT_201 = '{"error":{"code":201,"message":"Exception in generating token","details":"Client id cannot be determined"}}';
const TOKEN_499 = '{"error":{"code":499,"message":"Token Required","details":[]}}';
const TOKEN_498 = '{"error":{"code":498,"message":"Invalid Token","details":[]}}';
const DEMO_LAYER = '{"id":0,"name":"Demo","type":"Feature Layer"}';

const TOKEN_ANSWER = /^\{"token":"([A-Za-z0-9_-]{40,})","expires":(\d+),"ssl":false\}$/;

function post(url: string, fields: Record<string, string>, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    body: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    redirect: 'manual',
    ...init,
  });
}

const login = (extra: Record<string, string> = {}): Record<string, string> => ({
  username: DEFAULT_SIMULATOR_USER.username,
  password: DEFAULT_SIMULATOR_USER.password,
  f: 'json',
  ...extra,
});

async function tokenFrom(response: Response): Promise<string> {
  const body = (await response.json()) as { token: string };
  return body.token;
}

/** A simulator per test, closed afterwards. */
const started: ArcGisSimulator[] = [];
async function simulator(options: ArcGisSimulatorOptions = {}): Promise<ArcGisSimulator> {
  const sim = await startArcGisSimulator({ now: () => T0, ...options });
  started.push(sim);
  return sim;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.close()));
});

describe('standalone server generateToken', () => {
  let sim: ArcGisSimulator;
  beforeAll(async () => {
    sim = await startArcGisSimulator({ now: () => T0 });
  });
  afterAll(() => sim.close());

  it('issues an opaque token expiring after the default 60 minutes', async () => {
    const response = await post(sim.serverTokenUrl, login());
    expect(response.status).toBe(200);
    const match = TOKEN_ANSWER.exec(await response.text());
    expect(match).not.toBeNull();
    expect(Number(match?.[2])).toBe(T0 + 60 * MINUTE);
  });

  it('issues a different token on every login', async () => {
    const first = await tokenFrom(await post(sim.serverTokenUrl, login()));
    const second = await tokenFrom(await post(sim.serverTokenUrl, login()));
    expect(first).not.toBe(second);
  });

  it('answers JSON as text/plain, like real ArcGIS Server', async () => {
    const response = await post(sim.serverTokenUrl, login());
    expect(response.headers.get('content-type')).toBe('text/plain;charset=utf-8');
  });

  it('answers a wrong password with the verbatim 401 body and HTTP 200', async () => {
    const response = await post(sim.serverTokenUrl, login({ password: 'wrong' }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(SERVER_401);
  });

  it('treats the username case-sensitively', async () => {
    const response = await post(sim.serverTokenUrl, login({ username: 'Demo' }));
    expect(await response.text()).toBe(SERVER_401);
  });

  it('answers missing credentials with the 401 body', async () => {
    const response = await post(sim.serverTokenUrl, { f: 'json' });
    expect(await response.text()).toBe(SERVER_401);
  });

  it('answers client=ip without ip with the verbatim 201 body', async () => {
    const response = await post(sim.serverTokenUrl, login({ client: 'ip' }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(CLIENT_201);
  });

  it('answers client=referer without referer with the 201 body', async () => {
    const response = await post(sim.serverTokenUrl, login({ client: 'referer' }));
    expect(await response.text()).toBe(CLIENT_201);
  });

  it('answers an unknown client mode with the 201 body', async () => {
    const response = await post(sim.serverTokenUrl, login({ client: 'cookie' }));
    expect(await response.text()).toBe(CLIENT_201);
  });

  it('checks credentials before the client mode', async () => {
    const response = await post(sim.serverTokenUrl, login({ password: 'wrong', client: 'ip' }));
    expect(await response.text()).toBe(SERVER_401);
  });

  it('accepts client=ip with an ip and client=referer with a referer', async () => {
    const ip = await post(sim.serverTokenUrl, login({ client: 'ip', ip: '203.0.113.7' }));
    const referer = await post(sim.serverTokenUrl, login({ client: 'referer', referer: 'https://app.example.com' }));
    expect(await ip.text()).toMatch(TOKEN_ANSWER);
    expect(await referer.text()).toMatch(TOKEN_ANSWER);
  });

  it('honours a requested expiration within the maximum', async () => {
    const response = await post(sim.serverTokenUrl, login({ expiration: '120' }));
    const match = TOKEN_ANSWER.exec(await response.text());
    expect(Number(match?.[2])).toBe(T0 + 120 * MINUTE);
  });

  it('silently caps an expiration beyond 21600 minutes', async () => {
    const response = await post(sim.serverTokenUrl, login({ expiration: '999999' }));
    const match = TOKEN_ANSWER.exec(await response.text());
    expect(Number(match?.[2])).toBe(T0 + 21600 * MINUTE);
  });

  it('treats a non-numeric expiration as 60 minutes', async () => {
    const response = await post(sim.serverTokenUrl, login({ expiration: 'forever' }));
    const match = TOKEN_ANSWER.exec(await response.text());
    expect(Number(match?.[2])).toBe(T0 + 60 * MINUTE);
  });

  it('answers an HTML page with HTTP 200 when f is missing', async () => {
    const { f: _omitted, ...withoutF } = login();
    const response = await post(sim.serverTokenUrl, withoutF);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/^<html>/);
  });

  it('answers an HTML page when f is neither json nor pjson', async () => {
    const response = await post(sim.serverTokenUrl, login({ f: 'html' }));
    expect(await response.text()).toMatch(/^<html>/);
  });

  it('pretty-prints the answer for f=pjson', async () => {
    const response = await post(sim.serverTokenUrl, login({ f: 'pjson', password: 'wrong' }));
    const text = await response.text();
    expect(text).toContain('\n');
    expect(JSON.stringify(JSON.parse(text))).toBe(SERVER_401);
  });

  it('refuses GET with HTTP 405, Allow: POST and an HTML body', async () => {
    const response = await fetch(`${sim.serverTokenUrl}?${new URLSearchParams(login()).toString()}`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(await response.text()).toMatch(/^<html>/);
  });

  it('accepts parameters from the query string of a POST', async () => {
    const response = await fetch(`${sim.serverTokenUrl}?${new URLSearchParams(login()).toString()}`, { method: 'POST' });
    expect(await response.text()).toMatch(TOKEN_ANSWER);
  });

  it('lets form fields win over query-string parameters', async () => {
    const response = await post(`${sim.serverTokenUrl}?password=wrong`, login());
    expect(await response.text()).toMatch(TOKEN_ANSWER);
  });
});

describe('portal generateToken', () => {
  let sim: ArcGisSimulator;
  beforeAll(async () => {
    sim = await startArcGisSimulator({ now: () => T0 });
  });
  afterAll(() => sim.close());

  it('issues a token at /sharing/rest/generateToken', async () => {
    const response = await post(sim.portalTokenUrl, login());
    expect(response.headers.get('content-type')).toBe('application/json;charset=utf-8');
    expect(await response.text()).toMatch(TOKEN_ANSWER);
  });

  it('issues a token at the older alias /sharing/generateToken', async () => {
    const response = await post(`${sim.portalUrl}/sharing/generateToken`, login());
    expect(await response.text()).toMatch(TOKEN_ANSWER);
  });

  it('answers a wrong password with the verbatim portal 400 body and HTTP 200', async () => {
    const response = await post(sim.portalTokenUrl, login({ password: 'wrong' }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(PORTAL_400);
  });

  it('answers client=ip without ip with the 201 body', async () => {
    const response = await post(sim.portalTokenUrl, login({ client: 'ip' }));
    expect(await response.text()).toBe(CLIENT_201);
  });
});

describe('site layout', () => {
  it('derives every URL from the adaptor names', async () => {
    const sim = await simulator({ portalAdaptor: 'gisportal', serverAdaptor: 'gisweb2' });
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.portalUrl).toBe(`${sim.url}/gisportal`);
    expect(sim.serverUrl).toBe(`${sim.url}/gisweb2`);
    expect(sim.portalTokenUrl).toBe(`${sim.url}/gisportal/sharing/rest/generateToken`);
    expect(sim.serverTokenUrl).toBe(`${sim.url}/gisweb2/tokens/generateToken`);
  });

  it('serves the token endpoint under a custom adaptor name', async () => {
    const sim = await simulator({ serverAdaptor: 'gisweb2' });
    expect(await (await post(sim.serverTokenUrl, login())).text()).toMatch(TOKEN_ANSWER);
  });

  it('answers guessed adaptor paths with a 404 HTML page', async () => {
    const sim = await simulator({ serverAdaptor: 'gisweb2' });
    for (const guess of ['/arcgis/tokens/generateToken', '/server/tokens/generateToken']) {
      const response = await post(`${sim.url}${guess}`, login());
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toMatch(/^<html><head><title>Error 404<\/title>/);
    }
  });

  it('answers /server/tokens/generateToken with 404 when the adaptor is arcgis', async () => {
    const sim = await simulator();
    const response = await post(`${sim.url}/server/tokens/generateToken`, login());
    expect(response.status).toBe(404);
    expect(await response.text()).toMatch(/^<html><head><title>Error 404<\/title>/);
  });

  it('listens on the requested port', async () => {
    const probe = await startArcGisSimulator();
    const port = Number(new URL(probe.url).port);
    await probe.close();
    const sim = await simulator({ port });
    expect(sim.url).toBe(`http://127.0.0.1:${port}`);
  });
});

describe('site options', () => {
  it('sends expires as a numeric string when expiresAsString is set', async () => {
    const sim = await simulator({ expiresAsString: true });
    const text = await (await post(sim.serverTokenUrl, login())).text();
    expect(text).toMatch(new RegExp(`^\\{"token":"[A-Za-z0-9_-]{40,}","expires":"${T0 + 60 * MINUTE}","ssl":false\\}$`));
  });

  it('reports ssl:true when configured', async () => {
    const sim = await simulator({ ssl: true });
    const body = (await (await post(sim.serverTokenUrl, login())).json()) as { ssl: unknown };
    expect(body.ssl).toBe(true);
  });

  it('caps the expiration at a custom maximum', async () => {
    const sim = await simulator({ maxExpirationMinutes: 90 });
    const body = (await (await post(sim.portalTokenUrl, login({ expiration: '600' }))).json()) as { expires: unknown };
    expect(body.expires).toBe(T0 + 90 * MINUTE);
  });

  it('round-trips a password containing & % + = # é', async () => {
    const user = { username: 'editor', password: 'a&b%20c+d=e#f é' };
    const sim = await simulator({ users: [user] });
    const response = await post(sim.serverTokenUrl, { ...user, f: 'json' });
    expect(await response.text()).toMatch(TOKEN_ANSWER);
    expect(sim.requests[0]?.form['password']).toBe(user.password);
  });

  it('replaces the default user when users are given', async () => {
    const sim = await simulator({ users: [{ username: 'editor', password: 'pw' }] });
    expect(await (await post(sim.serverTokenUrl, login())).text()).toBe(SERVER_401);
  });
});

describe('account lockout', () => {
  const other = { username: 'viewer', password: 'viewer-pw' };
  const options = { users: [DEFAULT_SIMULATOR_USER, other], lockAfterFailures: 3 };

  it('locks the account after N consecutive failures, even for the right password', async () => {
    const sim = await simulator(options);
    for (let i = 0; i < 3; i += 1) await (await post(sim.serverTokenUrl, login({ password: 'wrong' }))).text();
    expect(sim.isLocked('demo')).toBe(true);
    expect(await (await post(sim.serverTokenUrl, login())).text()).toBe(SERVER_401);
    expect(await (await post(sim.portalTokenUrl, login())).text()).toBe(PORTAL_400);
  });

  it('resets the failure count on a successful login', async () => {
    const sim = await simulator(options);
    for (let i = 0; i < 2; i += 1) await (await post(sim.serverTokenUrl, login({ password: 'wrong' }))).text();
    expect(await (await post(sim.serverTokenUrl, login())).text()).toMatch(TOKEN_ANSWER);
    for (let i = 0; i < 2; i += 1) await (await post(sim.serverTokenUrl, login({ password: 'wrong' }))).text();
    expect(sim.isLocked('demo')).toBe(false);
    expect(await (await post(sim.serverTokenUrl, login())).text()).toMatch(TOKEN_ANSWER);
  });

  it('locks only the account that failed', async () => {
    const sim = await simulator(options);
    for (let i = 0; i < 3; i += 1) await (await post(sim.serverTokenUrl, login({ password: 'wrong' }))).text();
    expect(sim.isLocked('viewer')).toBe(false);
    expect(await (await post(sim.serverTokenUrl, { ...other, f: 'json' })).text()).toMatch(TOKEN_ANSWER);
  });

  it('never locks by default', async () => {
    const sim = await simulator();
    for (let i = 0; i < 10; i += 1) await (await post(sim.serverTokenUrl, login({ password: 'wrong' }))).text();
    expect(sim.isLocked('demo')).toBe(false);
    expect(await (await post(sim.serverTokenUrl, login())).text()).toMatch(TOKEN_ANSWER);
  });
});

describe('discovery', () => {
  let sim: ArcGisSimulator;
  beforeAll(async () => {
    sim = await startArcGisSimulator();
  });
  afterAll(() => sim.close());

  it('answers server rest/info with the token service URL', async () => {
    const response = await fetch(`${sim.serverUrl}/rest/info?f=json`);
    expect(await response.text()).toBe(
      `{"currentVersion":11.3,"fullVersion":"11.3.0","authInfo":{"isTokenBasedSecurity":true,"tokenServicesUrl":"${sim.serverUrl}/tokens/","shortLivedTokenValidity":60}}`,
    );
  });

  it('answers portal sharing/rest/info with the portal token URL', async () => {
    const response = await fetch(`${sim.portalUrl}/sharing/rest/info?f=json`);
    expect(await response.text()).toBe(
      `{"owningSystemUrl":"${sim.portalUrl}","authInfo":{"tokenServicesUrl":"${sim.portalTokenUrl}","isTokenBasedSecurity":true}}`,
    );
  });

  it('answers rest/info with HTML without f=json', async () => {
    for (const path of [`${sim.serverUrl}/rest/info`, `${sim.portalUrl}/sharing/rest/info`]) {
      const response = await fetch(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toMatch(/^<html>/);
    }
  });
});

describe('secured service', () => {
  let clock = T0;
  let sim: ArcGisSimulator;
  let layerUrl: string;
  beforeAll(async () => {
    sim = await startArcGisSimulator({ now: () => clock });
    layerUrl = `${sim.serverUrl}/rest/services/Demo/FeatureServer/0?f=json`;
  });
  afterAll(() => sim.close());
  afterEach(() => {
    clock = T0;
  });

  it('answers 499 Token Required without a token', async () => {
    const response = await fetch(layerUrl);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(TOKEN_499);
  });

  it('answers 498 Invalid Token for an unknown token', async () => {
    expect(await (await fetch(`${layerUrl}&token=not-a-token`)).text()).toBe(TOKEN_498);
  });

  it('serves the layer for a valid server token in the token parameter', async () => {
    const token = await tokenFrom(await post(sim.serverTokenUrl, login()));
    expect(await (await fetch(`${layerUrl}&token=${encodeURIComponent(token)}`)).text()).toBe(DEMO_LAYER);
  });

  it('serves the layer for a valid token in X-Esri-Authorization: Bearer', async () => {
    const token = await tokenFrom(await post(sim.serverTokenUrl, login()));
    const response = await fetch(layerUrl, { headers: { 'X-Esri-Authorization': `Bearer ${token}` } });
    expect(await response.text()).toBe(DEMO_LAYER);
  });

  it('answers 498 for a portal token (wrong dispenser)', async () => {
    const token = await tokenFrom(await post(sim.portalTokenUrl, login()));
    expect(await (await fetch(`${layerUrl}&token=${encodeURIComponent(token)}`)).text()).toBe(TOKEN_498);
  });

  it('answers 498 for an expired token', async () => {
    const token = await tokenFrom(await post(sim.serverTokenUrl, login({ expiration: '5' })));
    clock = T0 + 5 * MINUTE;
    expect(await (await fetch(`${layerUrl}&token=${encodeURIComponent(token)}`)).text()).toBe(TOKEN_498);
  });

  it('serves a referer-bound token only with exactly that Referer header', async () => {
    const referer = 'https://app.example.com/';
    const token = await tokenFrom(await post(sim.serverTokenUrl, login({ client: 'referer', referer })));
    const withToken = `${layerUrl}&token=${encodeURIComponent(token)}`;
    expect(await (await fetch(withToken, { headers: { referer } })).text()).toBe(DEMO_LAYER);
    expect(await (await fetch(withToken, { headers: { referer: 'https://evil.example.com/' } })).text()).toBe(TOKEN_498);
    expect(await (await fetch(withToken, { headers: { referer: `${referer}?x=1` } })).text()).toBe(TOKEN_498);
    expect(await (await fetch(withToken)).text()).toBe(TOKEN_498);
  });
});

describe('faults', () => {
  it('html: answers an HTML page with HTTP 200 by default', async () => {
    const sim = await simulator();
    sim.failNext({ kind: 'html' });
    const response = await post(sim.serverTokenUrl, login());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/^<html>/);
  });

  it('html: uses the given status', async () => {
    const sim = await simulator();
    sim.failNext({ kind: 'html', status: 502 });
    const response = await post(sim.serverTokenUrl, login());
    expect(response.status).toBe(502);
    expect(await response.text()).toMatch(/^<html>/);
  });

  it('status: answers the given status, body and content type', async () => {
    const sim = await simulator();
    sim.failNext({ kind: 'status', status: 503, body: 'Service Unavailable', contentType: 'text/x-custom' });
    const response = await post(sim.serverTokenUrl, login());
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('text/x-custom');
    expect(await response.text()).toBe('Service Unavailable');
  });

  it('status: defaults to an empty body', async () => {
    const sim = await simulator();
    sim.failNext({ kind: 'status', status: 500 });
    const response = await post(sim.serverTokenUrl, login());
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('');
  });

  it('json: answers the given body as JSON with the given status', async () => {
    const sim = await simulator();
    sim.failNext({ kind: 'json', body: { error: { code: 498, message: 'Invalid token.' } }, status: 498 });
    const response = await post(sim.serverTokenUrl, login());
    expect(response.status).toBe(498);
    expect(await response.text()).toBe('{"error":{"code":498,"message":"Invalid token."}}');
  });

  it('json: defaults to HTTP 200', async () => {
    const sim = await simulator();
    sim.failNext({ kind: 'json', body: { token: 42 } });
    const response = await post(sim.serverTokenUrl, login());
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('{"token":42}');
  });

  it('garbage: answers 200 text/plain that is not JSON', async () => {
    const sim = await simulator();
    sim.failNext({ kind: 'garbage' });
    const response = await post(sim.serverTokenUrl, login());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text.length).toBeGreaterThan(0);
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
  });

  it('huge: streams exactly the given number of bytes without a content-length', async () => {
    const sim = await simulator();
    sim.failNext({ kind: 'huge', bytes: 1_000_003 });
    const response = await post(sim.serverTokenUrl, login());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBeNull();
    expect((await response.arrayBuffer()).byteLength).toBe(1_000_003);
  });

  it('huge: survives a client that stops reading early', async () => {
    const sim = await simulator();
    sim.failNext({ kind: 'huge', bytes: 50_000_000 });
    const response = await post(sim.serverTokenUrl, login());
    const reader = response.body?.getReader();
    await reader?.read();
    await reader?.cancel();
    expect(await (await post(sim.serverTokenUrl, login())).text()).toMatch(TOKEN_ANSWER);
  });

  it('redirect: answers 302 with the location by default', async () => {
    const sim = await simulator();
    sim.failNext({ kind: 'redirect', location: 'https://idp.example.com/saml/login' });
    const response = await post(sim.serverTokenUrl, login());
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://idp.example.com/saml/login');
  });

  it('redirect: uses the given status', async () => {
    const sim = await simulator();
    sim.failNext({ kind: 'redirect', location: 'https://h/arcgis/tokens/generateToken', status: 301 });
    const response = await post(sim.serverTokenUrl, login());
    expect(response.status).toBe(301);
    expect(response.headers.get('location')).toBe('https://h/arcgis/tokens/generateToken');
  });

  it('hang: never answers, so the caller times out', async () => {
    const sim = await simulator();
    sim.failNext({ kind: 'hang' });
    const error: unknown = await post(sim.serverTokenUrl, login(), { signal: AbortSignal.timeout(200) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('TimeoutError');
  });

  it('hang: close() destroys the hanging socket', async () => {
    const sim = await startArcGisSimulator();
    sim.failNext({ kind: 'hang' });
    const pending = post(sim.serverTokenUrl, login()).then((r) => r.text());
    await vi.waitFor(() => expect(sim.loginCount()).toBe(1));
    await sim.close();
    await expect(pending).rejects.toThrow();
  });

  it('reset: destroys the socket, so fetch rejects', async () => {
    const sim = await simulator();
    sim.failNext({ kind: 'reset' });
    await expect(post(sim.serverTokenUrl, login())).rejects.toThrow(TypeError);
  });

  it('delay: answers normally after the given time', async () => {
    const sim = await simulator();
    sim.failNext({ kind: 'delay', ms: 150 });
    const begin = performance.now();
    const text = await (await post(sim.serverTokenUrl, login())).text();
    expect(performance.now() - begin).toBeGreaterThanOrEqual(140);
    expect(text).toMatch(TOKEN_ANSWER);
    expect(sim.issuedTokens()).toBe(1);
  });

  it('applies a fault to the given number of requests, then answers normally', async () => {
    const sim = await simulator();
    sim.failNext({ kind: 'status', status: 503 }, 2);
    expect((await post(sim.serverTokenUrl, login())).status).toBe(503);
    expect((await post(sim.portalTokenUrl, login())).status).toBe(503);
    expect(await (await post(sim.serverTokenUrl, login())).text()).toMatch(TOKEN_ANSWER);
  });

  it('applies queued faults in FIFO order', async () => {
    const sim = await simulator();
    sim.failNext({ kind: 'status', status: 500 });
    sim.failNext({ kind: 'status', status: 502 });
    expect((await post(sim.serverTokenUrl, login())).status).toBe(500);
    expect((await post(sim.serverTokenUrl, login())).status).toBe(502);
  });

  it('applies faults only to generateToken requests', async () => {
    const sim = await simulator();
    sim.failNext({ kind: 'status', status: 503 });
    expect((await fetch(`${sim.serverUrl}/rest/info?f=json`)).status).toBe(200);
    expect((await fetch(`${sim.url}/nowhere`)).status).toBe(404);
    expect((await post(sim.serverTokenUrl, login())).status).toBe(503);
  });

  it('setLatency delays every generateToken answer', async () => {
    const sim = await simulator();
    sim.setLatency(150);
    for (let i = 0; i < 2; i += 1) {
      const begin = performance.now();
      await (await post(sim.serverTokenUrl, login())).text();
      expect(performance.now() - begin).toBeGreaterThanOrEqual(140);
    }
  });
});

describe('recording', () => {
  it('counts every generateToken request, whatever the outcome', async () => {
    const sim = await simulator();
    await (await post(sim.serverTokenUrl, login())).text();
    await (await post(sim.portalTokenUrl, login({ password: 'wrong' }))).text();
    sim.failNext({ kind: 'status', status: 500 });
    await (await post(sim.serverTokenUrl, login())).text();
    sim.failNext({ kind: 'reset' });
    await post(sim.serverTokenUrl, login()).catch(() => undefined);
    await (await fetch(`${sim.serverUrl}/rest/info?f=json`)).text();
    expect(sim.loginCount()).toBe(4);
    expect(sim.issuedTokens()).toBe(1);
  });

  it('records every request in order with method, path, query, form, raw body and headers', async () => {
    const sim = await simulator();
    await (await fetch(`${sim.serverUrl}/rest/info?f=json`)).text();
    await (await post(`${sim.serverTokenUrl}?trace=1`, login({ client: 'referer', referer: 'https://app.example.com' }))).text();
    expect(sim.requests).toHaveLength(2);
    expect(sim.requests[0]).toMatchObject({ method: 'GET', path: '/arcgis/rest/info', query: { f: 'json' }, form: {}, rawBody: '' });
    const postRequest = sim.requests[1];
    expect(postRequest).toMatchObject({
      method: 'POST',
      path: '/arcgis/tokens/generateToken',
      query: { trace: '1' },
      form: { ...login(), client: 'referer', referer: 'https://app.example.com' },
    });
    expect(postRequest?.rawBody).toBe(
      new URLSearchParams(login({ client: 'referer', referer: 'https://app.example.com' })).toString(),
    );
    expect(postRequest?.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('records faulted requests too', async () => {
    const sim = await simulator();
    sim.failNext({ kind: 'reset' });
    await post(sim.serverTokenUrl, login()).catch(() => undefined);
    expect(sim.requests.map((r) => r.path)).toEqual(['/arcgis/tokens/generateToken']);
  });

  it('never writes to the console', async () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation(() => undefined),
    );
    try {
      const sim = await simulator({ lockAfterFailures: 1 });
      await (await post(sim.serverTokenUrl, login())).text();
      await (await post(sim.serverTokenUrl, login({ password: 'wrong' }))).text();
      sim.failNext({ kind: 'reset' });
      await post(sim.serverTokenUrl, login()).catch(() => undefined);
      await (await fetch(`${sim.url}/nowhere`)).text();
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

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

// ---------------------------------------------------------------------------------------------
// Admin API, federated servers, token exchange, OAuth app credentials, HTTP 498/499, web tier,
// custom token service path, portal and services discovery.

const ADMIN_401 = '{"status":"error","messages":["Invalid credentials"],"code":401}';
const ADMIN_201 = '{"status":"error","messages":["Client id cannot be determined"],"code":201}';
const ADMIN_498 = '{"status":"error","messages":["Token Expired."],"code":498}';
const ADMIN_499 =
  '{"status":"error","messages":["Unauthorized access. Token not found. You can generate a token using the \'generateToken\' operation."],"code":499}';
const ADMIN_ROOT = '{"resources":["machines","clusters","services"]}';
const TOKEN_498_LOWER = '{"error":{"code":498,"message":"Invalid token.","details":[]}}';
const EXCHANGE_400 = '{"error":{"code":400,"message":"Unable to generate token.","details":["Unable to generate token for this server"]}}';
const OAUTH_INVALID_CLIENT =
  '{"error":{"code":400,"error":"invalid_client","error_description":"Invalid client_id","message":"Invalid client_id","details":[]}}';
const OAUTH_UNSUPPORTED_GRANT =
  '{"error":{"code":400,"error":"unsupported_grant_type","error_description":"Unsupported grant type","message":"Unsupported grant type","details":[]}}';
const OAUTH_ANSWER = /^\{"access_token":"([A-Za-z0-9_-]{40,})","expires_in":(\d+)\}$/;
const SERVICES_113 = '{"currentVersion":11.3,"folders":[],"services":[{"name":"Demo","type":"FeatureServer"}]}';
const SERVICES_1061 = '{"currentVersion":10.61,"folders":[],"services":[{"name":"Demo","type":"FeatureServer"}]}';

const FEDERATED = [
  { adaptor: 'server', registered: true },
  { adaptor: 'hosted2', registered: false },
];
const APP = { clientId: 'app-client-id', clientSecret: 'app-secret-&%+=#' };

const layerOf = (base: string): string => `${base}/rest/services/Demo/FeatureServer/0?f=json`;
const withToken = (url: string, token: string): string => `${url}&token=${encodeURIComponent(token)}`;

describe('Server Administrator API', () => {
  let clock = T0;
  let sim: ArcGisSimulator;
  let adminRoot: string;
  beforeAll(async () => {
    sim = await startArcGisSimulator({ now: () => clock });
    adminRoot = `${sim.serverUrl}/admin/?f=json`;
  });
  afterAll(() => sim.close());
  afterEach(() => {
    clock = T0;
  });

  it('exposes adminTokenUrl under the server URL', () => {
    expect(sim.adminTokenUrl).toBe(`${sim.serverUrl}/admin/generateToken`);
  });

  it('issues an admin token in the generateToken shape', async () => {
    const response = await post(sim.adminTokenUrl, login());
    expect(response.status).toBe(200);
    const match = TOKEN_ANSWER.exec(await response.text());
    expect(Number(match?.[2])).toBe(T0 + 60 * MINUTE);
  });

  it('answers wrong credentials in the admin error shape with HTTP 200', async () => {
    const response = await post(sim.adminTokenUrl, login({ password: 'wrong' }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(ADMIN_401);
  });

  it('answers client=ip without ip in the admin error shape', async () => {
    expect(await (await post(sim.adminTokenUrl, login({ client: 'ip' }))).text()).toBe(ADMIN_201);
  });

  it('answers an HTML page when f is missing', async () => {
    const { f: _omitted, ...withoutF } = login();
    const response = await post(sim.adminTokenUrl, withoutF);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/^<html>/);
  });

  it('refuses GET on admin/generateToken with 405', async () => {
    expect((await fetch(`${sim.adminTokenUrl}?${new URLSearchParams(login()).toString()}`)).status).toBe(405);
  });

  it('lists the admin resources for a valid admin token', async () => {
    const token = await tokenFrom(await post(sim.adminTokenUrl, login()));
    expect(await (await fetch(withToken(adminRoot, token))).text()).toBe(ADMIN_ROOT);
  });

  it('accepts the admin token in X-Esri-Authorization and at /admin without a slash', async () => {
    const token = await tokenFrom(await post(sim.adminTokenUrl, login()));
    const response = await fetch(`${sim.serverUrl}/admin?f=json`, { headers: { 'X-Esri-Authorization': `Bearer ${token}` } });
    expect(await response.text()).toBe(ADMIN_ROOT);
  });

  it('answers the verbatim admin 499 without a token', async () => {
    const response = await fetch(adminRoot);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(ADMIN_499);
  });

  it('answers the verbatim "Token Expired." 498 for an unknown token', async () => {
    expect(await (await fetch(withToken(adminRoot, 'not-a-token'))).text()).toBe(ADMIN_498);
  });

  it('answers 498 for an expired admin token', async () => {
    const token = await tokenFrom(await post(sim.adminTokenUrl, login({ expiration: '5' })));
    clock = T0 + 5 * MINUTE;
    expect(await (await fetch(withToken(adminRoot, token))).text()).toBe(ADMIN_498);
  });

  it('answers 498 for a rest (tokens/generateToken) token: wrong dispenser', async () => {
    const token = await tokenFrom(await post(sim.serverTokenUrl, login()));
    expect(await (await fetch(withToken(adminRoot, token))).text()).toBe(ADMIN_498);
  });

  it('answers 498 for a portal token', async () => {
    const token = await tokenFrom(await post(sim.portalTokenUrl, login()));
    expect(await (await fetch(withToken(adminRoot, token))).text()).toBe(ADMIN_498);
  });

  it('rejects an admin token on the rest services: wrong dispenser', async () => {
    const token = await tokenFrom(await post(sim.adminTokenUrl, login()));
    expect(await (await fetch(withToken(layerOf(sim.serverUrl), token))).text()).toBe(TOKEN_498);
  });

  it('answers the admin root with HTML without f=json', async () => {
    const response = await fetch(`${sim.serverUrl}/admin/`);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/^<html>/);
  });

  it('shares the account lockout with the other dispensers', async () => {
    const locking = await simulator({ lockAfterFailures: 2 });
    for (let i = 0; i < 2; i += 1) await (await post(locking.adminTokenUrl, login({ password: 'wrong' }))).text();
    expect(locking.isLocked('demo')).toBe(true);
    expect(await (await post(locking.serverTokenUrl, login())).text()).toBe(SERVER_401);
  });
});

describe('federated servers', () => {
  let sim: ArcGisSimulator;
  beforeAll(async () => {
    sim = await startArcGisSimulator({ now: () => T0, federatedServers: FEDERATED });
  });
  afterAll(() => sim.close());

  it('derives federatedServerUrl from the adaptor name', () => {
    expect(sim.federatedServerUrl('server')).toBe(`${sim.url}/server`);
    expect(sim.federatedServerUrl('hosted2')).toBe(`${sim.url}/hosted2`);
  });

  it('answers rest/info like a real federated server, pointing at the portal', async () => {
    const response = await fetch(`${sim.federatedServerUrl('server')}/rest/info?f=json`);
    expect(response.headers.get('content-type')).toBe('text/plain;charset=utf-8');
    expect(await response.text()).toBe(
      `{"currentVersion":10.61,"fullVersion":"10.6.1","owningSystemUrl":"${sim.portalUrl}","authInfo":{"isTokenBasedSecurity":true,"tokenServicesUrl":"${sim.portalTokenUrl}"}}`,
    );
  });

  it('answers rest/info the same way for a server that is not registered', async () => {
    const response = await fetch(`${sim.federatedServerUrl('hosted2')}/rest/info?f=json`);
    expect(await response.text()).toBe(
      `{"currentVersion":10.61,"fullVersion":"10.6.1","owningSystemUrl":"${sim.portalUrl}","authInfo":{"isTokenBasedSecurity":true,"tokenServicesUrl":"${sim.portalTokenUrl}"}}`,
    );
  });

  it('answers the federated rest/info with HTML without f=json', async () => {
    const response = await fetch(`${sim.federatedServerUrl('server')}/rest/info`);
    expect(await response.text()).toMatch(/^<html>/);
  });

  it('answers 404 HTML at a federated server tokens/generateToken', async () => {
    const response = await post(`${sim.federatedServerUrl('server')}/tokens/generateToken`, login());
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/^<html><head><title>Error 404<\/title>/);
  });

  it('answers 499 on the federated layer without a token', async () => {
    expect(await (await fetch(layerOf(sim.federatedServerUrl('server')))).text()).toBe(TOKEN_499);
  });

  it('rejects a portal token on the federated layer (no exchange): 498', async () => {
    const token = await tokenFrom(await post(sim.portalTokenUrl, login()));
    expect(await (await fetch(withToken(layerOf(sim.federatedServerUrl('server')), token))).text()).toBe(TOKEN_498);
  });

  it('rejects a standalone server token on the federated layer: 498', async () => {
    const token = await tokenFrom(await post(sim.serverTokenUrl, login()));
    expect(await (await fetch(withToken(layerOf(sim.federatedServerUrl('server')), token))).text()).toBe(TOKEN_498);
  });

  it('refuses a federated adaptor that is already in use', async () => {
    await expect(startArcGisSimulator({ federatedServers: [{ adaptor: 'portal', registered: true }] })).rejects.toThrow(RangeError);
    await expect(
      startArcGisSimulator({
        federatedServers: [
          { adaptor: 'server', registered: true },
          { adaptor: 'server', registered: false },
        ],
      }),
    ).rejects.toThrow(RangeError);
  });

  it('refuses a federated adaptor that is not one path segment', async () => {
    await expect(startArcGisSimulator({ federatedServers: [{ adaptor: 'a/b', registered: true }] })).rejects.toThrow(RangeError);
  });
});

describe('token exchange at the portal', () => {
  let clock = T0;
  let sim: ArcGisSimulator;
  let fed: string;
  beforeAll(async () => {
    sim = await startArcGisSimulator({ now: () => clock, federatedServers: FEDERATED });
    fed = sim.federatedServerUrl('server');
  });
  afterAll(() => sim.close());
  afterEach(() => {
    clock = T0;
  });

  const exchange = (token: string, extra: Record<string, string> = {}, init: RequestInit = {}): Promise<Response> =>
    post(sim.portalTokenUrl, { token, serverUrl: fed, f: 'json', ...extra }, init);

  it('answers a server token that expires exactly when the portal token does', async () => {
    const portal = await post(sim.portalTokenUrl, login({ expiration: '30' }));
    const portalBody = (await portal.json()) as { token: string; expires: number };
    clock = T0 + 10 * MINUTE;
    const response = await exchange(portalBody.token, { expiration: '600' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json;charset=utf-8');
    const text = await response.text();
    const match = TOKEN_ANSWER.exec(text);
    expect(text).toBe(`{"token":"${match?.[1]}","expires":${T0 + 30 * MINUTE},"ssl":false}`);
    expect(match?.[1]).not.toBe(portalBody.token);
  });

  it('issues a server token the federated layer accepts', async () => {
    const portalToken = await tokenFrom(await post(sim.portalTokenUrl, login()));
    const serverToken = await tokenFrom(await exchange(portalToken));
    expect(await (await fetch(withToken(layerOf(fed), serverToken))).text()).toBe(DEMO_LAYER);
  });

  it('issues a server token valid only on that server (standalone layer: 498)', async () => {
    const portalToken = await tokenFrom(await post(sim.portalTokenUrl, login()));
    const serverToken = await tokenFrom(await exchange(portalToken));
    expect(await (await fetch(withToken(layerOf(sim.serverUrl), serverToken))).text()).toBe(TOKEN_498);
  });

  it('issues a server token that is not a portal token (exchanging it again: 498)', async () => {
    const portalToken = await tokenFrom(await post(sim.portalTokenUrl, login()));
    const serverToken = await tokenFrom(await exchange(portalToken));
    expect(await (await exchange(serverToken)).text()).toBe(TOKEN_498_LOWER);
  });

  it('lets the server token expire with the portal token', async () => {
    const portalToken = await tokenFrom(await post(sim.portalTokenUrl, login({ expiration: '5' })));
    const serverToken = await tokenFrom(await exchange(portalToken));
    clock = T0 + 5 * MINUTE;
    expect(await (await fetch(withToken(layerOf(fed), serverToken))).text()).toBe(TOKEN_498);
  });

  it('accepts the serverURL spelling', async () => {
    const portalToken = await tokenFrom(await post(sim.portalTokenUrl, login()));
    const response = await post(sim.portalTokenUrl, { token: portalToken, serverURL: fed, f: 'json' });
    const serverToken = await tokenFrom(response);
    expect(await (await fetch(withToken(layerOf(fed), serverToken))).text()).toBe(DEMO_LAYER);
  });

  it('accepts any URL under the server, a trailing slash and an upper-case scheme', async () => {
    const portalToken = await tokenFrom(await post(sim.portalTokenUrl, login()));
    for (const serverUrl of [`${fed}/`, `${fed}/rest/services`, `${fed}/rest/services/Demo/FeatureServer/0`, fed.replace('http:', 'HTTP:')]) {
      expect(await (await exchange(portalToken, { serverUrl })).text()).toMatch(TOKEN_ANSWER);
    }
  });

  it('works at the older alias /sharing/generateToken', async () => {
    const portalToken = await tokenFrom(await post(sim.portalTokenUrl, login()));
    const response = await post(`${sim.portalUrl}/sharing/generateToken`, { token: portalToken, serverUrl: fed, f: 'json' });
    expect(await response.text()).toMatch(TOKEN_ANSWER);
  });

  it('binds the server token to the portal token referer', async () => {
    const referer = 'https://app.example.com/';
    const portalToken = await tokenFrom(await post(sim.portalTokenUrl, login({ client: 'referer', referer })));
    const serverToken = await tokenFrom(await exchange(portalToken, {}, { headers: { 'content-type': 'application/x-www-form-urlencoded', referer } }));
    const url = withToken(layerOf(fed), serverToken);
    expect(await (await fetch(url, { headers: { referer } })).text()).toBe(DEMO_LAYER);
    expect(await (await fetch(url)).text()).toBe(TOKEN_498);
    expect(await (await fetch(url, { headers: { referer: 'https://evil.example.com/' } })).text()).toBe(TOKEN_498);
  });

  it('answers 498 "Invalid token." when a referer-bound portal token comes without its Referer', async () => {
    const portalToken = await tokenFrom(await post(sim.portalTokenUrl, login({ client: 'referer', referer: 'https://app.example.com/' })));
    expect(await (await exchange(portalToken)).text()).toBe(TOKEN_498_LOWER);
  });

  it('refuses a server that is not registered with the portal with HTTP 200 and a 400 body', async () => {
    const portalToken = await tokenFrom(await post(sim.portalTokenUrl, login()));
    const response = await exchange(portalToken, { serverUrl: sim.federatedServerUrl('hosted2') });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(EXCHANGE_400);
  });

  it('refuses the standalone server, an unknown adaptor, another host and a missing serverUrl', async () => {
    const portalToken = await tokenFrom(await post(sim.portalTokenUrl, login()));
    for (const serverUrl of [sim.serverUrl, sim.federatedServerUrl('elsewhere'), 'https://other.example.com/server', 'not a url']) {
      expect(await (await exchange(portalToken, { serverUrl })).text()).toBe(EXCHANGE_400);
    }
    expect(await (await post(sim.portalTokenUrl, { token: portalToken, f: 'json' })).text()).toBe(EXCHANGE_400);
  });

  it('answers 498 "Invalid token." for an unknown portal token', async () => {
    const response = await exchange('not-a-token');
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(TOKEN_498_LOWER);
  });

  it('answers 498 for an expired portal token', async () => {
    const portalToken = await tokenFrom(await post(sim.portalTokenUrl, login({ expiration: '5' })));
    clock = T0 + 5 * MINUTE;
    expect(await (await exchange(portalToken)).text()).toBe(TOKEN_498_LOWER);
  });

  it('answers 498 for a standalone server token (wrong dispenser)', async () => {
    const serverToken = await tokenFrom(await post(sim.serverTokenUrl, login()));
    expect(await (await exchange(serverToken)).text()).toBe(TOKEN_498_LOWER);
  });

  it('checks the portal token before the server', async () => {
    expect(await (await exchange('not-a-token', { serverUrl: sim.federatedServerUrl('hosted2') })).text()).toBe(TOKEN_498_LOWER);
  });

  it('answers the HTML page when f is missing', async () => {
    const portalToken = await tokenFrom(await post(sim.portalTokenUrl, login()));
    const response = await post(sim.portalTokenUrl, { token: portalToken, serverUrl: fed });
    expect(await response.text()).toMatch(/^<html>/);
  });

  it('gives a server token directly to a password login naming a registered server', async () => {
    const serverToken = await tokenFrom(await post(sim.portalTokenUrl, login({ serverUrl: fed })));
    expect(await (await fetch(withToken(layerOf(fed), serverToken))).text()).toBe(DEMO_LAYER);
  });

  it('refuses a password login naming an unregistered server', async () => {
    const response = await post(sim.portalTokenUrl, login({ serverUrl: sim.federatedServerUrl('hosted2') }));
    expect(await response.text()).toBe(EXCHANGE_400);
  });

  it('sends the exchanged expires as a string when expiresAsString is set', async () => {
    const stringy = await simulator({ federatedServers: FEDERATED, expiresAsString: true });
    const portalToken = await tokenFrom(await post(stringy.portalTokenUrl, login()));
    const text = await (await post(stringy.portalTokenUrl, { token: portalToken, serverUrl: stringy.federatedServerUrl('server'), f: 'json' })).text();
    expect(text).toMatch(new RegExp(`^\\{"token":"[A-Za-z0-9_-]{40,}","expires":"${T0 + 60 * MINUTE}","ssl":false\\}$`));
  });
});

describe('OAuth app credentials', () => {
  let clock = T0;
  let sim: ArcGisSimulator;
  beforeAll(async () => {
    sim = await startArcGisSimulator({ now: () => clock, apps: [APP], federatedServers: FEDERATED });
  });
  afterAll(() => sim.close());
  afterEach(() => {
    clock = T0;
  });

  const appLogin = (extra: Record<string, string> = {}): Record<string, string> => ({
    client_id: APP.clientId,
    client_secret: APP.clientSecret,
    grant_type: 'client_credentials',
    f: 'json',
    ...extra,
  });
  const accessToken = async (response: Response): Promise<string> =>
    ((await response.json()) as { access_token: string }).access_token;

  it('exposes oauthTokenUrl under the portal', () => {
    expect(sim.oauthTokenUrl).toBe(`${sim.portalUrl}/sharing/rest/oauth2/token`);
  });

  it('issues an app token with expires_in in seconds, 120 minutes by default', async () => {
    const response = await post(sim.oauthTokenUrl, appLogin());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json;charset=utf-8');
    const match = OAUTH_ANSWER.exec(await response.text());
    expect(match).not.toBeNull();
    expect(Number(match?.[2])).toBe(7200);
  });

  it('honours a requested expiration in minutes', async () => {
    const match = OAUTH_ANSWER.exec(await (await post(sim.oauthTokenUrl, appLogin({ expiration: '60' }))).text());
    expect(Number(match?.[2])).toBe(3600);
  });

  it('silently caps the expiration at 20160 minutes (14 days)', async () => {
    const match = OAUTH_ANSWER.exec(await (await post(sim.oauthTokenUrl, appLogin({ expiration: '100000' }))).text());
    expect(Number(match?.[2])).toBe(20160 * 60);
  });

  it('answers at the alias /sharing/oauth2/token', async () => {
    expect(await (await post(`${sim.portalUrl}/sharing/oauth2/token`, appLogin())).text()).toMatch(OAUTH_ANSWER);
  });

  it('answers a wrong secret with invalid_client and HTTP 200', async () => {
    const response = await post(sim.oauthTokenUrl, appLogin({ client_secret: 'wrong' }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(OAUTH_INVALID_CLIENT);
  });

  it('answers an unknown client_id with invalid_client', async () => {
    expect(await (await post(sim.oauthTokenUrl, appLogin({ client_id: 'nobody' }))).text()).toBe(OAUTH_INVALID_CLIENT);
  });

  it('answers a wrong grant_type with unsupported_grant_type', async () => {
    expect(await (await post(sim.oauthTokenUrl, appLogin({ grant_type: 'password' }))).text()).toBe(OAUTH_UNSUPPORTED_GRANT);
  });

  it('answers a missing grant_type with unsupported_grant_type', async () => {
    const { grant_type: _omitted, ...withoutGrant } = appLogin();
    expect(await (await post(sim.oauthTokenUrl, withoutGrant)).text()).toBe(OAUTH_UNSUPPORTED_GRANT);
  });

  it('refuses GET with 405', async () => {
    expect((await fetch(`${sim.oauthTokenUrl}?${new URLSearchParams(appLogin()).toString()}`)).status).toBe(405);
  });

  it('issues a portal token: accepted on portals/self, without a user', async () => {
    const token = await accessToken(await post(sim.oauthTokenUrl, appLogin()));
    const response = await fetch(withToken(`${sim.portalUrl}/sharing/rest/portals/self?f=json`, token));
    expect(await response.text()).toBe('{"id":"SimPortal0000001","name":"Simulated Portal","isPortal":true}');
  });

  it('issues a portal token usable in exchange for a federated server', async () => {
    const token = await accessToken(await post(sim.oauthTokenUrl, appLogin()));
    const fed = sim.federatedServerUrl('server');
    const exchanged = await post(sim.portalTokenUrl, { token, serverUrl: fed, f: 'json' });
    const body = (await exchanged.json()) as { token: string; expires: number };
    expect(body.expires).toBe(T0 + 7200 * 1000);
    expect(await (await fetch(withToken(layerOf(fed), body.token))).text()).toBe(DEMO_LAYER);
  });

  it('issues a token rejected on the standalone server layer (wrong dispenser)', async () => {
    const token = await accessToken(await post(sim.oauthTokenUrl, appLogin()));
    expect(await (await fetch(withToken(layerOf(sim.serverUrl), token))).text()).toBe(TOKEN_498);
  });

  it('issues a token that expires after expires_in seconds', async () => {
    const token = await accessToken(await post(sim.oauthTokenUrl, appLogin({ expiration: '1' })));
    const self = withToken(`${sim.portalUrl}/sharing/rest/portals/self?f=json`, token);
    clock = T0 + 59_999;
    expect(await (await fetch(self)).text()).toMatch(/^\{"id"/);
    clock = T0 + 60_000;
    expect(await (await fetch(self)).text()).toBe(TOKEN_498_LOWER);
  });

  it('has no apps by default', async () => {
    const plain = await simulator();
    expect(await (await post(plain.oauthTokenUrl, appLogin())).text()).toBe(OAUTH_INVALID_CLIENT);
  });

  it('applies queued faults to oauth2/token requests', async () => {
    const faulty = await simulator({ apps: [APP] });
    faulty.failNext({ kind: 'status', status: 503 });
    expect((await post(faulty.oauthTokenUrl, appLogin())).status).toBe(503);
    expect(await (await post(faulty.oauthTokenUrl, appLogin())).text()).toMatch(OAUTH_ANSWER);
  });
});

describe('portal self (a secured portal resource)', () => {
  let sim: ArcGisSimulator;
  let self: string;
  beforeAll(async () => {
    sim = await startArcGisSimulator({ now: () => T0 });
    self = `${sim.portalUrl}/sharing/rest/portals/self?f=json`;
  });
  afterAll(() => sim.close());

  it('answers with the user for a portal user token', async () => {
    const token = await tokenFrom(await post(sim.portalTokenUrl, login()));
    const response = await fetch(withToken(self, token));
    expect(response.headers.get('content-type')).toBe('application/json;charset=utf-8');
    expect(await response.text()).toBe('{"id":"SimPortal0000001","name":"Simulated Portal","isPortal":true,"user":{"username":"demo"}}');
  });

  it('answers 499 Token Required without a token', async () => {
    expect(await (await fetch(self)).text()).toBe(TOKEN_499);
  });

  it('answers 498 "Invalid token." for a standalone server token', async () => {
    const token = await tokenFrom(await post(sim.serverTokenUrl, login()));
    expect(await (await fetch(withToken(self, token))).text()).toBe(TOKEN_498_LOWER);
  });
});

describe('real HTTP 498/499 statuses (httpStatusErrors)', () => {
  let sim: ArcGisSimulator;
  beforeAll(async () => {
    sim = await startArcGisSimulator({ now: () => T0, httpStatusErrors: true, federatedServers: FEDERATED });
  });
  afterAll(() => sim.close());

  it('answers HTTP 499 with the Token Required body without a token', async () => {
    const response = await fetch(layerOf(sim.serverUrl));
    expect(response.status).toBe(499);
    expect(await response.text()).toBe(TOKEN_499);
  });

  it('answers HTTP 498 with the "Invalid token." body for a bad token', async () => {
    const response = await fetch(withToken(layerOf(sim.serverUrl), 'not-a-token'));
    expect(response.status).toBe(498);
    expect(await response.text()).toBe(TOKEN_498_LOWER);
  });

  it('answers HTTP 498 on a federated layer for a portal token', async () => {
    const token = await tokenFrom(await post(sim.portalTokenUrl, login()));
    const response = await fetch(withToken(layerOf(sim.federatedServerUrl('server')), token));
    expect(response.status).toBe(498);
    expect(await response.text()).toBe(TOKEN_498_LOWER);
  });

  it('answers HTTP 498 on portals/self for a bad token', async () => {
    const response = await fetch(withToken(`${sim.portalUrl}/sharing/rest/portals/self?f=json`, 'not-a-token'));
    expect(response.status).toBe(498);
  });

  it('still answers 200 for a valid token', async () => {
    const token = await tokenFrom(await post(sim.serverTokenUrl, login()));
    const response = await fetch(withToken(layerOf(sim.serverUrl), token));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(DEMO_LAYER);
  });

  it('leaves generateToken errors at HTTP 200', async () => {
    const response = await post(sim.serverTokenUrl, login({ password: 'wrong' }));
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(SERVER_401);
  });

  it('leaves the admin API at HTTP 200 with its own shape', async () => {
    const response = await fetch(`${sim.serverUrl}/admin/?f=json&token=not-a-token`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(ADMIN_498);
  });
});

describe('web-tier login in front of the portal', () => {
  it('saml: redirects generateToken to the identity provider with HTTP 302', async () => {
    const sim = await simulator({ webTierLogin: 'saml' });
    const response = await post(sim.portalTokenUrl, login());
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://idp.example.com/adfs/ls/?SAMLRequest=fake');
    await response.text();
  });

  it('saml: redirects every portal request, rest/info and oauth2/token included', async () => {
    const sim = await simulator({ webTierLogin: 'saml', apps: [APP] });
    for (const url of [`${sim.portalUrl}/sharing/rest/info?f=json`, `${sim.portalUrl}/home/`]) {
      const response = await fetch(url, { redirect: 'manual' });
      expect(response.status).toBe(302);
      await response.text();
    }
    const oauth = await post(sim.oauthTokenUrl, { client_id: APP.clientId, client_secret: APP.clientSecret, grant_type: 'client_credentials' });
    expect(oauth.status).toBe(302);
  });

  it('iwa: answers HTTP 401 with WWW-Authenticate: Negotiate and an HTML body', async () => {
    const sim = await simulator({ webTierLogin: 'iwa' });
    const response = await post(sim.portalTokenUrl, login());
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Negotiate');
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/^<html>.*401 - Unauthorized/);
  });

  it('leaves the standalone server alone', async () => {
    const sim = await simulator({ webTierLogin: 'iwa' });
    expect(await (await post(sim.serverTokenUrl, login())).text()).toMatch(TOKEN_ANSWER);
  });

  it('still counts the intercepted generateToken requests', async () => {
    const sim = await simulator({ webTierLogin: 'saml' });
    await (await post(sim.portalTokenUrl, login())).text();
    expect(sim.loginCount()).toBe(1);
    expect(sim.passwordLoginCount()).toBe(1);
    expect(sim.issuedTokens()).toBe(0);
  });
});

describe('custom token service path (tokenServicesPath)', () => {
  it('advertises serverUrl + tokenServicesPath in rest/info', async () => {
    const sim = await simulator({ tokenServicesPath: '/rest/generateToken' });
    const response = await fetch(`${sim.serverUrl}/rest/info?f=json`);
    expect(await response.text()).toBe(
      `{"currentVersion":11.3,"fullVersion":"11.3.0","authInfo":{"isTokenBasedSecurity":true,"tokenServicesUrl":"${sim.serverUrl}/rest/generateToken","shortLivedTokenValidity":60}}`,
    );
  });

  it('answers generateToken at the custom path and reports it as serverTokenUrl', async () => {
    const sim = await simulator({ tokenServicesPath: '/rest/generateToken' });
    expect(sim.serverTokenUrl).toBe(`${sim.serverUrl}/rest/generateToken`);
    expect(await (await post(sim.serverTokenUrl, login())).text()).toMatch(TOKEN_ANSWER);
    expect(sim.loginCount()).toBe(1);
  });

  it('answers 404 at the usual /tokens/generateToken', async () => {
    const sim = await simulator({ tokenServicesPath: '/rest/generateToken' });
    const response = await post(`${sim.serverUrl}/tokens/generateToken`, login());
    expect(response.status).toBe(404);
    expect(await response.text()).toMatch(/^<html><head><title>Error 404<\/title>/);
  });

  it('appends generateToken to a service root ending in /', async () => {
    const sim = await simulator({ tokenServicesPath: '/auth/tokens/' });
    expect(sim.serverTokenUrl).toBe(`${sim.serverUrl}/auth/tokens/generateToken`);
    expect(await (await post(sim.serverTokenUrl, login())).text()).toMatch(TOKEN_ANSWER);
  });

  it('refuses a tokenServicesPath that does not start with /', async () => {
    await expect(startArcGisSimulator({ tokenServicesPath: 'rest/generateToken' })).rejects.toThrow(RangeError);
  });
});

describe('portal home and services listings', () => {
  let sim: ArcGisSimulator;
  beforeAll(async () => {
    sim = await startArcGisSimulator({ federatedServers: FEDERATED });
  });
  afterAll(() => sim.close());

  it('answers the portal home page with 200 HTML', async () => {
    const response = await fetch(`${sim.portalUrl}/home/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/^<html>/);
  });

  it('redirects /home to /home/', async () => {
    const response = await fetch(`${sim.portalUrl}/home`, { redirect: 'manual' });
    expect(response.status).toBe(301);
    expect(response.headers.get('location')).toBe(`${sim.portalUrl}/home/`);
  });

  it('lists the standalone server services', async () => {
    const response = await fetch(`${sim.serverUrl}/rest/services?f=json`);
    expect(response.headers.get('content-type')).toBe('text/plain;charset=utf-8');
    expect(await response.text()).toBe(SERVICES_113);
  });

  it('lists the services with a trailing slash too', async () => {
    expect(await (await fetch(`${sim.serverUrl}/rest/services/?f=json`)).text()).toBe(SERVICES_113);
  });

  it('lists a federated server services with its version', async () => {
    expect(await (await fetch(`${sim.federatedServerUrl('hosted2')}/rest/services?f=json`)).text()).toBe(SERVICES_1061);
  });

  it('answers the services listing with HTML without f=json', async () => {
    expect(await (await fetch(`${sim.serverUrl}/rest/services`)).text()).toMatch(/^<html>/);
  });
});

describe('counters', () => {
  it('counts exchanges separately, and in loginCount, but not as password logins', async () => {
    const sim = await simulator({ federatedServers: FEDERATED });
    const portalToken = await tokenFrom(await post(sim.portalTokenUrl, login()));
    await (await post(sim.portalTokenUrl, { token: portalToken, serverUrl: sim.federatedServerUrl('server'), f: 'json' })).text();
    await (await post(sim.portalTokenUrl, { token: 'bad', serverUrl: sim.federatedServerUrl('server'), f: 'json' })).text();
    expect(sim.exchangeCount()).toBe(2);
    expect(sim.passwordLoginCount()).toBe(1);
    expect(sim.loginCount()).toBe(3);
  });

  it('counts password logins on every dispenser, whatever the outcome', async () => {
    const sim = await simulator();
    await (await post(sim.portalTokenUrl, login())).text();
    await (await post(sim.serverTokenUrl, login({ password: 'wrong' }))).text();
    await (await post(sim.adminTokenUrl, login())).text();
    sim.failNext({ kind: 'status', status: 500 });
    await (await post(sim.serverTokenUrl, login())).text();
    await (await post(sim.serverTokenUrl, { f: 'json' })).text();
    expect(sim.passwordLoginCount()).toBe(4);
    expect(sim.loginCount()).toBe(5);
    expect(sim.exchangeCount()).toBe(0);
  });

  it('counts oauth2/token requests in oauthCount only', async () => {
    const sim = await simulator({ apps: [APP] });
    await (await post(sim.oauthTokenUrl, { client_id: APP.clientId, client_secret: APP.clientSecret, grant_type: 'client_credentials' })).text();
    await (await post(sim.oauthTokenUrl, { client_id: APP.clientId, client_secret: 'wrong', grant_type: 'client_credentials' })).text();
    expect(sim.oauthCount()).toBe(2);
    expect(sim.loginCount()).toBe(0);
    expect(sim.passwordLoginCount()).toBe(0);
  });

  it('never writes to the console on the new endpoints either', async () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation(() => undefined),
    );
    try {
      const sim = await simulator({ federatedServers: FEDERATED, apps: [APP], httpStatusErrors: true });
      const portalToken = await tokenFrom(await post(sim.portalTokenUrl, login()));
      await (await post(sim.portalTokenUrl, { token: portalToken, serverUrl: sim.federatedServerUrl('hosted2'), f: 'json' })).text();
      await (await post(sim.oauthTokenUrl, { client_id: APP.clientId, client_secret: 'wrong', grant_type: 'client_credentials' })).text();
      await (await post(sim.adminTokenUrl, login({ password: 'wrong' }))).text();
      await (await fetch(`${sim.serverUrl}/admin/?f=json`)).text();
      await (await fetch(layerOf(sim.federatedServerUrl('server')))).text();
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe('faults for the credential-origin, rate-limit and redaction suites', () => {
  it('status: sends the given headers', async () => {
    const sim = await simulator();
    sim.failNext({ kind: 'status', status: 429, body: '<html></html>', contentType: 'text/html', headers: { 'Retry-After': '120', Date: 'Wed, 21 Oct 2015 07:28:00 GMT' } });
    const response = await post(sim.serverTokenUrl, login());
    expect([response.status, response.headers.get('retry-after'), response.headers.get('date')]).toEqual([429, '120', 'Wed, 21 Oct 2015 07:28:00 GMT']);
  });

  it('failNextRequest: faults rest/info too, ahead of the token queue', async () => {
    const sim = await simulator();
    sim.failNextRequest({ kind: 'status', status: 429 });
    expect((await fetch(`${sim.serverUrl}/rest/info?f=json`)).status).toBe(429);
    expect((await fetch(`${sim.serverUrl}/rest/info?f=json`)).status).toBe(200);
  });

  it('failNextLogin: passes probes without credentials and faults the next request that carries some', async () => {
    const sim = await simulator();
    sim.failNextLogin({ kind: 'status', status: 500 });
    expect((await post(sim.serverTokenUrl, { f: 'json' })).status).toBe(200);
    expect((await post(sim.serverTokenUrl, login())).status).toBe(500);
    expect((await post(sim.serverTokenUrl, login())).status).toBe(200);
  });

  it('echo: an ArcGIS error quoting the request body and each field', async () => {
    const sim = await simulator();
    sim.failNextLogin({ kind: 'echo' });
    const body = (await (await post(sim.serverTokenUrl, login({ client: 'requestip' }))).json()) as { error: { code: number; message: string; details: string[] } };
    expect(body.error.code).toBe(400);
    expect(body.error.message).toBe(`Unable to generate token for request ${new URLSearchParams(login({ client: 'requestip' })).toString()}`);
    expect(body.error.details).toContain(`password: ${DEFAULT_SIMULATOR_USER.password}`);
  });

  it('clearFaults: drops every queue', async () => {
    const sim = await simulator();
    sim.failNext({ kind: 'status', status: 500 });
    sim.failNextRequest({ kind: 'status', status: 500 });
    sim.failNextLogin({ kind: 'status', status: 500 });
    sim.clearFaults();
    expect((await post(sim.serverTokenUrl, login())).status).toBe(200);
  });
});

describe('advertise', () => {
  it('replaces what rest/info names, verbatim, keeping the real key order, until undone', async () => {
    const sim = await simulator({ federatedServers: [{ adaptor: 'fed', registered: true }] });
    sim.advertise('arcgis', { tokenServicesUrl: 'HTTP://gisserver.corp.local:6443/arcgis/tokens/' });
    expect(await (await fetch(`${sim.serverUrl}/rest/info?f=json`)).text()).toBe(
      '{"currentVersion":11.3,"fullVersion":"11.3.0","authInfo":{"isTokenBasedSecurity":true,"tokenServicesUrl":"HTTP://gisserver.corp.local:6443/arcgis/tokens/","shortLivedTokenValidity":60}}',
    );
    sim.advertise('fed', { owningSystemUrl: ' http://portal.example.com/portal' });
    expect(await (await fetch(`${sim.federatedServerUrl('fed')}/rest/info?f=json`)).text()).toBe(
      `{"currentVersion":10.61,"fullVersion":"10.6.1","owningSystemUrl":" http://portal.example.com/portal","authInfo":{"isTokenBasedSecurity":true,"tokenServicesUrl":"${sim.portalTokenUrl}"}}`,
    );
    sim.advertise('fed', { owningSystemUrl: null });
    expect(((await (await fetch(`${sim.federatedServerUrl('fed')}/rest/info?f=json`)).json()) as Record<string, unknown>).owningSystemUrl).toBeUndefined();
    sim.advertise('arcgis', undefined);
    expect(((await (await fetch(`${sim.serverUrl}/rest/info?f=json`)).json()) as { authInfo: { tokenServicesUrl: string } }).authInfo.tokenServicesUrl).toBe(`${sim.serverUrl}/tokens/`);
  });

  it('refuses an adaptor no site sits behind', async () => {
    const sim = await simulator();
    expect(() => sim.advertise('nope', {})).toThrow('no site behind the web adaptor nope');
  });
});

describe('externalFederatedServers', () => {
  it('exchanges portal tokens for a server elsewhere that the portal counts as registered', async () => {
    const sim = await simulator({ externalFederatedServers: ['http://other.example.com:8080/server'] });
    const portalToken = await tokenFrom(await post(sim.portalTokenUrl, login({ client: 'referer', referer: 'https://apps.example.com' })));
    const exchanged = await post(sim.portalTokenUrl, { token: portalToken, serverUrl: 'http://other.example.com:8080/server/rest/services', f: 'json' }, { headers: { 'content-type': 'application/x-www-form-urlencoded', referer: 'https://apps.example.com' } });
    expect(await exchanged.json()).toMatchObject({ token: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/), ssl: false });
    const refused = await post(sim.portalTokenUrl, { token: portalToken, serverUrl: 'http://third.example.com/server', f: 'json' }, { headers: { 'content-type': 'application/x-www-form-urlencoded', referer: 'https://apps.example.com' } });
    expect(await refused.text()).toBe('{"error":{"code":400,"message":"Unable to generate token.","details":["Unable to generate token for this server"]}}');
  });
});

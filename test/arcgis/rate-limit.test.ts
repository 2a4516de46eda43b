// ArcGIS, or a proxy or gateway in front of it, asking us to slow down: HTTP 429, or 503 with
// Retry-After. Over real HTTP from the simulator; the answer's body is often the proxy's HTML page,
// which must not be reported as "an HTML page instead of JSON".
import { problemHeaders, problemTypeOf } from '../../lambda/http/problem-types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverTokenSite } from '../../lambda/arcgis/discovery.js';
import { generateToken } from '../../lambda/arcgis/generate-token.js';
import { DEFAULT_RETRY_AFTER_MS, MAX_RETRY_AFTER_MS, retryAfterMs } from '../../lambda/arcgis/http.js';
import { ArcGisBadResponseError, ArcGisRateLimitedError } from '../../lambda/domain/errors.js';
import { startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';

const PROXY_PAGE = '<html><head><title>429 Too Many Requests</title></head><body><center><h1>429 Too Many Requests</h1></center><hr><center>nginx</center></body></html>';

let sim: ArcGisSimulator;

beforeAll(async () => {
  sim = await startArcGisSimulator({ users: [FAKE] });
});
afterAll(() => sim.close());

function login(now = Date.now) {
  return generateToken({ tokenUrl: sim.serverTokenUrl, ...FAKE, client: 'referer', referer: 'https://apps.example.com', expirationMinutes: 60 }, { timeoutMs: 2_000, now });
}

async function rateLimited(promise: Promise<unknown>): Promise<ArcGisRateLimitedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ArcGisRateLimitedError);
  return error as ArcGisRateLimitedError;
}

describe('HTTP 429 and 503 with Retry-After', () => {
  it('a 429 with an nginx HTML page and Retry-After: 120 is rate limiting for 120 s, not "an HTML page"', async () => {
    sim.failNext({ kind: 'status', status: 429, body: PROXY_PAGE, contentType: 'text/html', headers: { 'Retry-After': '120' } });
    const error = await rateLimited(login());
    expect(error.message).toBe(`${sim.serverTokenUrl} answered HTTP 429: ArcGIS (or a proxy in front of it) is rate limiting token requests. Try again in 120 s (its Retry-After); retrying sooner only prolongs the limit.`);
    expect(error.message).not.toContain('HTML');
    expect([problemTypeOf(error), error.url, error.httpStatus, error.retryAfterMs]).toEqual([{ status: 503, slug: 'arcgis-rate-limited', title: 'ArcGIS is rate limiting token requests' }, sim.serverTokenUrl, 429, 120_000]);
    expect(error.extensions()).toEqual({ httpStatus: 429, retryAfterSeconds: 120 });
    expect(problemHeaders(error)).toEqual({ 'retry-after': '120' });
  });

  it('a 429 without Retry-After waits the default 60 s', async () => {
    sim.failNext({ kind: 'status', status: 429, body: '' });
    const error = await rateLimited(login());
    expect([error.retryAfterMs, problemHeaders(error)]).toEqual([DEFAULT_RETRY_AFTER_MS, { 'retry-after': '60' }]);
    expect(error.message).toContain('Try again in 60 s (no Retry-After was sent; 60 s assumed)');
  });

  it('a 503 with an HTTP-date Retry-After counts from the answer\'s own Date header', async () => {
    sim.failNext({ kind: 'status', status: 503, body: PROXY_PAGE, contentType: 'text/html', headers: { Date: 'Wed, 21 Oct 2015 07:28:00 GMT', 'Retry-After': 'Wed, 21 Oct 2015 07:30:30 GMT' } });
    const error = await rateLimited(login());
    expect([error.httpStatus, error.retryAfterMs, problemHeaders(error)]).toEqual([503, 150_000, { 'retry-after': '150' }]);
  });

  it('a 503 without Retry-After is still a server error, not rate limiting', async () => {
    sim.failNext({ kind: 'status', status: 503, body: PROXY_PAGE, contentType: 'text/html' });
    const error = await login().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArcGisBadResponseError);
    expect((error as Error).message).toContain('answered HTTP 503 with an HTML page instead of JSON. The ArcGIS site reported a server error');
  });

  it.each([
    ['0', 1_000, 'Try again in 1 s (its Retry-After of 0 s, raised to 1 s)'],
    ['86400', MAX_RETRY_AFTER_MS, 'Try again in 3600 s (its Retry-After of 86400 s, capped at 3600 s)'],
    ['soon', DEFAULT_RETRY_AFTER_MS, 'Try again in 60 s (its Retry-After "soon" is neither seconds nor a date; 60 s assumed)'],
  ])('clamps Retry-After %j to %i ms', async (value, expected, phrase) => {
    sim.failNext({ kind: 'status', status: 429, headers: { 'Retry-After': value } });
    const error = await rateLimited(login());
    expect(error.retryAfterMs).toBe(expected);
    expect(error.message).toContain(phrase);
  });
});

describe('retryAfterMs', () => {
  const NOW = Date.parse('2015-10-21T07:28:00Z');
  it.each<[string | null, number | undefined, number]>([
    ['30', undefined, 30_000],
    [' 45 ', undefined, 45_000],
    ['Wed, 21 Oct 2015 07:29:00 GMT', undefined, 60_000],
    ['Wed, 21 Oct 2015 07:29:00 GMT', Date.parse('2015-10-21T07:28:30Z'), 30_000],
    ['Wednesday, 21-Oct-15 07:29:00 GMT', undefined, 60_000],
    ['Wed Oct 21 07:29:00 2015', Date.parse('2015-10-21T07:28:00'), 60_000],
    ['Wed, 21 Oct 2015 07:27:00 GMT', undefined, 1_000],
    [null, undefined, DEFAULT_RETRY_AFTER_MS],
    ['-5', undefined, DEFAULT_RETRY_AFTER_MS],
    ['1.5', undefined, DEFAULT_RETRY_AFTER_MS],
    ['99999999999999999999', undefined, MAX_RETRY_AFTER_MS],
  ])('Retry-After %j (server Date %s) → %i ms', (value, serverDate, expected) => {
    expect(retryAfterMs(value, serverDate, NOW).ms).toBe(expected);
  });
});

describe('discovery', () => {
  it('propagates a 429 on rest/info instead of listing it as one failed attempt', async () => {
    sim.failNextRequest({ kind: 'status', status: 429, body: PROXY_PAGE, contentType: 'text/html', headers: { 'Retry-After': '30' } });
    const error = await rateLimited(discoverTokenSite(sim.serverUrl, undefined, { timeoutMs: 2_000 }));
    expect([error.url, error.retryAfterMs]).toEqual([`${sim.serverUrl}/rest/info?f=json`, 30_000]);
  });

  it('propagates a 429 on a candidate token path probed later in discovery', async () => {
    // rest/info and sharing/rest/info of an unknown adaptor answer 404; the first candidate path is rate limited.
    sim.failNextRequest({ kind: 'delay', ms: 0 }, 2);
    sim.failNextRequest({ kind: 'status', status: 429 });
    const error = await rateLimited(discoverTokenSite(`${sim.url}/nowhere`, undefined, { timeoutMs: 2_000 }));
    expect(error.url).toBe(`${sim.url}/nowhere/tokens/generateToken`);
  });
});

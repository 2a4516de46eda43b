// A failed discovery is remembered per container (issue 12, point 5): requests in a row against a
// site whose discovery fails cause one round of probes, not one each; the same error comes back at
// once saying it was remembered and until when; after DISCOVERY_FAILURE_MEMORY_MS (or a rate
// limit's Retry-After) the probes run again.
import { problemHeaders, problemTypeOf } from '../../lambda/http/problem-types.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ArcGisTokenIssuer, DISCOVERY_FAILURE_MEMORY_MS } from '../../lambda/arcgis/arcgis-token-issuer.js';
import type { Target } from '../../lambda/domain/config/schema.js';
import { parseServiceConfig } from '../../lambda/domain/config/parse-config.js';
import { ArcGisRateLimitedError, ArcGisUnreachableError, TokenEndpointNotFoundError } from '../../lambda/domain/errors.js';
import { startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import { FakeClock } from '../service/fakes.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';

const START = Date.parse('2026-12-01T10:00:00.000Z');
let sim: ArcGisSimulator;
let clock: FakeClock;
let issuer: ArcGisTokenIssuer;

function target(url: string, name = 't'): Target {
  return parseServiceConfig({ targets: [{ name, url, referer: 'https://apps.example.com', secretId: 's' }], allowInsecureHttp: true }, 'test').targets[0]!;
}
const deadline = () => clock.now() + 25_000;
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as Error);

beforeAll(async () => {
  sim = await startArcGisSimulator({ users: [FAKE] });
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.clearFaults();
  sim.requests.length = 0;
  clock = new FakeClock(START);
  issuer = new ArcGisTokenIssuer({ timeoutMs: 2_000, allowInsecureHttp: true, now: clock.now });
});

describe('a failed discovery', () => {
  it(`is remembered for ${DISCOVERY_FAILURE_MEMORY_MS / 1000} s: five requests in a row make one round of probes, and each later one gets the same problem saying so`, async () => {
    // Nothing answers under /nowhere: rest/info, sharing/rest/info and the three candidate paths all 404.
    const nowhere = target(`${sim.url}/nowhere`);
    const first = await failure(issuer.loginSite(nowhere, deadline()));
    expect(first).toBeInstanceOf(TokenEndpointNotFoundError);
    expect(sim.requests).toHaveLength(5);

    const later: Array<Error | undefined> = [];
    for (let i = 0; i < 4; i++) {
      clock.advance(5_000);
      later.push(await failure(i % 2 === 0 ? issuer.loginSite(nowhere, deadline()) : issuer.issue({ target: nowhere, deadline: deadline(), credentials: { kind: 'user', ...FAKE }, client: 'referer', referer: 'https://apps.example.com' })));
    }
    expect(sim.requests).toHaveLength(5);
    for (const error of later) {
      expect(error).toBeInstanceOf(TokenEndpointNotFoundError);
      expect(error).not.toBe(first);
      expect([problemTypeOf(error)?.status, problemTypeOf(error)?.slug, (error as TokenEndpointNotFoundError).attempts]).toEqual([502, 'token-endpoint-not-found', (first as TokenEndpointNotFoundError).attempts]);
      expect(error!.message).toBe(
        `${first!.message} (Remembered: finding the token endpoint of target "t" failed at 2026-12-01T10:00:00.000Z, and this container does not try again until 2026-12-01T10:00:30.000Z (30 s), so requests are answered at once instead of each re-running the probes.)`,
      );
      expect(error!.stack).toContain('(Remembered: ');
    }
    // The first error keeps its own message.
    expect(first!.message).not.toContain('Remembered');
  });

  it('is tried again once the memory has run out', async () => {
    const nowhere = target(`${sim.url}/nowhere`);
    await failure(issuer.loginSite(nowhere, deadline()));
    clock.advance(DISCOVERY_FAILURE_MEMORY_MS - 1);
    expect((await failure(issuer.loginSite(nowhere, deadline())))!.message).toContain('(Remembered: ');
    expect(sim.requests).toHaveLength(5);
    clock.advance(1);
    const again = await failure(issuer.loginSite(nowhere, deadline()));
    expect(again!.message).not.toContain('Remembered');
    expect(sim.requests).toHaveLength(10);
  });

  it('is remembered per site: another target is discovered as usual', async () => {
    await failure(issuer.loginSite(target(`${sim.url}/nowhere`), deadline()));
    expect(await issuer.loginSite(target(sim.serverUrl, 'server'), deadline())).toBe(sim.serverUrl);
  });

  it("rate limited by the site is remembered until its Retry-After, beyond the usual memory, the Retry-After counting down", async () => {
    sim.failNextRequest({ kind: 'status', status: 429, headers: { 'Retry-After': '120' } });
    const server = target(sim.serverUrl);
    const first = await failure(issuer.loginSite(server, deadline()));
    expect(first).toBeInstanceOf(ArcGisRateLimitedError);
    expect(sim.requests).toHaveLength(1);

    clock.advance(90_000);
    const remembered = (await failure(issuer.loginSite(server, deadline()))) as ArcGisRateLimitedError;
    expect(remembered).toBeInstanceOf(ArcGisRateLimitedError);
    expect([remembered.retryAfterMs, problemHeaders(remembered), remembered.httpStatus, remembered.url]).toEqual([30_000, { 'retry-after': '30' }, 429, `${sim.serverUrl}/rest/info?f=json`]);
    expect(remembered.message).toBe(
      `${first!.message} (Remembered: finding the token endpoint of target "t" failed at 2026-12-01T10:00:00.000Z, and this container does not try again until 2026-12-01T10:02:00.000Z, as the site's Retry-After asked, so requests are answered at once instead of each re-running the probes.)`,
    );
    expect(sim.requests).toHaveLength(1);

    clock.advance(30_000);
    expect(await issuer.loginSite(server, deadline())).toBe(sim.serverUrl);
  });

  it('is not remembered when the deadline had passed before anything was sent: that says nothing about the site', async () => {
    const server = target(sim.serverUrl);
    const cut = await failure(issuer.loginSite(server, clock.now() - 1));
    expect(cut).toBeInstanceOf(ArcGisUnreachableError);
    expect(cut!.message).toBe(`${sim.serverUrl}/rest/info?f=json was not asked: the request's deadline had passed before it (deadlineMs). ArcGIS answered too slowly for discovery and login to fit; check the site's responsiveness, or raise deadlineMs (at most 28000).`);
    expect(sim.requests).toHaveLength(0);
    expect(await issuer.loginSite(server, deadline())).toBe(sim.serverUrl);
  });
});

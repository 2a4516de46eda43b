// doctor follows the deployed function's credential policy: credentials over parsed https only,
// and only to the site's origin and the origins named with --portal-url / --allow-origin; a site
// that rate limits gets a finding, not a crash. Against the simulator over real HTTP.
import { afterEach, describe, expect, it } from 'vitest';
import type { FetchLike } from '../../lambda/arcgis/http.js';
import { runDoctor } from '../../lambda/cli/doctor.js';
import { DEFAULT_SIMULATOR_USER, startArcGisSimulator, type ArcGisSimulator, type ArcGisSimulatorOptions } from '../../lambda/local/arcgis-simulator.js';

const PASSWORD = DEFAULT_SIMULATOR_USER.password;
const REFERER = 'https://apps.example.com';
const user = ['--username', 'demo', '--referer', REFERER];

interface Finding {
  verdict: string;
  summary: string;
  cause?: string;
  fix?: string;
}
interface Report {
  ok: boolean;
  checks: Array<{ id: string; verdict: string; findings: Finding[] }>;
  configuration: Record<string, unknown> | null;
}

const sims: ArcGisSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()));
});
async function simulator(options: ArcGisSimulatorOptions = {}): Promise<ArcGisSimulator> {
  const sim = await startArcGisSimulator(options);
  sims.push(sim);
  return sim;
}

/** Every URL doctor fetched, and the ones whose body carried the password. */
interface Traffic {
  urls: string[];
  withPassword: string[];
}

/**
 * Stands in for a TLS-terminating proxy in front of the simulator: https://127.0.0.1:PORT reaches
 * it over loopback http, so doctor can be run on an https:// site without --allow-insecure-http.
 * Plain http:// requests go through unchanged (and are recorded as such).
 */
function tlsProxy(traffic: Traffic): FetchLike {
  return (input, init) => {
    traffic.urls.push(input);
    if (typeof init.body === 'string' && new URLSearchParams(init.body).get('password') !== null) traffic.withPassword.push(input);
    return fetch(input.replace(/^https:\/\/127\.0\.0\.1:/, 'http://127.0.0.1:'), init);
  };
}

async function doctorJson(argv: string[], traffic: Traffic = { urls: [], withPassword: [] }): Promise<{ code: number; report: Report; stdout: string }> {
  let stdout = '';
  const code = await runDoctor([...argv, '--json'], {
    env: { ARCGIS_PASSWORD: PASSWORD },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: () => true },
    fetch: tlsProxy(traffic),
  });
  return { code, report: JSON.parse(stdout) as Report, stdout };
}

const https = (url: string) => url.replace('http://', 'https://');
const findings = (report: Report, id: string) => report.checks.find((c) => c.id === id)?.findings ?? [];

describe('doctor: the https guard parses URLs', () => {
  it.each([['HTTP://'], ['Http://'], [' http://']])('never sends the password to a token service that rest/info names with %j', async (scheme) => {
    const sim = await simulator();
    sim.advertise('arcgis', { tokenServicesUrl: `${scheme}${new URL(sim.url).host}/arcgis/tokens/` });
    const traffic: Traffic = { urls: [], withPassword: [] };
    const { code, report } = await doctorJson([https(sim.serverUrl), ...user], traffic);
    // The http:// service is another origin than the https:// site: its path is used on the site's own origin.
    expect(code).toBe(0);
    expect(findings(report, 'discovery')[0]!.summary).toBe(
      `a standalone ArcGIS Server: token endpoint ${https(sim.serverTokenUrl)} (found through ${https(sim.serverUrl)}/rest/info (it names ${sim.url}; the same path on the configured origin ${https(sim.url)} answers))`,
    );
    expect(traffic.withPassword.every((url) => url.startsWith('https://'))).toBe(true);
    expect(traffic.withPassword.length).toBeGreaterThan(0);
    expect(traffic.urls.filter((url) => !url.startsWith('https://'))).toEqual([]);
  });
});

describe('doctor: credentials only to the origins named', () => {
  it('refuses a foreign token service, naming the origin and --allow-origin, without logging in', async () => {
    const sim = await simulator();
    const other = await simulator({ serverAdaptor: 'internal' });
    sim.advertise('arcgis', { tokenServicesUrl: `${other.serverUrl}/tokens/` });
    const { code, report } = await doctorJson([sim.serverUrl, ...user, '--allow-insecure-http']);
    expect(code).toBe(1);
    const [finding] = findings(report, 'discovery');
    expect(finding).toMatchObject({
      verdict: 'fail',
      summary: `the site names a token service on ${other.url}, an origin you did not name: doctor sends no credentials there`,
      fix: `If ${other.url} really issues this site's tokens, run doctor again with --allow-origin ${other.url} (the configuration then gets allowedOrigins); otherwise set the site's public URL so rest/info names ${sim.url}.`,
    });
    expect(finding!.cause).toContain(`add "${other.url}" to the target's allowedOrigins`);
    expect([other.requests, sim.passwordLoginCount()]).toEqual([[], 0]);
  });

  it('logs in there with --allow-origin, and the configuration carries allowedOrigins', async () => {
    const sim = await simulator();
    const other = await simulator({ serverAdaptor: 'internal' });
    sim.advertise('arcgis', { tokenServicesUrl: `${other.serverUrl}/tokens/` });
    const { code, report } = await doctorJson([sim.serverUrl, ...user, '--allow-insecure-http', '--allow-origin', other.url]);
    expect(code).toBe(0);
    expect(other.passwordLoginCount()).toBeGreaterThan(0);
    expect(report.configuration).toMatchObject({ url: `${other.serverUrl}/tokens/generateToken`, kind: 'server', allowedOrigins: [other.url] });
  });

  it('follows a federated server to a portal on another origin with --portal-url, and the configuration carries it', async () => {
    const sim = await simulator({ federatedServers: [{ adaptor: 'fed', registered: true }] });
    const portal = await simulator({ portalAdaptor: 'otherportal', externalFederatedServers: [sim.federatedServerUrl('fed')] });
    sim.advertise('fed', { owningSystemUrl: portal.portalUrl, tokenServicesUrl: portal.portalTokenUrl });

    const refused = await doctorJson([sim.federatedServerUrl('fed'), ...user, '--allow-insecure-http']);
    expect(refused.code).toBe(1);
    expect(findings(refused.report, 'discovery')[0]!.fix).toBe(
      `If that is the portal this server is federated with, run doctor again with --portal-url and the portal's URL (the configuration then gets kind federated and portalUrl), or with --allow-origin ${portal.url}.`,
    );
    expect(portal.requests).toEqual([]);

    const followed = await doctorJson([sim.federatedServerUrl('fed'), ...user, '--allow-insecure-http', '--portal-url', portal.portalUrl]);
    expect(followed.code).toBe(0);
    expect(followed.report.configuration).toMatchObject({ url: sim.federatedServerUrl('fed'), kind: 'federated', portalUrl: `${portal.portalUrl}` });
  });

  it('refuses an --allow-origin with a path', async () => {
    let stderr = '';
    const code = await runDoctor(['https://gis.example.com/server', ...user, '--allow-origin', 'https://portal.example.com/portal'], {
      env: { ARCGIS_PASSWORD: PASSWORD },
      stdout: { write: () => true },
      stderr: { write: (chunk: string) => (stderr += chunk) },
    });
    expect(code).toBe(2);
    expect(stderr).toContain('doctor: --allow-origin takes an origin only (https://portal.example.com), without a path, query or fragment');
  });
});

describe('doctor: rate limiting', () => {
  it('reports a 429 on the login as a finding with the wait, and stops trying modes', async () => {
    const sim = await simulator();
    // The endpoint probes reach three of the simulator's token endpoints (the server's, its admin
    // API's, the portal's) and pass; the first login after them is rate limited.
    sim.failNext({ kind: 'delay', ms: 0 }, 3);
    sim.failNext({ kind: 'status', status: 429, body: '<html><body>Too Many Requests</body></html>', contentType: 'text/html', headers: { 'Retry-After': '90' } });
    const { code, report } = await doctorJson([sim.serverUrl, ...user, '--allow-insecure-http']);
    expect(code).toBe(1);
    expect(findings(report, 'client-modes')).toEqual([
      {
        verdict: 'fail',
        summary: `client=referer: ${sim.serverTokenUrl} answered HTTP 429: the site is rate limiting requests`,
        cause: 'ArcGIS, or a proxy or gateway in front of it, is limiting how often requests may come (often after many requests in a short time).',
        fix: 'Wait 90 s (the site\'s Retry-After) and run doctor again; retrying sooner prolongs the limit.',
      },
      { verdict: 'skip', summary: 'client=requestip: not tried: the site is rate limiting, and more requests now would prolong it' },
    ]);
  });
});

// Where credentials may go: only over https (URLs parsed, never prefix-matched) and only to the
// origins the operator configured. Each case runs the issuer against the simulator over real HTTP,
// with rest/info advertising what an attacker or a misconfigured site would, and then checks what
// actually reached the simulator.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ArcGisTokenIssuer } from '../../lambda/arcgis/arcgis-token-issuer.js';
import type { Target, TargetInput } from '../../lambda/domain/config/schema.js';
import { parseServiceConfig } from '../../lambda/domain/config/parse-config.js';
import { ConfigurationError, ForeignTokenOriginError } from '../../lambda/domain/errors.js';
import { startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import type { Credentials } from '../../lambda/domain/ports.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';
import { CapturingLog } from '../service/fakes.js';

const APP = { clientId: 'fake-app', clientSecret: 'fake-app-secret-origin-tests' };
const user: Exclude<Credentials, { kind: 'manual' }> = { kind: 'user', ...FAKE };
const app: Exclude<Credentials, { kind: 'manual' }> = { kind: 'app', ...APP };
const REFERER = 'https://apps.example.com';

let sim: ArcGisSimulator;
/** Another origin (another port): the "internal machine" or "other portal" rest/info may name. */
let elsewhere: ArcGisSimulator;
/** host:port of the simulator, to spell its URLs in other ways. */
let hostPort: string;
/** Every URL any issuer in this file fetched. */
const fetched: string[] = [];
const recordingFetch = (input: string, init: RequestInit) => {
  fetched.push(input);
  return fetch(input, init);
};

function target(input: Partial<TargetInput> & { url: string }): Target {
  return parseServiceConfig({ targets: [{ name: 't', referer: REFERER, secretId: 's', ...input } as TargetInput], allowInsecureHttp: true }, 'test').targets[0]!;
}

/** Requests that carried a password or a client secret, and where they went. */
function credentialRequests(): string[] {
  return sim.requests.filter((r) => r.form.password !== undefined || r.form.client_secret !== undefined).map((r) => r.path);
}

beforeAll(async () => {
  sim = await startArcGisSimulator({ users: [FAKE], apps: [APP], federatedServers: [{ adaptor: 'fed', registered: true }] });
  hostPort = new URL(sim.url).host;
  elsewhere = await startArcGisSimulator({ users: [FAKE], apps: [APP], serverAdaptor: 'internal', portalAdaptor: 'otherportal', externalFederatedServers: [sim.federatedServerUrl('fed')] });
});
afterAll(async () => {
  await sim.close();
  await elsewhere.close();
});
afterEach(() => {
  for (const adaptor of ['arcgis', 'portal', 'fed']) sim.advertise(adaptor, undefined);
  sim.requests.length = 0;
  elsewhere.requests.length = 0;
  fetched.length = 0;
});

describe('the https guard parses URLs', () => {
  // A strict issuer (no allowInsecureHttp): the simulator's own http:// URL is the configured one,
  // so what is tested is only what rest/info names.
  const strict = () => new ArcGisTokenIssuer({ timeoutMs: 2_000 });

  it.each([['HTTP://'], ['Http://'], [' http://']])('sends no password to a standalone token service named %j', async (scheme) => {
    sim.advertise('arcgis', { tokenServicesUrl: `${scheme}${hostPort}/arcgis/tokens/` });
    const error = await strict().issue({ target: target({ url: sim.serverUrl }), credentials: user, client: 'referer', referer: REFERER }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      `The site of target "t" names http://${hostPort}/arcgis/tokens/generateToken as its token service: refusing to send credentials over plain http. Configure the site's token service for https, or give the https:// token endpoint as the target's url.`,
    );
    expect(credentialRequests()).toEqual([]);
  });

  it.each([['HTTP://'], ['Http://'], [' http://']])('sends no password to a portal that a federated server names with %j', async (scheme) => {
    sim.advertise('fed', { owningSystemUrl: `${scheme}${hostPort}/portal`, tokenServicesUrl: `${scheme}${hostPort}/portal/sharing/rest/generateToken` });
    const error = await strict().issue({ target: target({ url: sim.federatedServerUrl('fed'), kind: 'federated' }), credentials: user, client: 'referer', referer: REFERER }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(`names http://${hostPort}/portal/sharing/rest/generateToken as its token service: refusing to send credentials over plain http`);
    expect(credentialRequests()).toEqual([]);
  });

  it.each([['HTTP://'], ['Http://'], [' http://']])('sends no client secret to an OAuth endpoint derived from owningSystemUrl %j', async (scheme) => {
    // A tokenServicesUrl that is not a portal path (on an https origin the target allows): the OAuth
    // endpoint is then built from owningSystemUrl, on the configured origin but over plain http.
    sim.advertise('fed', { owningSystemUrl: `${scheme}${hostPort}/portal`, tokenServicesUrl: `https://${hostPort}/portal/tokens/` });
    const fed = target({ url: sim.federatedServerUrl('fed'), allowedOrigins: [`https://${hostPort}`] });
    const error = await strict().issue({ target: fed, credentials: app, client: 'referer', referer: REFERER }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(`names http://${hostPort}/portal/sharing/rest/oauth2/token as its token service: refusing to send credentials over plain http`);
    expect(credentialRequests()).toEqual([]);
  });
});

describe('credentials go only to the origins the target configures', () => {
  const issuer = (log = new CapturingLog()) => ({ log, issuer: new ArcGisTokenIssuer({ timeoutMs: 2_000, allowInsecureHttp: true, fetch: recordingFetch, log }) });
  const origins = () => [...new Set(fetched.map((url) => new URL(url).origin))];

  it('tries a standalone server\'s foreign tokenServicesUrl on the configured origin (same path), never contacting the foreign host', async () => {
    // The internal machine's name, as a server whose public URL was never set advertises it.
    sim.advertise('arcgis', { tokenServicesUrl: 'https://gisserver.corp.local:6443/arcgis/tokens/' });
    const { issuer: i, log } = issuer();
    const issued = await i.issue({ target: target({ url: sim.serverUrl }), credentials: user, client: 'referer', referer: REFERER });
    expect(issued.binding).toEqual({ client: 'referer', referer: REFERER });
    expect(origins()).toEqual([sim.url]);
    expect(credentialRequests()).toEqual(['/arcgis/tokens/generateToken']);
    expect(log.lines).toEqual([
      {
        level: 'info',
        message: 'credentials for this target go only to these origins',
        fields: { target: 't', kind: 'server', credentialOrigins: [sim.url], via: `${sim.serverUrl}/rest/info (it names https://gisserver.corp.local:6443; the same path on the configured origin ${sim.url} answers)` },
      },
    ]);
  });

  it('refuses a foreign tokenServicesUrl that the configured origin does not also serve, naming the origin and allowedOrigins', async () => {
    sim.advertise('arcgis', { tokenServicesUrl: `${elsewhere.serverUrl}/tokens/` });
    const { issuer: i, log } = issuer();
    const error = await i.issue({ target: target({ url: sim.serverUrl }), credentials: user, client: 'referer', referer: REFERER }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForeignTokenOriginError);
    expect((error as ForeignTokenOriginError).message).toBe(
      `${sim.serverUrl}/rest/info names ${elsewhere.serverUrl}/tokens/generateToken as its token service, on ${elsewhere.url}: the target's configuration does not allow credentials to go to that origin, and the same path on the configured origin (${sim.url}/internal/tokens/generateToken) is not a token endpoint (HTTP 404 HTML page). ` +
        `No credentials were sent. A site names another host when its public URL was never set (the server then names its internal machine): set the public URL on the site (web adaptor), or give the target's url as the token endpoint on ${sim.url}. ` +
        `If ${elsewhere.url} really is where this site's tokens come from, add "${elsewhere.url}" to the target's allowedOrigins.`,
    );
    expect((error as ForeignTokenOriginError).extensions()).toEqual({
      foreignOrigin: elsewhere.url,
      setting: 'allowedOrigins',
      attempts: [
        { url: `${sim.serverUrl}/rest/info?f=json`, outcome: 'ArcGIS JSON' },
        { url: `${sim.url}/internal/tokens/generateToken`, outcome: 'HTTP 404 HTML page' },
      ],
    });
    expect(elsewhere.requests).toEqual([]);
    expect(credentialRequests()).toEqual([]);
    expect(log.lines).toEqual([]);
  });

  it('sends credentials to a foreign token service once its origin is in allowedOrigins (compared after parsing), and logs it', async () => {
    sim.advertise('arcgis', { tokenServicesUrl: `${elsewhere.serverUrl}/tokens/` });
    const { issuer: i, log } = issuer();
    // Upper case and the default-less spelling still name the same origin.
    const allowed = elsewhere.url.replace('http://', 'HTTP://');
    const before = elsewhere.passwordLoginCount();
    const issued = await i.issue({ target: target({ url: sim.serverUrl, allowedOrigins: [allowed] }), credentials: user, client: 'referer', referer: REFERER });
    expect(issued.token.length).toBeGreaterThan(20);
    expect(elsewhere.passwordLoginCount() - before).toBe(1);
    expect(credentialRequests()).toEqual([]);
    expect(log.lines.map((l) => l.fields?.credentialOrigins)).toEqual([[elsewhere.url]]);
  });

  it('does not follow a federated server to a portal on another origin unless portalUrl or allowedOrigins names it', async () => {
    sim.advertise('fed', { owningSystemUrl: elsewhere.portalUrl, tokenServicesUrl: elsewhere.portalTokenUrl });
    const { issuer: i } = issuer();
    const error = await i.issue({ target: target({ url: sim.federatedServerUrl('fed') }), credentials: user, client: 'referer', referer: REFERER }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForeignTokenOriginError);
    expect((error as Error).message).toBe(
      `${sim.federatedServerUrl('fed')}/rest/info says the server is federated with ${elsewhere.portalUrl}, whose token service ${elsewhere.portalTokenUrl} is on ${elsewhere.url}: the target's configuration does not allow credentials to go to that origin. No credentials were sent. ` +
        `If ${elsewhere.portalUrl} is the portal this server is federated with, set the target's kind to "federated" and its portalUrl to ${elsewhere.portalUrl}, or add "${elsewhere.url}" to the target's allowedOrigins.`,
    );
    expect((error as ForeignTokenOriginError).setting).toBe('portalUrl');
    expect(elsewhere.requests).toEqual([]);
  });

  it('follows a federated server to the portal that kind federated + portalUrl names: login and exchange there', async () => {
    sim.advertise('fed', { owningSystemUrl: elsewhere.portalUrl, tokenServicesUrl: elsewhere.portalTokenUrl });
    const { issuer: i, log } = issuer();
    const fed = target({ url: sim.federatedServerUrl('fed'), kind: 'federated', portalUrl: elsewhere.portalUrl });
    const before = [elsewhere.passwordLoginCount(), elsewhere.exchangeCount()];
    await i.issue({ target: fed, credentials: user, client: 'referer', referer: REFERER });
    expect([elsewhere.passwordLoginCount() - before[0]!, elsewhere.exchangeCount() - before[1]!]).toEqual([1, 1]);
    expect(elsewhere.requests.at(-1)!.form).toMatchObject({ serverUrl: sim.federatedServerUrl('fed') });
    expect(log.lines.map((l) => l.fields?.credentialOrigins)).toEqual([[elsewhere.url]]);
  });

  it('says portalUrl is wrong when the server names another portal than the one configured', async () => {
    sim.advertise('fed', { owningSystemUrl: elsewhere.portalUrl, tokenServicesUrl: elsewhere.portalTokenUrl });
    const fed = target({ url: sim.federatedServerUrl('fed'), kind: 'federated', portalUrl: 'https://portal.example.com/portal' });
    const error = await issuer().issuer.issue({ target: fed, credentials: user, client: 'referer', referer: REFERER }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForeignTokenOriginError);
    expect((error as Error).message).toContain(`No credentials were sent. The target's portalUrl is https://portal.example.com/portal, on https://portal.example.com: if the server's portal is ${elsewhere.portalUrl}, correct portalUrl.`);
    expect(elsewhere.requests).toEqual([]);
  });

  it('keeps two targets on one URL with different allowed origins apart', async () => {
    sim.advertise('arcgis', { tokenServicesUrl: `${elsewhere.serverUrl}/tokens/` });
    const { issuer: shared } = issuer();
    await shared.issue({ target: target({ url: sim.serverUrl, allowedOrigins: [elsewhere.url] }), credentials: user, client: 'referer', referer: REFERER });
    const error = await shared.issue({ target: target({ url: sim.serverUrl }), credentials: user, client: 'referer', referer: REFERER }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForeignTokenOriginError);
  });

  it('logs the origins once per discovered site, not once per login', async () => {
    const { issuer: i, log } = issuer();
    const t = target({ url: sim.portalUrl });
    await i.issue({ target: t, credentials: user, client: 'referer', referer: REFERER });
    await i.issue({ target: t, credentials: app, client: 'referer', referer: REFERER });
    expect(log.lines).toEqual([
      { level: 'info', message: 'credentials for this target go only to these origins', fields: { target: 't', kind: 'portal', credentialOrigins: [sim.url], via: `${sim.portalUrl}/sharing/rest/info` } },
    ]);
  });
});

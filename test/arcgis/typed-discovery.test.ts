// Discovery says how it found a site, and errors say what went wrong, in typed fields that code
// branches on (doctor, discovery's own attempt log); the prose (`via`, messages) is built from them
// for people. Against the simulator over real HTTP, with rest/info answers replaced where a real
// site would say something the simulator does not.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { discoverTokenSite } from '../../lambda/arcgis/discovery.js';
import { generateToken } from '../../lambda/arcgis/generate-token.js';
import { appToken } from '../../lambda/arcgis/oauth-token.js';
import { ArcGisBadResponseError, TokenEndpointNotFoundError, type BadResponseKind } from '../../lambda/domain/errors.js';
import { startArcGisSimulator, type ArcGisSimulator, type SimulatorFault } from '../../lambda/local/arcgis-simulator.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';

let sim: ArcGisSimulator;
const http = { timeoutMs: 1_000, now: Date.now };
const APP = { clientId: 'fake-app', clientSecret: 'fake-app-secret-typed' };

beforeAll(async () => {
  sim = await startArcGisSimulator({ users: [FAKE], apps: [APP], federatedServers: [{ adaptor: 'fed', registered: true }] });
});
afterAll(() => sim.close());
afterEach(() => {
  sim.clearFaults();
  sim.advertise('arcgis', undefined);
});

describe('TokenSite.found', () => {
  it('a configured token endpoint', async () => {
    expect(await discoverTokenSite(sim.serverTokenUrl, undefined, http)).toEqual({ kind: 'server', tokenUrl: sim.serverTokenUrl, found: { by: 'configured' }, via: 'configured token endpoint' });
  });

  it('a federated server, by its rest/info and owner', async () => {
    const server = sim.federatedServerUrl('fed');
    const site = await discoverTokenSite(server, undefined, http);
    expect([site.found, site.via]).toEqual([{ by: 'rest-info', url: `${server}/rest/info`, owner: sim.portalUrl }, `${server}/rest/info: federated with ${sim.portalUrl}`]);
  });

  it('a server hosted by ArcGIS Online: hostedByArcGisOnline, not a pattern in via', async () => {
    sim.failNextRequest({ kind: 'json', body: { owningSystemUrl: 'http://www.arcgis.com', authInfo: { tokenServicesUrl: 'https://www.arcgis.com/sharing/rest/generateToken', isTokenBasedSecurity: true } } });
    const site = await discoverTokenSite(sim.serverUrl, undefined, http, { allowedOrigins: ['https://www.arcgis.com'] });
    expect(site).toEqual({
      kind: 'portal',
      tokenUrl: 'https://www.arcgis.com/sharing/rest/generateToken',
      oauthUrl: 'https://www.arcgis.com/sharing/rest/oauth2/token',
      found: { by: 'rest-info', url: `${sim.serverUrl}/rest/info`, owner: 'http://www.arcgis.com/', hostedByArcGisOnline: true },
      via: `${sim.serverUrl}/rest/info: hosted by ArcGIS Online`,
    });
  });

  it('the same path on the configured origin, when rest/info names another: relocatedFrom', async () => {
    sim.advertise('arcgis', { tokenServicesUrl: 'https://gisserver.corp.local:6443/arcgis/tokens/' });
    const site = await discoverTokenSite(sim.serverUrl, undefined, http);
    expect([site.tokenUrl, site.found, site.via]).toEqual([
      sim.serverTokenUrl,
      { by: 'rest-info', url: `${sim.serverUrl}/rest/info`, relocatedFrom: 'https://gisserver.corp.local:6443' },
      `${sim.serverUrl}/rest/info (it names https://gisserver.corp.local:6443; the same path on the configured origin ${sim.url} answers)`,
    ]);
  });

  it('a candidate path, when neither info resource answers', async () => {
    sim.failNextRequest({ kind: 'html', status: 404 }, 2);
    const site = await discoverTokenSite(sim.serverUrl, undefined, http);
    expect([site.kind, site.found, site.via]).toEqual(['server', { by: 'candidate', url: sim.serverTokenUrl }, `candidate path ${sim.serverTokenUrl}`]);
  });
});

describe('TokenEndpointNotFoundError.reason', () => {
  const reason = async (url: string, kind?: 'federated') => {
    const error = await discoverTokenSite(url, kind, http).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenEndpointNotFoundError);
    return (error as TokenEndpointNotFoundError).reason;
  };

  it('no-token-security: the site says isTokenBasedSecurity false', async () => {
    sim.failNextRequest({ kind: 'json', body: { currentVersion: 11.3, authInfo: { isTokenBasedSecurity: false } } });
    expect(await reason(sim.serverUrl)).toBe('no-token-security');
  });

  it('standalone-not-federated: kind federated on a server that names no portal', async () => {
    expect(await reason(sim.serverUrl, 'federated')).toBe('standalone-not-federated');
  });

  it('federated-without-info: kind federated and no rest/info', async () => {
    sim.failNextRequest({ kind: 'html', status: 404 });
    expect(await reason(sim.serverUrl, 'federated')).toBe('federated-without-info');
  });

  it('nothing-found: no info resource and no candidate answers', async () => {
    expect(await reason(`${sim.url}/nowhere/rest/services`)).toBe('nothing-found');
  });
});

describe('ArcGisBadResponseError.kind', () => {
  const kindOf = async (fault: SimulatorFault, login: () => Promise<unknown> = () => generateToken({ tokenUrl: sim.serverTokenUrl, ...FAKE, client: 'requestip', expirationMinutes: 60 }, http)) => {
    sim.failNext(fault);
    const error = await login().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArcGisBadResponseError);
    return (error as ArcGisBadResponseError).kind;
  };

  it.each<[string, BadResponseKind, SimulatorFault]>([
    ['a redirect', 'redirect', { kind: 'redirect', location: 'https://idp.example.com/adfs/ls/' }],
    ['a body over the cap', 'oversized', { kind: 'huge', bytes: 1024 * 1024 }],
    ['an HTML page', 'html', { kind: 'html' }],
    ['an empty body', 'empty', { kind: 'status', status: 200, body: '', contentType: 'text/plain' }],
    ['garbage', 'not-json', { kind: 'garbage' }],
    ['JSON with neither token nor error', 'unexpected-json', { kind: 'json', body: { success: true } }],
    ['an implausible token', 'implausible-token', { kind: 'json', body: { token: 'fake token with spaces', expires: Date.now() + 3_600_000 } }],
    ['an expired token', 'implausible-token', { kind: 'json', body: { token: 'fake-expired-token', expires: Date.now() - 1 } }],
  ])('generateToken: %s → %s', async (_name, kind, fault) => {
    expect(await kindOf(fault)).toBe(kind);
  });

  it('oauth2/token: JSON with neither access_token nor error → unexpected-json', async () => {
    const login = () => appToken({ oauthUrl: sim.oauthTokenUrl, ...APP, expirationMinutes: 60 }, http);
    expect(await kindOf({ kind: 'json', body: { success: true } }, login)).toBe('unexpected-json');
  });

  it('discovery records an oversized answer and a redirect by kind', async () => {
    sim.failNextRequest({ kind: 'huge', bytes: 1024 * 1024 });
    sim.failNextRequest({ kind: 'redirect', location: 'https://idp.example.com/adfs/ls/' });
    const error = await discoverTokenSite(`${sim.url}/nowhere/rest/services`, undefined, http).catch((e: unknown) => e);
    expect((error as TokenEndpointNotFoundError).attempts.slice(0, 2)).toEqual([
      { url: `${sim.url}/nowhere/rest/info?f=json`, outcome: 'HTTP 200, oversized body' },
      { url: `${sim.url}/nowhere/sharing/rest/info?f=json`, outcome: 'HTTP 302 redirect (a login page?)' },
    ]);
  });
});

// Discovery against the simulator over HTTP: whatever URL a user pastes, the token endpoint the
// site itself names; and when there is none, a report of every URL tried and what it answered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverTokenSite, generateTokenUrl, parseSiteUrl } from '../../lambda/arcgis/discovery.js';
import { ArcGisUnreachableError, TokenEndpointNotFoundError } from '../../lambda/domain/errors.js';
import { startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';

let sim: ArcGisSimulator;
const http = { timeoutMs: 1_000 };

beforeAll(async () => {
  sim = await startArcGisSimulator({ serverAdaptor: 'gisweb2' });
});
afterAll(() => sim.close());

describe('parseSiteUrl', () => {
  it.each([
    ['https://h/portal/home/item.html?id=1', 'https://h/portal', 'portal'],
    ['https://h/portal/sharing/rest/portals/self', 'https://h/portal', 'portal'],
    ['https://h/gis/rest/services/Roads/FeatureServer/0', 'https://h/gis', 'server'],
    ['https://h/arcgis/admin/machines', 'https://h/arcgis', 'admin'],
    ['https://h/arcgis/tokens/', 'https://h/arcgis', 'server'],
    ['https://myorg.maps.arcgis.com', 'https://myorg.maps.arcgis.com', 'portal'],
    ['https://services3.arcgis.com/abc/arcgis/rest/services/X/FeatureServer', 'https://services3.arcgis.com/abc/arcgis', 'server'],
    ['https://h/custom', 'https://h/custom', undefined],
  ])('%s → root %s, hint %s', (url, root, hint) => {
    expect(parseSiteUrl(url)).toEqual({ root, hint });
  });

  it('takes a token endpoint as given', () => {
    expect(parseSiteUrl('https://h/portal/sharing/rest/generateToken')).toEqual({ root: 'https://h/portal', hint: 'portal', tokenUrl: 'https://h/portal/sharing/rest/generateToken' });
    expect(parseSiteUrl('https://h/arcgis/admin/generateToken')).toEqual({ root: 'https://h/arcgis', hint: 'admin', tokenUrl: 'https://h/arcgis/admin/generateToken' });
  });

  it('appends generateToken to a tokens service URL from rest/info', () => {
    expect(generateTokenUrl('https://h/arcgis/tokens/')).toBe('https://h/arcgis/tokens/generateToken');
    expect(generateTokenUrl('https://h/portal/sharing/rest/generateToken')).toBe('https://h/portal/sharing/rest/generateToken');
  });
});

describe('discoverTokenSite', () => {
  it('follows rest/info of a standalone server under a custom adaptor name', async () => {
    expect(await discoverTokenSite(`${sim.serverUrl}/rest/services/Demo/FeatureServer/0`, undefined, http)).toEqual({
      kind: 'server',
      tokenUrl: `${sim.serverUrl}/tokens/generateToken`,
      found: { by: 'rest-info', url: `${sim.serverUrl}/rest/info` },
      via: `${sim.serverUrl}/rest/info`,
    });
  });

  it('finds a portal from its home page URL through sharing/rest/info', async () => {
    expect(await discoverTokenSite(`${sim.portalUrl}/home/index.html`, undefined, http)).toEqual({
      kind: 'portal',
      tokenUrl: sim.portalTokenUrl,
      oauthUrl: `${sim.portalUrl}/sharing/rest/oauth2/token`,
      found: { by: 'portal-info', url: `${sim.portalUrl}/sharing/rest/info` },
      via: `${sim.portalUrl}/sharing/rest/info`,
    });
  });

  it('finds a portal from its bare root when rest/info is not there', async () => {
    const site = await discoverTokenSite(sim.portalUrl, undefined, http);
    expect([site.kind, site.tokenUrl]).toEqual(['portal', sim.portalTokenUrl]);
  });

  it('uses the admin path for kind admin without asking', async () => {
    expect(await discoverTokenSite(sim.serverUrl, 'admin', http)).toEqual({ kind: 'admin', tokenUrl: `${sim.serverUrl}/admin/generateToken`, found: { by: 'kind-admin' }, via: 'kind admin: the Server Administrator API path' });
  });

  it('lists every URL tried and what each answered when a guessed adaptor does not exist', async () => {
    const error = await discoverTokenSite(`${sim.url}/arcgis/rest/services`, undefined, http).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenEndpointNotFoundError);
    expect((error as TokenEndpointNotFoundError).attempts).toEqual([
      { url: `${sim.url}/arcgis/rest/info?f=json`, outcome: 'HTTP 404 HTML page' },
      { url: `${sim.url}/arcgis/sharing/rest/info?f=json`, outcome: 'HTTP 404 HTML page' },
      { url: `${sim.url}/arcgis/tokens/generateToken`, outcome: 'HTTP 404 HTML page' },
      { url: `${sim.url}/arcgis/sharing/rest/generateToken`, outcome: 'HTTP 404 HTML page' },
      { url: `${sim.url}/arcgis/sharing/generateToken`, outcome: 'HTTP 404 HTML page' },
    ]);
    expect((error as Error).message).toMatch(/^No token endpoint was found from http:\/\/127\.0\.0\.1:\d+\/arcgis\/rest\/services\. Tried: .*arcgis\/rest\/info\?f=json → HTTP 404 HTML page; .* Give the target's url as the exact token endpoint/);
    expect((error as TokenEndpointNotFoundError).extensions()).toEqual({ attempts: (error as TokenEndpointNotFoundError).attempts });
  });

  it('reports the network error itself when nothing answers at all', async () => {
    const gone = await startArcGisSimulator();
    const url = gone.serverUrl;
    await gone.close();
    const error = await discoverTokenSite(url, undefined, http).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArcGisUnreachableError);
    expect((error as Error).message).toContain('could not be reached (ECONNREFUSED)');
  });

  it('refuses kind federated for a standalone server, saying why', async () => {
    const error = await discoverTokenSite(sim.serverUrl, 'federated', http).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenEndpointNotFoundError);
    expect((error as Error).message).toContain('names no owning portal (owningSystemUrl): the server is standalone. Use kind server');
  });
});

// The issuer end to end against the simulator: discovery, user and app logins, the federated
// exchange, the admin API and the serviceUrl check, as the Lambda runs them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArcGisTokenIssuer } from '../../lambda/arcgis/arcgis-token-issuer.js';
import type { Target, TargetInput } from '../../lambda/domain/config/schema.js';
import { parseServiceConfig } from '../../lambda/domain/config/parse-config.js';
import { ArcGisRefusedError, ConfigurationError } from '../../lambda/domain/errors.js';
import { startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import type { Credentials } from '../../lambda/domain/ports.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';

let sim: ArcGisSimulator;
const user: Exclude<Credentials, { kind: 'manual' }> = { kind: 'user', ...FAKE };
const app: Exclude<Credentials, { kind: 'manual' }> = { kind: 'app', clientId: 'fake-app', clientSecret: 'fake-app-secret' };
const REFERER = 'https://apps.example.com';

function target(input: Partial<TargetInput> & { url: string }): Target {
  return parseServiceConfig({ targets: [{ name: 't', referer: REFERER, secretId: 's', ...input } as TargetInput], allowInsecureHttp: true }, 'test').targets[0]!;
}

const issuer = () => new ArcGisTokenIssuer({ timeoutMs: 2_000, allowInsecureHttp: true });

async function layer(url: string, token: string, referer?: string): Promise<unknown> {
  const response = await fetch(`${url}/rest/services/Demo/FeatureServer/0?f=json`, { headers: { 'x-esri-authorization': `Bearer ${token}`, ...(referer ? { referer } : {}) } });
  return response.json();
}

beforeAll(async () => {
  sim = await startArcGisSimulator({ users: [FAKE], apps: [{ clientId: 'fake-app', clientSecret: 'fake-app-secret' }], federatedServers: [{ adaptor: 'server', registered: true }, { adaptor: 'hosted2', registered: false }] });
});
afterAll(() => sim.close());

describe('ArcGisTokenIssuer', () => {
  it('exchanges a portal token for a server token on a federated server found by discovery', async () => {
    const fed = sim.federatedServerUrl('server');
    const before = { logins: sim.passwordLoginCount(), exchanges: sim.exchangeCount() };
    const issued = await issuer().issue({ deadline: Date.now() + 25_000, target: target({ url: `${fed}/rest/services/Demo/FeatureServer/0` }), credentials: user, client: 'referer', referer: REFERER });
    expect([sim.passwordLoginCount() - before.logins, sim.exchangeCount() - before.exchanges]).toEqual([1, 1]);
    expect(issued.binding).toEqual({ client: 'referer', referer: REFERER });
    expect(await layer(fed, issued.token, REFERER)).toEqual({ id: 0, name: 'Demo', type: 'Feature Layer' });
    expect(sim.requests.filter((r) => r.form.serverUrl !== undefined).at(-1)!.form).toMatchObject({ serverUrl: fed, f: 'json' });
  });

  it('says the server is not federated with the portal when the exchange is refused', async () => {
    const error = await issuer().issue({ deadline: Date.now() + 25_000, target: target({ url: sim.federatedServerUrl('hosted2') }), credentials: user, client: 'referer', referer: REFERER }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArcGisRefusedError);
    expect((error as Error).message).toContain(`The portal would not issue a token for ${sim.federatedServerUrl('hosted2')}: that server is not federated with (registered with) this portal.`);
  });

  it('gets app tokens with OAuth client credentials, expires_in read as seconds', async () => {
    const before = Date.now();
    const issued = await issuer().issue({ deadline: Date.now() + 25_000, target: target({ url: sim.portalUrl, expirationMinutes: 120 }), credentials: app, client: 'referer', referer: REFERER });
    expect(issued.binding).toEqual({ client: 'none' });
    expect(issued.expires).toBeGreaterThanOrEqual(before + 120 * 60_000);
    expect(issued.expires).toBeLessThanOrEqual(Date.now() + 120 * 60_000);
    expect(sim.requests.at(-1)!.form).toMatchObject({ client_id: 'fake-app', grant_type: 'client_credentials', expiration: '120', f: 'json' });
  });

  it('refuses app credentials for a standalone server, saying what to use instead', async () => {
    const error = await issuer().issue({ deadline: Date.now() + 25_000, target: target({ url: sim.serverUrl }), credentials: app, client: 'referer', referer: REFERER }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('app credentials need a portal or ArcGIS Online');
  });

  it('logs in at the Server Administrator API for kind admin', async () => {
    const issued = await issuer().issue({ deadline: Date.now() + 25_000, target: target({ url: sim.serverUrl, kind: 'admin' }), credentials: user, client: 'referer', referer: REFERER });
    expect(sim.requests.at(-1)!.path).toBe(new URL(sim.adminTokenUrl).pathname);
    const admin = (await (await fetch(`${sim.serverUrl}/admin/?f=json&token=${encodeURIComponent(issued.token)}`, { headers: { referer: REFERER } })).json()) as unknown;
    expect(admin).toEqual({ resources: ['machines', 'clusters', 'services'] });
  });

  it('checks the new token on serviceUrl and reports a wrong dispenser before it is cached', async () => {
    const fed = sim.federatedServerUrl('server');
    // kind portal: a portal token, which the federated server's layer refuses without exchange.
    const error = await issuer()
      .issue({ deadline: Date.now() + 25_000, target: target({ url: sim.portalUrl, kind: 'portal', serviceUrl: `${fed}/rest/services/Demo/FeatureServer/0` }), credentials: user, client: 'referer', referer: REFERER })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArcGisRefusedError);
    expect((error as ArcGisRefusedError).arcgis.code).toBe(498);
    expect((error as Error).message).toContain(`The service rejected a fresh token from ${sim.portalTokenUrl}: it came from the wrong dispenser for this service.`);
    expect((error as Error).message).toContain('The token was not cached.');
  });

  it('passes the serviceUrl check with the right dispenser and the referer header', async () => {
    const fed = sim.federatedServerUrl('server');
    const issued = await issuer().issue({ deadline: Date.now() + 25_000, target: target({ url: fed, serviceUrl: `${fed}/rest/services/Demo/FeatureServer/0` }), credentials: user, client: 'referer', referer: REFERER });
    expect(issued.token.length).toBeGreaterThan(20);
  });

  it('discovers once per container', async () => {
    const shared = issuer();
    const t = target({ url: `${sim.serverUrl}/rest/services/Demo/FeatureServer/0` });
    const infoCalls = () => sim.requests.filter((r) => r.path.endsWith('/rest/info')).length;
    const before = infoCalls();
    await shared.issue({ deadline: Date.now() + 25_000, target: t, credentials: user, client: 'referer', referer: REFERER });
    await shared.issue({ deadline: Date.now() + 25_000, target: t, credentials: user, client: 'referer', referer: REFERER });
    expect(infoCalls() - before).toBe(1);
  });

  it('refuses a token service that discovery names with plain http unless allowed', async () => {
    const strict = new ArcGisTokenIssuer({ timeoutMs: 2_000 });
    const error = await strict.issue({ deadline: Date.now() + 25_000, target: target({ url: sim.serverUrl }), credentials: user, client: 'referer', referer: REFERER }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(`names ${sim.serverTokenUrl} as its token service: refusing to send credentials over plain http`);
  });
});

describe('ArcGisTokenIssuer portal token cache (federated)', () => {
  it('reuses the portal token for a second exchange on the same portal, with one password login', async () => {
    const shared = issuer();
    const fed = sim.federatedServerUrl('server');
    const before = { logins: sim.passwordLoginCount(), exchanges: sim.exchangeCount() };
    const first = await shared.issue({ deadline: Date.now() + 25_000, target: target({ url: fed, name: 'a' }), credentials: user, client: 'referer', referer: REFERER });
    const second = await shared.issue({ deadline: Date.now() + 25_000, target: target({ url: `${fed}/rest/services`, name: 'b' }), credentials: user, client: 'referer', referer: REFERER });
    expect([sim.passwordLoginCount() - before.logins, sim.exchangeCount() - before.exchanges]).toEqual([1, 2]);
    expect(second.token).not.toBe(first.token);
    expect(second.expires).toBeLessThanOrEqual(first.expires);
  });

  it('logs in again for another binding or account', async () => {
    const shared = issuer();
    const fed = sim.federatedServerUrl('server');
    const before = sim.passwordLoginCount();
    await shared.issue({ deadline: Date.now() + 25_000, target: target({ url: fed }), credentials: user, client: 'referer', referer: REFERER });
    await shared.issue({ deadline: Date.now() + 25_000, target: target({ url: fed, referer: 'https://other.example.com' }), credentials: user, client: 'referer', referer: 'https://other.example.com' });
    expect(sim.passwordLoginCount() - before).toBe(2);
  });
});

// The route table: one path, one handler; when a configured token service path is also a
// resource's path, the token service answers (as the if-chain it replaced decided).
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SIMULATOR_USER, startArcGisSimulator, type ArcGisSimulator } from '../../../lambda/local/arcgis-simulator.js';

const started: ArcGisSimulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.close()));
});

const login = new URLSearchParams({ username: DEFAULT_SIMULATOR_USER.username, password: DEFAULT_SIMULATOR_USER.password, f: 'json' }).toString();
const form = { 'content-type': 'application/x-www-form-urlencoded' };

describe('the route table', () => {
  it('gives a path shared by the token service and rest/info to the token service', async () => {
    const sim = await startArcGisSimulator({ tokenServicesPath: '/rest/info', now: () => 1_700_000_000_000 });
    started.push(sim);
    expect(sim.serverTokenUrl).toBe(`${sim.serverUrl}/rest/info`);

    const token = await fetch(sim.serverTokenUrl, { method: 'POST', body: login, headers: form });
    expect(await token.text()).toMatch(/^\{"token":"[A-Za-z0-9_-]{43}","expires":1700003600000,"ssl":false\}$/);
    // rest/info itself is now the token operation: a GET is refused as on any generateToken.
    const info = await fetch(`${sim.serverUrl}/rest/info?f=json`);
    expect(info.status).toBe(405);
    expect(info.headers.get('allow')).toBe('POST');
    expect(sim.loginCount()).toBe(2);
  });

  it('gives a path shared by the standalone token service and the admin API to the standalone token service', async () => {
    const sim = await startArcGisSimulator({ tokenServicesPath: '/admin/generateToken', now: () => 1_700_000_000_000 });
    started.push(sim);
    const answer = await fetch(sim.adminTokenUrl, { method: 'POST', body: new URLSearchParams({ f: 'json' }).toString(), headers: form });
    // The standalone server's wording of a failed login, not the admin API's ({"status":"error",...}).
    expect(await answer.text()).toBe('{"error":{"code":401,"message":"You are not authorized to access this information","details":"Invalid credentials"}}');
  });

  it('answers every path it has no route for with the 404 page, on a federated server too', async () => {
    const sim = await startArcGisSimulator({ federatedServers: [{ adaptor: 'fed', registered: true }] });
    started.push(sim);
    for (const path of ['/fed/tokens/generateToken', '/fed/rest/info/', '/arcgis/rest/services/Demo/FeatureServer/1', '/portal/sharing/rest/generatetoken']) {
      const answer = await fetch(`${sim.url}${path}?f=json`);
      expect([path, answer.status, answer.headers.get('content-type')]).toEqual([path, 404, 'text/html;charset=utf-8']);
    }
  });
});

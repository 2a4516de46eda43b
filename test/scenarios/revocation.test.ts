// Tokens that die before they expire (ArcGIS's token key rotated, a site restored, an account
// disabled) are found and replaced: by the schedule's check, and by callers reporting them with
// X-Rejected-Token. Over real HTTP: the local server in front of the service, the ArcGIS simulator
// invalidating every token it issued, and the typed Node client retrying once on a 498.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryTokenStore } from '../../lambda/adapters/memory-token-store.js';
import { StaticCredentialSource } from '../../lambda/adapters/static-credentials.js';
import { ArcGisTokenIssuer } from '../../lambda/arcgis/arcgis-token-issuer.js';
import { createTokenClient, type TokenAnswer } from '../../lambda/client/index.js';
import { parseServiceConfig } from '../../lambda/domain/config/parse-config.js';
import { MemoryLoginCoordinator } from '../../lambda/service/memory-login-coordinator.js';
import { wire, type Wiring } from '../../lambda/handlers/composition.js';
import { startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import { createLocalServer } from '../../lambda/local/http-server.js';
import { CapturingLog } from '../service/fakes.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';

const REFERER = 'https://apps.example.com';
let sim: ArcGisSimulator;
let app: Wiring;
let server: Server;
let base: string;

beforeEach(async () => {
  sim = await startArcGisSimulator({ users: [FAKE] });
  const config = parseServiceConfig({ targets: [{ name: 'maps', url: sim.portalUrl, referer: REFERER, secretId: 'arcgis/maps' }], allowInsecureHttp: true }, 'test');
  app = wire(config, {
    store: new MemoryTokenStore(),
    coordinator: new MemoryLoginCoordinator(),
    credentials: new StaticCredentialSource(new Map([['arcgis/maps', { kind: 'user', ...FAKE }]])),
    issuer: new ArcGisTokenIssuer({ timeoutMs: 2_000, allowInsecureHttp: true }),
    log: new CapturingLog(),
  });
  server = createLocalServer(app.apiGateway);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await sim.close();
});

/** Uses a token as an app would: the portal's own resource, with the Referer the answer names. */
async function usePortal(answer: TokenAnswer): Promise<{ name: string }> {
  const response = await fetch(`${sim.portalUrl}/sharing/rest/portals/self?f=json`, { headers: { 'x-esri-authorization': `Bearer ${answer.token}`, referer: answer.usage.refererHeader! } });
  const body = (await response.json()) as { error?: { code: number }; name: string };
  if (body.error !== undefined) throw Object.assign(new Error(`ArcGIS error ${body.error.code}`), { body });
  return body;
}

const ask = (headers: Record<string, string> = {}) => fetch(`${base}/token/maps`, { headers }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

describe('a token revoked before its expiry', () => {
  it('is replaced when a caller reports it with X-Rejected-Token and ArcGIS confirms; one login for ten reports', async () => {
    const first = await ask();
    sim.revokeAll();
    const reports = await Promise.all(Array.from({ length: 10 }, () => ask({ 'X-Rejected-Token': String(first.body.token) })));
    expect(new Set(reports.map((r) => r.status))).toEqual(new Set([200]));
    const tokens = new Set(reports.map((r) => r.body.token));
    expect(tokens.size).toBe(1);
    expect(tokens.has(first.body.token)).toBe(false);
    expect(sim.passwordLoginCount()).toBe(2);
  });

  it('is kept when ArcGIS still accepts it: a report causes no login', async () => {
    const first = await ask();
    const report = await ask({ 'x-rejected-token': String(first.body.token) });
    expect([report.status, report.body.token, report.body.source]).toEqual([200, first.body.token, 'cache']);
    expect(sim.passwordLoginCount()).toBe(1);
  });

  it('answers 400 to a malformed report without quoting it', async () => {
    const answer = await ask({ 'X-Rejected-Token': 'fake token with spaces' });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).not.toContain('fake token with spaces');
  });

  it('is found by the next scheduled run, which replaces it', async () => {
    const first = await ask();
    expect(await app.schedule()).toMatchObject({ fresh: ['maps'] });
    sim.revokeAll();
    expect(await app.schedule()).toMatchObject({ refreshed: ['maps'] });
    const next = await ask();
    expect([next.body.source, next.body.token === first.body.token]).toEqual(['cache', false]);
    await expect(usePortal(next.body as unknown as TokenAnswer)).resolves.toMatchObject({ name: expect.any(String) });
  });

  it('is retried once by the Node client with the rejected token, and the app carries on', async () => {
    const client = createTokenClient({ apiUrl: `${base}/token`, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret' } });
    await client.withToken(usePortal, { target: 'maps' });
    sim.revokeAll();
    const portal = await client.withToken(usePortal, { target: 'maps' });
    expect(portal.name).toEqual(expect.any(String));
    expect(sim.passwordLoginCount()).toBe(2);
  });

  it('fails after one retry when the new token is rejected too, without asking a third time', async () => {
    const client = createTokenClient({ apiUrl: `${base}/token`, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret' } });
    let uses = 0;
    const alwaysRejected = async () => {
      uses++;
      throw Object.assign(new Error('ArcGIS error 498'), { body: { error: { code: 498, message: 'Invalid Token', details: [] } } });
    };
    await expect(client.withToken(alwaysRejected, { target: 'maps' })).rejects.toThrow('ArcGIS error 498');
    expect(uses).toBe(2);
  });
});

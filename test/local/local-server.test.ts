// `npm start` as a user runs it: a child process, its banner, and a token fetched over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';
import { startLocalServer, type LocalProcess } from './local-process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

function exitOf(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(tsx, ['lambda/local/main.ts'], { cwd: root, env: { PATH: process.env.PATH ?? '', PORT: '0', ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

function stop(started: LocalProcess): Promise<void> {
  return new Promise((resolve) => {
    started.child.once('exit', () => resolve());
    started.child.kill('SIGTERM');
  });
}

describe('npm start with the built-in simulator', () => {
  let started: LocalProcess;
  beforeAll(async () => {
    started = await startLocalServer({});
  });
  afterAll(() => stop(started));

  it('says in its banner that the simulator stands in for ArcGIS', () => {
    expect(started.output()).toMatch(/ArcGIS: built-in simulator at http:\/\/127\.0\.0\.1:\d+; set ARCGIS_URL/);
    expect(started.output()).toMatch(/target "default" \(default\): http:\/\/127\.0\.0\.1:\d+\/portal \(client referer, referer http:\/\/localhost, 60 min\) as user "demo"/);
    expect(started.output()).toContain(`try: curl ${started.base}/token`);
  });

  it('answers GET /token with a token, then serves it from cache', async () => {
    const response = await fetch(`${started.base}/token`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ target: 'default', client: 'referer', referer: 'http://localhost', ssl: false, source: 'generated' });
    expect(new Date(body.expiresAt as string).getTime()).toBe(body.expires);

    const again = (await (await fetch(`${started.base}/token?minValidity=600`)).json()) as Record<string, unknown>;
    expect(again).toMatchObject({ token: body.token, source: 'cache' });
    expect(started.output()).not.toContain(body.token as string);
  });

  it('answers problem+json for an unknown target, a bad query, an unknown path and a POST', async () => {
    const unknown = await fetch(`${started.base}/token/other`);
    expect([unknown.status, unknown.headers.get('content-type')]).toEqual([404, 'application/problem+json']);
    expect(((await unknown.json()) as { detail: string }).detail).toBe('There is no target named "other". Configured targets: default.');

    const bad = await fetch(`${started.base}/token?minValidity=-1`);
    expect(bad.status).toBe(400);

    const elsewhere = await fetch(`${started.base}/tokens`);
    expect(elsewhere.status).toBe(404);

    const post = await fetch(`${started.base}/token`, { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET']);
  });
});

describe('npm start against a given ArcGIS site', () => {
  let sim: ArcGisSimulator;
  beforeAll(async () => {
    sim = await startArcGisSimulator({ users: [FAKE] });
  });
  afterAll(() => sim.close());

  it('uses ARCGIS_* settings and never prints the password', async () => {
    const started = await startLocalServer({
      ARCGIS_URL: sim.serverUrl,
      ARCGIS_USERNAME: FAKE.username,
      ARCGIS_PASSWORD: FAKE.password,
      ARCGIS_CLIENT: 'ip',
      ARCGIS_IP: '198.51.100.4',
      ARCGIS_EXPIRATION: '30',
      ARCGIS_ALLOW_INSECURE_HTTP: '1',
    });
    try {
      const body = (await (await fetch(`${started.base}/token`)).json()) as Record<string, unknown>;
      expect(body).toMatchObject({ client: 'ip', ip: '198.51.100.4', source: 'generated' });
      expect(sim.requests.at(-1)!.form).toMatchObject({ username: FAKE.username, client: 'ip', ip: '198.51.100.4', expiration: '30', f: 'json' });
      expect(started.output()).toContain(`target "default" (default): ${sim.serverUrl} (client ip, ip 198.51.100.4, 30 min) as user "fake-user"`);
      expect(started.output()).not.toContain(FAKE.password);
    } finally {
      await stop(started);
    }
  });

  it('refuses to start on plain http without ARCGIS_ALLOW_INSECURE_HTTP, naming the fix', async () => {
    const { code, output } = await exitOf({ ARCGIS_URL: sim.serverUrl, ARCGIS_USERNAME: FAKE.username, ARCGIS_PASSWORD: FAKE.password, ARCGIS_REFERER: 'https://apps.example.com' });
    expect(code).toBe(1);
    expect(output).toContain('targets[0].url: http:// would send the password in clear');
    expect(output).not.toContain(FAKE.password);
  });

  it('refuses to start without credentials for a real site', async () => {
    const { code, output } = await exitOf({ ARCGIS_URL: 'https://gis.example.com/portal', ARCGIS_REFERER: 'https://apps.example.com' });
    expect(code).toBe(1);
    expect(output).toContain('ARCGIS_USERNAME and ARCGIS_PASSWORD (or ARCGIS_CLIENT_ID and ARCGIS_CLIENT_SECRET) must both be set when ARCGIS_URL names a real ArcGIS site.');
  });
});

describe('npm start with TARGETS_FILE', () => {
  let sim: ArcGisSimulator;
  let dir: string;
  beforeAll(async () => {
    sim = await startArcGisSimulator({ users: [FAKE, { username: 'fake-ops', password: 'fake-ops-password' }] });
    dir = mkdtempSync(join(tmpdir(), 'atv-targets-'));
    writeFileSync(
      join(dir, 'targets.json'),
      JSON.stringify({
        targets: [
          { name: 'maps', url: sim.portalUrl, referer: 'https://maps.example.com', secretId: 'arcgis/maps' },
          { name: 'ops', url: sim.serverUrl, client: 'ip', ip: '203.0.113.9', expirationMinutes: 15, secretId: 'arcgis/ops' },
        ],
        defaultTarget: 'ops',
        allowInsecureHttp: true,
      }),
    );
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify({ 'arcgis/maps': FAKE, 'arcgis/ops': { username: 'fake-ops', password: 'fake-ops-password' } }));
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves each target with its own credentials and settings', async () => {
    const started = await startLocalServer({ TARGETS_FILE: join(dir, 'targets.json'), SECRETS_FILE: join(dir, 'secrets.json') });
    try {
      expect(started.output()).toContain(`target "maps": ${sim.portalUrl} (client referer, referer https://maps.example.com, 60 min) as user "fake-user"`);
      expect(started.output()).toContain(`target "ops" (default): ${sim.serverUrl} (client ip, ip 203.0.113.9, 15 min) as user "fake-ops"`);
      const ops = (await (await fetch(`${started.base}/token`)).json()) as Record<string, unknown>;
      const maps = (await (await fetch(`${started.base}/token/maps`)).json()) as Record<string, unknown>;
      expect([ops.target, ops.client, maps.target, maps.referer]).toEqual(['ops', 'ip', 'maps', 'https://maps.example.com']);
      expect(ops.token).not.toBe(maps.token);
      expect(sim.requests.filter((r) => r.path.endsWith('generateToken')).map((r) => r.form.username)).toEqual(['fake-ops', 'fake-user']);
      expect(started.output()).not.toContain('fake-ops-password');
    } finally {
      await stop(started);
    }
  });

  it('refuses to start when SECRETS_FILE lacks a target secret', async () => {
    writeFileSync(join(dir, 'partial.json'), JSON.stringify({ 'arcgis/maps': FAKE }));
    const { code, output } = await exitOf({ TARGETS_FILE: join(dir, 'targets.json'), SECRETS_FILE: join(dir, 'partial.json') });
    expect(code).toBe(1);
    expect(output).toContain(`SECRETS_FILE (${join(dir, 'partial.json')}) has no credentials for secretId "arcgis/ops".`);
    expect(output).not.toContain(FAKE.password);
  });

  it('refuses an invalid TARGETS_FILE naming the field', async () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ targets: [{ name: 'maps', url: sim.portalUrl, secretId: 'arcgis/maps' }], allowInsecureHttp: true }));
    const { code, output } = await exitOf({ TARGETS_FILE: join(dir, 'bad.json'), ARCGIS_USERNAME: 'u', ARCGIS_PASSWORD: 'fake-p' });
    expect(code).toBe(1);
    expect(output).toContain(`Invalid configuration in TARGETS_FILE (${join(dir, 'bad.json')}):\n  - targets[0].referer: client "referer" needs a referer`);
  });
});

// `npm start` as a user runs it: a child process, its banner, and a token fetched over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

interface Started {
  child: ChildProcessWithoutNullStreams;
  base: string;
  output: () => string;
}

function start(env: Record<string, string>): Promise<Started> {
  const child = spawn(tsx, ['lambda/local/main.ts'], { cwd: root, env: { PATH: process.env.PATH ?? '', PORT: '0', ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner within 30 s:\n${output}`)), 30_000);
    child.stdout.on('data', () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, base: match[1]!, output: () => output });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${output}`));
    });
  });
}

function exitOf(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(tsx, ['lambda/local/main.ts'], { cwd: root, env: { PATH: process.env.PATH ?? '', PORT: '0', ...env } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

function stop(started: Started): Promise<void> {
  return new Promise((resolve) => {
    started.child.once('exit', () => resolve());
    started.child.kill('SIGTERM');
  });
}

describe('npm start with the built-in simulator', () => {
  let started: Started;
  beforeAll(async () => {
    started = await start({});
  });
  afterAll(() => stop(started));

  it('says in its banner that the simulator stands in for ArcGIS', () => {
    expect(started.output()).toMatch(/ArcGIS: built-in simulator at http:\/\/127\.0\.0\.1:\d+ \(user "demo"\)/);
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
    const started = await start({
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
      expect(started.output()).toContain(`ArcGIS: ${sim.serverUrl} as user "fake-user"`);
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
    expect(output).toContain('ARCGIS_USERNAME and ARCGIS_PASSWORD must both be set');
  });
});

// `npm start` as a user runs it (a child process, real HTTP), for what the local server must do like
// the deployed one: the same clean 400 for prototype keys in the query, a corrected SECRETS_FILE
// ending a login pause as a new secret version does, a warning when it listens beyond loopback, and
// TARGETS_FILE carrying the credential-origin settings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLoopback } from '../../lambda/local/local-config.js';
import { startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

interface Started {
  child: ChildProcessWithoutNullStreams;
  /** Where to reach it from here (loopback even when it listens on every interface). */
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
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(output);
      if (match && output.includes('try: curl')) {
        clearTimeout(timer);
        // stderr is written right after the banner: give it a moment to arrive.
        setTimeout(() => resolve({ child, base: `http://127.0.0.1:${match[1]}`, output: () => output }), 200);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${output}`));
    });
  });
}

function stop(started: Started): Promise<void> {
  return new Promise((resolve) => {
    started.child.once('exit', () => resolve());
    started.child.kill('SIGTERM');
  });
}

describe('query keys that are Object.prototype members', () => {
  let started: Started;
  beforeAll(async () => {
    started = await start({});
  });
  afterAll(() => stop(started));

  it.each([['__proto__'], ['constructor'], ['toString'], ['hasOwnProperty'], ['__defineGetter__'], ['valueOf']])('?%s=1 gets the handler\'s 400, not a 500', async (key) => {
    const response = await fetch(`${started.base}/token?${key}=1`);
    expect([response.status, response.headers.get('content-type')]).toEqual([400, 'application/problem+json']);
    expect(((await response.json()) as { detail: string }).detail).toBe(`Bad query string: unknown query parameter(s) "${key}"; the only one supported is minValidity.`);
  });

  it('a repeated __proto__ beside a valid minValidity is refused the same way', async () => {
    const response = await fetch(`${started.base}/token?minValidity=60&__proto__=1&__proto__=2`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { detail: string }).detail).toBe('Bad query string: unknown query parameter(s) "__proto__"; the only one supported is minValidity.');
  });
});

describe('SECRETS_FILE', () => {
  let sim: ArcGisSimulator;
  let dir: string;
  beforeAll(async () => {
    sim = await startArcGisSimulator({ users: [FAKE] });
    dir = mkdtempSync(join(tmpdir(), 'atv-secrets-'));
  });
  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('corrected while logins are paused ends the pause, as a new secret version does in AWS', async () => {
    const targets = join(dir, 'targets.json');
    const secrets = join(dir, 'secrets.json');
    writeFileSync(targets, JSON.stringify({ targets: [{ name: 'ops', url: sim.serverTokenUrl, referer: 'https://apps.example.com', secretId: 'arcgis/ops' }], allowInsecureHttp: true }));
    writeFileSync(secrets, JSON.stringify({ 'arcgis/ops': { username: FAKE.username, password: 'fake-wrong-password' } }));
    const started = await start({ TARGETS_FILE: targets, SECRETS_FILE: secrets });
    try {
      const before = sim.passwordLoginCount();
      const rejected = await fetch(`${started.base}/token`);
      expect([rejected.status, ((await rejected.json()) as { type: string }).type]).toEqual([502, 'urn:arcgis-token-vending:problem:invalid-credentials']);
      const paused = await fetch(`${started.base}/token`);
      expect([paused.status, ((await paused.json()) as { type: string }).type]).toEqual([503, 'urn:arcgis-token-vending:problem:login-paused']);

      writeFileSync(secrets, JSON.stringify({ 'arcgis/ops': FAKE }));
      // While paused the secret is re-read at most every 10 s (PAUSED_SECRET_MAX_AGE_MS), as in AWS.
      let answer: { status: number; body: Record<string, unknown> } | undefined;
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const response = await fetch(`${started.base}/token`);
        answer = { status: response.status, body: (await response.json()) as Record<string, unknown> };
        if (answer.status === 200) break;
        expect(answer.body.type).toBe('urn:arcgis-token-vending:problem:login-paused');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      expect(answer).toMatchObject({ status: 200, body: { target: 'ops', source: 'generated' } });
      // One rejected login, one with the corrected password: none while paused.
      expect(sim.passwordLoginCount() - before).toBe(2);
      expect(started.output()).not.toContain(FAKE.password);
      expect(started.output()).not.toContain('fake-wrong-password');
    } finally {
      await stop(started);
    }
  });
});

describe('HOST', () => {
  it('warns that the API has no authentication when it listens beyond loopback', async () => {
    const started = await start({ HOST: '0.0.0.0' });
    try {
      expect(started.output()).toContain('listening on http://0.0.0.0:');
      expect(started.output()).toMatch(/WARNING: HOST=0\.0\.0\.0 serves the local API beyond this machine, and it has no authentication: anyone who can reach http:\/\/0\.0\.0\.0:\d+ gets ArcGIS tokens for the targets above\. Use HOST=127\.0\.0\.1 \(the default\)/);
      expect((await fetch(`${started.base}/token`)).status).toBe(200);
    } finally {
      await stop(started);
    }
  });

  it('says nothing of the kind on loopback', async () => {
    const started = await start({ HOST: '127.0.0.1' });
    try {
      expect(started.output()).not.toContain('WARNING');
    } finally {
      await stop(started);
    }
  });

  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.10', false],
    ['gis-dev.example.com', false],
  ])('isLoopback(%j) is %s', (host, loopback) => {
    expect(isLoopback(host)).toBe(loopback);
  });
});

describe('TARGETS_FILE with allowedOrigins', () => {
  let sim: ArcGisSimulator;
  let other: ArcGisSimulator;
  let dir: string;
  beforeAll(async () => {
    sim = await startArcGisSimulator({ users: [FAKE] });
    other = await startArcGisSimulator({ users: [FAKE], serverAdaptor: 'internal' });
    // The server names a token service on another origin (its internal machine name, say).
    sim.advertise('arcgis', { tokenServicesUrl: `${other.serverUrl}/tokens/` });
    dir = mkdtempSync(join(tmpdir(), 'atv-origins-'));
  });
  afterAll(async () => {
    await sim.close();
    await other.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses the foreign token service without it, and logs in there with it', async () => {
    const file = (allowedOrigins?: string[]) => {
      const path = join(dir, `targets-${allowedOrigins === undefined ? 'strict' : 'allowed'}.json`);
      writeFileSync(path, JSON.stringify({ targets: [{ name: 'gis', url: sim.serverUrl, referer: 'https://apps.example.com', secretId: 'arcgis/gis', ...(allowedOrigins ? { allowedOrigins } : {}) }], allowInsecureHttp: true }));
      return path;
    };
    const env = { ARCGIS_USERNAME: FAKE.username, ARCGIS_PASSWORD: FAKE.password };

    const strict = await start({ ...env, TARGETS_FILE: file() });
    try {
      const response = await fetch(`${strict.base}/token`);
      const body = (await response.json()) as Record<string, unknown>;
      expect([response.status, body.type, body.foreignOrigin, body.setting]).toEqual([502, 'urn:arcgis-token-vending:problem:foreign-token-origin', other.url, 'allowedOrigins']);
      expect(other.requests).toEqual([]);
    } finally {
      await stop(strict);
    }

    const allowed = await start({ ...env, TARGETS_FILE: file([other.url]) });
    try {
      const response = await fetch(`${allowed.base}/token`);
      expect(response.status).toBe(200);
      expect(other.passwordLoginCount()).toBe(1);
      expect(allowed.output()).toContain(`"credentialOrigins":["${other.url}"]`);
    } finally {
      await stop(allowed);
    }
  });
});

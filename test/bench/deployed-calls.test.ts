// The AWS calls the cost model prices, made by the deployed entry itself (bundled with the deployed
// esbuild settings, run in fresh Node processes against the https stand-ins, as the bench runs it):
// a cold cached request reads SSM alone, a scheduled run that finds the token fresh reads the token
// and the secret, and a login in a container of its own adds the token read under the lease, the
// read-back before the write, the write, the secret and the lease's two conditional writes.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeployedEntry, bundleSize, staticallyLoadedFiles } from '../../bench/bundles.js';
import { CACHED_REQUEST_CALLS, functionConfigEnvironment, seedCachedToken } from '../../bench/cold-start.js';
import { FAKE_LOGIN, SECRET_ID } from '../../bench/aws-wiring.js';
import { callsPerEvent, loginCalls, scheduledRunCalls } from '../../bench/event-calls.js';
import { startFakeAws } from '../../bench/fake-aws.js';
import { fleetStorm, summarizeFleet } from '../../bench/fleet-storm.js';
import { lambdaEnvironment, parseWrapperResult, runNode, writeHandlerWrapper } from '../../bench/lambda-process.js';
import type { NodeRuntime } from '../../bench/node-runtimes.js';
import { createPrivateCa, type PrivateCa } from '../../bench/private-ca.js';
import { httpApiEvent } from '../handlers/events.js';

const runtime: NodeRuntime = { label: 'this Node', path: process.execPath, version: process.version };

describe('the deployed entry\'s AWS calls per event', () => {
  let dir: string;
  let ca: PrivateCa;
  let bundle: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'atv-deployed-calls-'));
    ca = createPrivateCa(join(dir, 'ca'));
    bundle = await buildDeployedEntry(join(dir, 'deployed'));
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a cold cached request makes one GetParameter and nothing else: no secret read, no DynamoDB call', async () => {
    const aws = await startFakeAws({ tls: ca });
    try {
      seedCachedToken(aws);
      const wrapper = writeHandlerWrapper(join(dir, 'cached-wrapper.mjs'), bundle, httpApiEvent());
      const env = { ...lambdaEnvironment({ endpoints: aws.endpoints, caBundlePath: ca.caBundlePath, accessKeyId: 'AKIDCACHEDREQUEST' }), ...functionConfigEnvironment('https://gis.example.com/portal') };
      const result = parseWrapperResult((await runNode(process.execPath, [wrapper], env)).stdout);
      expect({ statusCode: result.statusCode, source: (JSON.parse(result.body) as { source: string }).source }).toEqual({ statusCode: 200, source: 'cache' });
      expect(aws.callsByAccessKey).toEqual({ AKIDCACHEDREQUEST: CACHED_REQUEST_CALLS });
      expect(CACHED_REQUEST_CALLS).toEqual({ GetParameter: 1 });
    } finally {
      await aws.close();
    }
  }, 30_000);

  it('the bundle with the login code left out answers a cached request alike, and refuses to build what a login needs', async () => {
    const without = await buildDeployedEntry(join(dir, 'without-login'), { leaveOutLoginCode: true });
    expect(bundleSize(without).totalBytes).toBeLessThan(bundleSize(bundle).totalBytes - 60 * 1024);
    for (const name of readdirSync(dirname(without))) expect([name, readFileSync(join(dirname(without), name), 'utf8').includes('com.amazonaws.dynamodb')]).toEqual([name, false]);
    const aws = await startFakeAws({ tls: ca });
    try {
      const env = { ...lambdaEnvironment({ endpoints: aws.endpoints, caBundlePath: ca.caBundlePath, accessKeyId: 'AKIDWITHOUTLOGIN' }), ...functionConfigEnvironment('https://gis.example.com/portal') };
      const cached = writeHandlerWrapper(join(dir, 'without-cached.mjs'), without, httpApiEvent());
      seedCachedToken(aws);
      const result = parseWrapperResult((await runNode(process.execPath, [cached], env)).stdout);
      expect({ statusCode: result.statusCode, source: (JSON.parse(result.body) as { source: string }).source }).toEqual({ statusCode: 200, source: 'cache' });
      expect(aws.callsByAccessKey).toEqual({ AKIDWITHOUTLOGIN: CACHED_REQUEST_CALLS });
      // An empty store needs a login: the stand-in for the Secrets Manager source refuses to be built.
      aws.parameters.clear();
      aws.secrets.set(SECRET_ID, JSON.stringify(FAKE_LOGIN));
      const login = parseWrapperResult((await runNode(process.execPath, [cached], env)).stdout);
      expect(login.statusCode).toBe(500);
      expect(aws.calls.GetSecretValue).toBeUndefined();
    } finally {
      await aws.close();
    }
  }, 30_000);

  it('a cold cached request reads none of the login chunks: a copy without them answers it, and only a login fails', async () => {
    const all = readdirSync(dirname(bundle)).filter((name) => name.endsWith('.mjs')).sort();
    const loaded = staticallyLoadedFiles(bundle);
    const loginOnly = all.filter((name) => !loaded.includes(name));
    // The login adapters (DynamoDB and Secrets Manager clients, coordinator, issuer), the schemas (with zod) and the SDK's own lazily imported code.
    expect(loginOnly.map((name) => name.replace(/-[A-Z0-9]{8}\.mjs$/, '')).filter((name) => !name.startsWith('chunk'))).toEqual(['bowser', 'event-streams', 'login-adapters', 'parse-config', 'target-state-schema', 'token-query-schema']);
    expect(loaded.includes('index.mjs')).toBe(true);
    for (const name of loaded) expect([name, readFileSync(join(dirname(bundle), name), 'utf8').includes('com.amazonaws.dynamodb')]).toEqual([name, false]);
    const copy = join(dir, 'cached-path-only');
    cpSync(dirname(bundle), copy, { recursive: true });
    for (const name of loginOnly) rmSync(join(copy, name));
    expect(readdirSync(copy).sort()).toEqual(loaded);
    const aws = await startFakeAws({ tls: ca });
    try {
      const env = { ...lambdaEnvironment({ endpoints: aws.endpoints, caBundlePath: ca.caBundlePath, accessKeyId: 'AKIDCACHEDPATHONLY' }), ...functionConfigEnvironment('https://gis.example.com/portal') };
      const wrapper = writeHandlerWrapper(join(dir, 'cached-path-only-wrapper.mjs'), join(copy, 'index.mjs'), httpApiEvent());
      seedCachedToken(aws);
      const cached = parseWrapperResult((await runNode(process.execPath, [wrapper], env)).stdout);
      expect({ statusCode: cached.statusCode, source: (JSON.parse(cached.body) as { source: string }).source }).toEqual({ statusCode: 200, source: 'cache' });
      expect(aws.callsByAccessKey).toEqual({ AKIDCACHEDPATHONLY: CACHED_REQUEST_CALLS });
      // An empty store needs a login, whose code is missing from this copy: that request fails, and says why in the log.
      aws.parameters.clear();
      aws.secrets.set(SECRET_ID, JSON.stringify(FAKE_LOGIN));
      const run = await runNode(process.execPath, [wrapper], env);
      const login = parseWrapperResult(run.stdout);
      expect(login.statusCode).toBe(500);
      expect(`${run.stdout}${run.stderr}`).toMatch(/Cannot find module '[^']*\/cached-path-only\/login-adapters-[A-Z0-9]{8}\.mjs'/);
      expect(aws.calls.GetSecretValue).toBeUndefined();
    } finally {
      await aws.close();
    }
  }, 30_000);

  it('a cold cached request reads no chunk holding zod: a copy without them answers it, and a bad query still gets its exact 400 from the full bundle', async () => {
    const all = readdirSync(dirname(bundle)).filter((name) => name.endsWith('.mjs')).sort();
    const loaded = staticallyLoadedFiles(bundle);
    // zod/mini's own code: its error class registers this name, and the English locale this message.
    const holdsZod = (name: string) => {
      const code = readFileSync(join(dirname(bundle), name), 'utf8');
      return code.includes('$ZodError') || code.includes('Too small: expected');
    };
    const withZod = all.filter(holdsZod);
    expect(withZod.length).toBeGreaterThan(0);
    expect(loaded.filter(holdsZod)).toEqual([]);
    const copy = join(dir, 'cached-path-without-zod');
    cpSync(dirname(bundle), copy, { recursive: true });
    for (const name of withZod) rmSync(join(copy, name));
    const aws = await startFakeAws({ tls: ca });
    try {
      const env = { ...lambdaEnvironment({ endpoints: aws.endpoints, caBundlePath: ca.caBundlePath, accessKeyId: 'AKIDWITHOUTZOD' }), ...functionConfigEnvironment('https://gis.example.com/portal') };
      seedCachedToken(aws);
      const answer = async (file: string, event: unknown) => parseWrapperResult((await runNode(process.execPath, [writeHandlerWrapper(join(dir, `${basename(dirname(file))}-${Math.random().toString(36).slice(2)}.mjs`), file, event)], env)).stdout);
      const cached = await answer(join(copy, 'index.mjs'), httpApiEvent({ query: { minValidity: ['600'] } }));
      expect({ statusCode: cached.statusCode, source: (JSON.parse(cached.body) as { source: string }).source }).toEqual({ statusCode: 200, source: 'cache' });
      expect(aws.callsByAccessKey).toEqual({ AKIDWITHOUTZOD: CACHED_REQUEST_CALLS });
      // A query the plain check leaves needs the schema: the copy cannot load it, the full bundle words the refusal as ever.
      const badQuery = httpApiEvent({ query: { minValidity: ['1', '2'] } });
      expect((await answer(join(copy, 'index.mjs'), badQuery)).statusCode).toBe(500);
      const refused = await answer(bundle, badQuery);
      expect({ statusCode: refused.statusCode, detail: (JSON.parse(refused.body) as { detail: string }).detail }).toEqual({ statusCode: 400, detail: 'Bad query string: give minValidity once.' });
    } finally {
      await aws.close();
    }
  }, 30_000);

  it('a scheduled run that finds the token fresh reads the token and the secret (the owner check)', async () => {
    const calls = await scheduledRunCalls({ runtime, bundle, ca, dir });
    expect(calls).toEqual({ GetParameter: 1, GetSecretValue: 1 });
    expect(callsPerEvent(calls)).toEqual({ ssmReads: 1, ssmWrites: 0, secretReads: 1, dynamoWrites: 0, dynamoReads: 0 });
  }, 30_000);

  it('a login in a storm of one container adds 2 SSM reads, 1 SSM write, 1 secret read and 2 DynamoDB writes to its cold read', async () => {
    const storm = await fleetStorm(1, { runtime, bundle, ca, dir });
    expect({ logins: storm.logins, statusCode: storm.containers[0]!.statusCode, source: storm.containers[0]!.source }).toEqual({ logins: 1, statusCode: 200, source: 'generated' });
    expect(storm.containers[0]!.calls).toEqual({ GetParameter: 3, GetSecretValue: 1, PutParameter: 1, UpdateItem: 2 });
    const login = loginCalls([summarizeFleet(1, [storm])], CACHED_REQUEST_CALLS);
    expect(callsPerEvent(login)).toEqual({ ssmReads: 2, ssmWrites: 1, secretReads: 1, dynamoWrites: 2, dynamoReads: 0 });
  }, 30_000);
});

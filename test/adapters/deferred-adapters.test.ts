// The entry builds what only a login needs (the DynamoDB coordinator and its client, the Secrets
// Manager source and its client, the ArcGIS issuer) on first use: a cold container answering from
// the token store builds none of them, and one that logs in builds each once.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { deferredCoordinator, deferredCredentials, deferredIssuer } from '../../lambda/adapters/deferred-adapters.js';
import type { Target } from '../../lambda/domain/config/schema.js';
import type { IssueRequest, LoginCoordinator } from '../../lambda/domain/ports.js';
import { startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';
import { captureOutput } from '../handlers/output-capture.js';
import { call, configFor, loadHandler, resetAwsMocks, sm, ssm, tokenWrites, unloadConfig } from '../handlers/lambda-harness.js';

const built = vi.hoisted(() => [] as string[]);

// Each class as it is, counting its constructions.
vi.mock('@aws-sdk/client-dynamodb', async (importOriginal) => {
  const sdk = await importOriginal<typeof import('@aws-sdk/client-dynamodb')>();
  class DynamoDBClient extends sdk.DynamoDBClient {
    constructor(...args: ConstructorParameters<typeof sdk.DynamoDBClient>) {
      super(...args);
      built.push('DynamoDBClient');
    }
  }
  return { ...sdk, DynamoDBClient };
});
vi.mock('@aws-sdk/client-secrets-manager', async (importOriginal) => {
  const sdk = await importOriginal<typeof import('@aws-sdk/client-secrets-manager')>();
  class SecretsManagerClient extends sdk.SecretsManagerClient {
    constructor(...args: ConstructorParameters<typeof sdk.SecretsManagerClient>) {
      super(...args);
      built.push('SecretsManagerClient');
    }
  }
  return { ...sdk, SecretsManagerClient };
});
vi.mock('../../lambda/arcgis/arcgis-token-issuer.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../lambda/arcgis/arcgis-token-issuer.js')>();
  class ArcGisTokenIssuer extends original.ArcGisTokenIssuer {
    constructor(...args: ConstructorParameters<typeof original.ArcGisTokenIssuer>) {
      super(...args);
      built.push('ArcGisTokenIssuer');
    }
  }
  return { ...original, ArcGisTokenIssuer };
});

let sim: ArcGisSimulator;

beforeAll(async () => {
  sim = await startArcGisSimulator({ users: [FAKE] });
});
afterAll(async () => {
  await sim.close();
  await unloadConfig();
});
beforeEach(async () => {
  await resetAwsMocks();
  built.length = 0;
});

describe('the Lambda entry builds the login adapters on first use', () => {
  it('a cold container serving a cached token builds no DynamoDB or Secrets Manager client and no ArcGIS issuer', async () => {
    const output = captureOutput();
    try {
      // A token written by a first container (its record carries the settings fingerprint)…
      await call(await loadHandler(configFor(sim)));
      const written = tokenWrites()[0]!.Value!;
      ssm.on(GetParameterCommand, { Name: '/arcgis-token-vending/portal/token' }).resolves({ Parameter: { Value: written } });
      sm.resetHistory();
      built.length = 0;
      // …served by a new container from the store alone.
      const answer = await call(await loadHandler(configFor(sim)));
      expect({ status: answer.statusCode, source: answer.json.source }).toEqual({ status: 200, source: 'cache' });
      expect(built).toEqual([]);
      expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 0);
    } finally {
      output.restore();
    }
  });

  it('a container that logs in builds each of them once, however many logins follow', async () => {
    const output = captureOutput();
    try {
      const handler = await loadHandler(configFor(sim));
      expect(built).toEqual([]);
      expect((await call(handler)).json.source).toBe('generated');
      expect((await call(handler, { target: 'server' })).json.source).toBe('generated');
      expect([...built].sort()).toEqual(['ArcGisTokenIssuer', 'DynamoDBClient', 'SecretsManagerClient']);
    } finally {
      output.restore();
    }
  });
});

describe('deferred adapters', () => {
  it('build nothing until a method is called, then build once and pass every argument and answer through', async () => {
    const calls: unknown[][] = [];
    let builds = 0;
    const real: LoginCoordinator = {
      acquire: async (...args) => (calls.push(['acquire', ...args]), { granted: true, record: {} }),
      release: async (...args) => void calls.push(['release', ...args]),
      read: async (...args) => (calls.push(['read', ...args]), { demandAt: 7 }),
      admitCaller: async (...args) => (calls.push(['admitCaller', ...args]), false),
    };
    const coordinator = deferredCoordinator(async () => (builds++, real));
    expect(builds).toBe(0);
    const request = { account: 'a', holder: 'h', until: 2, now: 1, secretVersion: 'v1' };
    expect(await coordinator.acquire(request, 100)).toEqual({ granted: true, record: {} });
    await coordinator.release('a', 'h', { kind: 'success' }, 3, 200);
    expect(await coordinator.read('a', 300)).toEqual({ demandAt: 7 });
    expect(await coordinator.admitCaller({ scope: 't', caller: 'c', until: 9, now: 1, max: 1 }, 400)).toBe(false);
    expect(builds).toBe(1);
    expect(calls).toEqual([
      ['acquire', request, 100],
      ['release', 'a', 'h', { kind: 'success' }, 3, 200],
      ['read', 'a', 300],
      ['admitCaller', { scope: 't', caller: 'c', until: 9, now: 1, max: 1 }, 400],
    ]);
  });

  it('the issuer and the credential source likewise', async () => {
    const target: Target = { name: 't', url: 'https://gis.example.com/portal', client: 'referer', referer: 'https://apps.example.com', expirationMinutes: 60, secretId: 'fake/secret' };
    const request: IssueRequest = { target, credentials: { kind: 'user', username: 'fake-user', password: 'fake-password' }, client: 'referer', referer: 'https://apps.example.com' };
    let builds = 0;
    const issuer = deferredIssuer(async () => (builds++, { loginSite: async (_target, deadline) => `https://site.example.com/${deadline}`, issue: async () => ({ token: 'fake-token', expires: 5, ssl: true, binding: { client: 'referer' } }), check: async () => 'alive' as const }));
    const credentials = deferredCredentials(async () => (builds++, { read: async (secretId) => ({ credentials: { kind: 'user', username: secretId, password: 'fake-password' }, version: 'v2' }) }));
    expect(builds).toBe(0);
    expect(await credentials.read('fake/secret')).toEqual({ credentials: { kind: 'user', username: 'fake/secret', password: 'fake-password' }, version: 'v2' });
    expect(await credentials.read('fake/secret')).toMatchObject({ version: 'v2' });
    expect(builds).toBe(1);
    expect(await issuer.loginSite(target, 42)).toBe('https://site.example.com/42');
    expect(await issuer.issue(request)).toEqual({ token: 'fake-token', expires: 5, ssl: true, binding: { client: 'referer' } });
    expect(builds).toBe(2);
  });

  it('concurrent first calls share one build', async () => {
    let builds = 0;
    const credentials = deferredCredentials(async () => {
      builds++;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return { read: async (secretId) => ({ credentials: { kind: 'user', username: secretId, password: 'fake-password' }, version: 'v1' }) };
    });
    const answers = await Promise.all([credentials.read('a'), credentials.read('b'), credentials.read('c')]);
    expect(answers.map((a) => a.credentials.kind === 'user' && a.credentials.username)).toEqual(['a', 'b', 'c']);
    expect(builds).toBe(1);
  });

  it('a build that fails fails that call only: the next call builds again', async () => {
    let builds = 0;
    const credentials = deferredCredentials(async () => {
      if (builds++ === 0) throw new Error('Cannot find module ./login-adapters-X.mjs');
      return { read: async () => ({ credentials: { kind: 'user', username: 'fake-user', password: 'fake-password' }, version: 'v3' }) };
    });
    await expect(credentials.read('fake/secret')).rejects.toThrow('Cannot find module ./login-adapters-X.mjs');
    expect(await credentials.read('fake/secret')).toMatchObject({ version: 'v3' });
    expect(await credentials.read('fake/secret')).toMatchObject({ version: 'v3' });
    expect(builds).toBe(2);
  });
});

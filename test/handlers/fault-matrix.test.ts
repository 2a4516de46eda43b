// Faults from every side, through the deployed entry point, and one redaction check across all of
// them: no log line and no error answer may contain a password or a token; a token appears only in
// a successful answer.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand } from '@aws-sdk/client-ssm';
import { GetSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import { startArcGisSimulator, type ArcGisSimulator, type SimulatorFault } from '../../lambda/local/arcgis-simulator.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';
import { scheduledEvent } from './events.js';
import { captureOutput } from './output-capture.js';
import { call, configFor, loadHandler, resetAwsMocks, sm, ssm, tokenWrites, unloadConfig, type Handler } from './lambda-harness.js';

let sim: ArcGisSimulator;

/** Every secret any scenario used, and every token any scenario saw. */
const secrets = new Set<string>([FAKE.password, encodeURIComponent(FAKE.password), 'fake-wrong-password', 'fake-secret-blob-content']);
const tokens = new Set<string>();
/** Every log line and every error answer of every scenario. */
const exposed: string[] = [];

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} });
const denied = () => Object.assign(new Error('User is not authorized to perform this operation'), { name: 'AccessDeniedException', $metadata: {} });

async function run(act: (handler: Handler) => Promise<Array<Awaited<ReturnType<typeof call>>>>) {
  const output = captureOutput();
  try {
    const handler = await loadHandler(configFor(sim));
    const answers = await act(handler);
    for (const answer of answers) {
      if (answer.statusCode === 200) tokens.add(answer.json.token as string);
      else exposed.push(answer.body);
    }
    return answers;
  } finally {
    output.restore();
    exposed.push(output.text());
    for (const write of tokenWrites()) {
      const token = (JSON.parse(write.Value!) as { token?: { token: string } }).token?.token;
      if (token) tokens.add(token);
    }
  }
}

beforeAll(async () => {
  sim = await startArcGisSimulator({ users: [FAKE] });
});
afterAll(async () => {
  await sim.close();
  await unloadConfig();
});
beforeEach(() => resetAwsMocks());

describe('AWS faults', () => {
  it.each([
    ['SSM throttling on read', () => ssm.on(GetParameterCommand).rejects(throttled())],
    ['SSM access denied on read and write', () => {
      ssm.on(GetParameterCommand).rejects(denied());
      ssm.on(PutParameterCommand).rejects(denied());
    }],
    ['SSM ParameterNotFound', () => ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'nope', $metadata: {} }))],
    ['malformed cached JSON', () => ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '{"version":2,"token":{"token":"fake-half-written-token"' } })],
  ])('still serves a fresh token: %s', async (_name, arrange) => {
    arrange();
    const [answer] = await run(async (handler) => [await call(handler)]);
    expect(answer).toMatchObject({ statusCode: 200, json: { source: 'generated', stale: false } });
    secrets.add('fake-half-written-token');
  });

  it.each([
    ['a missing secret', () => sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} })), 'does not exist'],
    ['a secret the role may not read', () => sm.on(GetSecretValueCommand).rejects(denied()), 'grant its role secretsmanager:GetSecretValue'],
    ['a secret that is not JSON', () => sm.on(GetSecretValueCommand).resolves({ SecretString: 'fake-secret-blob-content', VersionId: 'v' }), 'is not JSON'],
  ])('answers 500 credentials-secret for %s', async (_name, arrange, fix) => {
    arrange();
    const [answer] = await run(async (handler) => [await call(handler)]);
    expect(answer!.statusCode).toBe(500);
    expect(answer!.json).toMatchObject({ type: 'urn:arcgis-token-vending:problem:credentials-secret' });
    expect(answer!.json.detail).toContain(fix);
  });
});

describe('ArcGIS faults', () => {
  it.each<[string, SimulatorFault, number, string]>([
    ['HTTP 500 HTML page', { kind: 'status', status: 500, body: '<html>Internal Server Error</html>', contentType: 'text/html' }, 502, 'arcgis-bad-response'],
    ['404 HTML page', { kind: 'html', status: 404 }, 502, 'arcgis-bad-response'],
    ['garbage', { kind: 'garbage' }, 502, 'arcgis-bad-response'],
    ['a 10 MB body', { kind: 'huge', bytes: 10 * 1024 * 1024 }, 502, 'arcgis-bad-response'],
    ['a redirect loop', { kind: 'redirect', location: '/portal/sharing/rest/generateToken' }, 502, 'arcgis-bad-response'],
  ])('answers %s with the right problem, caches nothing, and recovers on the next request', async (_name, fault, status, type) => {
    const answers = await run(async (handler) => {
      sim.failNext(fault);
      return [await call(handler), await call(handler)];
    });
    expect(answers[0]).toMatchObject({ statusCode: status, json: { type: `urn:arcgis-token-vending:problem:${type}` } });
    expect(answers[1]).toMatchObject({ statusCode: 200, json: { source: 'generated' } });
    expect(tokenWrites()).toHaveLength(1);
  });

  // The login's answer is lost after the password was sent: ArcGIS may have counted a failed login,
  // so the next login waits (a minute, doubling) instead of following at once.
  it.each([
    ['a timeout', { kind: 'hang' } as SimulatorFault],
    ['a connection reset', { kind: 'reset' } as SimulatorFault],
  ])('answers %s with arcgis-unreachable, caches nothing, and does not log in again at once', async (_name, fault) => {
    const before = sim.passwordLoginCount();
    const answers = await run(async (handler) => {
      sim.failNext(fault);
      return [await call(handler), await call(handler)];
    });
    expect(answers.map((a) => [a.statusCode, a.json.type])).toEqual([
      [504, 'urn:arcgis-token-vending:problem:arcgis-unreachable'],
      [504, 'urn:arcgis-token-vending:problem:arcgis-unreachable'],
    ]);
    expect(answers[1]!.json.detail).toContain('ArcGIS may have counted it as a failed login');
    expect(sim.passwordLoginCount() - before).toBe(1);
    expect(tokenWrites()).toHaveLength(0);
  });

  it('serves the cached token marked stale when ArcGIS fails inside the refresh margin', async () => {
    const first = await run(async (handler) => [await call(handler)]);
    const stored = tokenWrites()[0]!.Value!;
    // Another container: the stored token has 2 minutes left, inside the 6-minute margin.
    const state = JSON.parse(stored) as { version: 2; token: { expires: number; issuedAt: number } };
    state.token.issuedAt = Date.now() - 58 * 60_000;
    state.token.expires = Date.now() + 2 * 60_000;
    ssm.on(GetParameterCommand, { Name: '/arcgis-token-vending/portal/token' }).resolves({ Parameter: { Value: JSON.stringify(state) } });
    const [answer] = await run(async (handler) => {
      sim.failNext({ kind: 'hang' });
      return [await call(handler, { query: { minValidity: ['60'] } })];
    });
    expect(answer).toMatchObject({ statusCode: 200, json: { token: first[0]!.json.token, stale: true, source: 'cache' } });
    expect(answer!.json.staleReason).toContain('did not answer within 1000 ms');
  });
});

describe('never locking the account', () => {
  it('makes one login with a wrong password however many requests and scheduled runs follow', async () => {
    const locking = await startArcGisSimulator({ users: [FAKE], lockAfterFailures: 3 });
    try {
      sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: FAKE.username, password: 'fake-wrong-password' }), VersionId: 'v-bad' });
      const output = captureOutput();
      let statuses: number[];
      try {
        const handler = await loadHandler(configFor(locking));
        const answers = await Promise.all(Array.from({ length: 50 }, () => call(handler)));
        const later = await Promise.all(Array.from({ length: 50 }, () => call(handler)));
        await expect(handler(scheduledEvent())).rejects.toThrow('Scheduled refresh failed');
        // The other container learns of the pause from the coordination table, not from SSM.
        const otherContainer = await loadHandler(configFor(locking));
        const fromOther = await call(otherContainer);
        statuses = [...answers, ...later, fromOther].map((a) => a.statusCode);
        for (const a of [...answers, ...later, fromOther]) exposed.push(a.body);
      } finally {
        output.restore();
        exposed.push(output.text());
      }
      expect(statuses.filter((s) => s === 502)).toHaveLength(50);
      expect(statuses.filter((s) => s === 503)).toHaveLength(51);
      // One login for the portal target; the schedule also tried the (healthy) server target once.
      expect(locking.requests.filter((r) => r.path.endsWith('/sharing/rest/generateToken'))).toHaveLength(1);
      expect(locking.isLocked(FAKE.username)).toBe(false);
    } finally {
      await locking.close();
    }
  });
});

describe('1000 concurrent requests on a cold container', () => {
  it('cause exactly one ArcGIS login', async () => {
    sim.setLatency(200);
    try {
      const before = sim.loginCount();
      const answers = await run((handler) => Promise.all(Array.from({ length: 1000 }, () => call(handler))));
      expect(answers.every((a) => a.statusCode === 200)).toBe(true);
      expect(new Set(answers.map((a) => a.json.token)).size).toBe(1);
      expect(sim.loginCount() - before).toBe(1);
      expect(sm).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    } finally {
      sim.setLatency(0);
    }
  });
});

describe('redaction across every scenario above', () => {
  it('finds no password and no token in any log line or error answer', () => {
    expect(exposed.length).toBeGreaterThan(20);
    expect(tokens.size).toBeGreaterThan(5);
    const everything = exposed.join('\n');
    for (const secret of [...secrets, ...tokens]) expect(everything).not.toContain(secret);
  });
});

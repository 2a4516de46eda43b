// AWS calls that hang, through the deployed entry point with real SDK clients (issue 12, point 4):
// SSM, Secrets Manager or DynamoDB accepts the request and never answers. A token the container
// holds, or a fresh one in SSM, is served at once; a cold container logs in and answers within the
// clients' own timeouts, far inside the request's deadline.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ServiceConfigInput } from '../../lambda/domain/config/schema.js';
import { AWS_CALLS, COORDINATOR_CALLS } from '../../lambda/adapters/aws-client-settings.js';
import { startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';
import { captureOutput } from './output-capture.js';
import { startRealAws, timedCall, type RealAws } from './real-aws-harness.js';

const { requestTimeout } = AWS_CALLS.requestHandler;
/** Retries' backoff (at most 50 ms × 2^i before retry i) and scheduling on a shared, loaded machine. */
const SLACK_MS = 2_000;
/** The longest one SSM or Secrets Manager call may take when it never gets an answer. */
const ONE_AWS_CALL_MS = AWS_CALLS.maxAttempts * requestTimeout + SLACK_MS;
const ONE_COORDINATOR_CALL_MS = COORDINATOR_CALLS.maxAttempts * requestTimeout + SLACK_MS;
const SSM_OPERATIONS = new Set(['GetParameter', 'PutParameter']);

let sim: ArcGisSimulator;
let aws: RealAws;

const config = (): ServiceConfigInput => ({
  targets: [{ name: 'portal', url: sim.portalUrl, referer: 'https://apps.example.com', secretId: 'arcgis/portal' }],
  allowInsecureHttp: true,
  requestTimeoutMs: 2_000,
});

beforeAll(async () => {
  sim = await startArcGisSimulator({ users: [FAKE] });
  aws = await startRealAws();
});
afterAll(async () => {
  await aws.close();
  await sim.close();
});
beforeEach(() => {
  aws.fake.parameters.clear();
  aws.fake.secrets.set('arcgis/portal', JSON.stringify(FAKE));
  aws.proxy.decide = () => ({ kind: 'forward' });
  aws.dynamo.proxy.decide = () => ({ kind: 'forward' });
  aws.proxy.calls.length = 0;
});

describe('AWS calls that hang (real SDK clients against loopback stand-ins)', () => {
  it('serves the token the container holds at once while SSM hangs', async () => {
    const handler = await aws.loadHandler(config());
    const first = await timedCall(handler);
    expect(first).toMatchObject({ statusCode: 200, json: { source: 'generated' } });

    aws.proxy.decide = (call) => (SSM_OPERATIONS.has(call.operation) ? { kind: 'hang' } : { kind: 'forward' });
    aws.proxy.calls.length = 0;
    const second = await timedCall(handler);
    expect(second).toMatchObject({ statusCode: 200, json: { source: 'cache', token: first.json.token } });
    expect(second.ms).toBeLessThan(500);
    expect(aws.proxy.calls).toEqual([]);
  });

  it('serves a fresh token from SSM while Secrets Manager hangs: a cold cached request reads only SSM', async () => {
    const warm = await aws.loadHandler(config());
    const stored = await timedCall(warm);
    expect(stored).toMatchObject({ statusCode: 200, json: { source: 'generated' } });

    aws.proxy.decide = (call) => (call.operation === 'GetSecretValue' ? { kind: 'hang' } : { kind: 'forward' });
    aws.proxy.calls.length = 0;
    const cold = await aws.loadHandler(config());
    const served = await timedCall(cold);
    expect(served).toMatchObject({ statusCode: 200, json: { source: 'cache', token: stored.json.token } });
    expect(served.ms).toBeLessThan(1_000);
    expect(aws.proxy.calls.map((c) => c.operation)).toEqual(['GetParameter']);
  });

  it('logs in on a cold container while SSM hangs, waiting on SSM only once, and answers within one call\'s timeouts', async () => {
    aws.proxy.decide = (call) => (SSM_OPERATIONS.has(call.operation) ? { kind: 'hang' } : { kind: 'forward' });
    const handler = await aws.loadHandler(config());
    const output = captureOutput();
    let answer;
    try {
      answer = await timedCall(handler);
    } finally {
      output.restore();
    }
    expect(answer).toMatchObject({ statusCode: 200, json: { source: 'generated', stale: false } });
    expect(answer.ms).toBeGreaterThan(AWS_CALLS.maxAttempts * requestTimeout - 100);
    expect(answer.ms).toBeLessThan(ONE_AWS_CALL_MS + 1_000);
    // One GetParameter, with its retries; the container then does without SSM for a while.
    expect(aws.proxy.calls.map((c) => c.operation)).toEqual(['GetParameter', 'GetParameter', 'GetParameter', 'GetSecretValue']);
    // The store's later reads and its write were not sent, and the log says why (the token is served from memory).
    const warnings = output.lines().filter((line) => line.level === 'WARN');
    expect(warnings.map((line) => [line.message, String(line.error).split(':')[0]])).toEqual([
      ['token store read failed; continuing without it', 'TimeoutError'],
      ['token store read failed; continuing without it', 'AwsCallUnansweredError'],
      ['token store read failed; continuing without it', 'AwsCallUnansweredError'],
      ['token store write failed; continuing without it', 'AwsCallUnansweredError'],
    ]);
  }, 45_000);

  it('logs in unguarded on a cold container while DynamoDB hangs, within the coordinator\'s timeouts', async () => {
    const handler = await aws.loadHandler(config());
    aws.dynamo.proxy.decide = () => ({ kind: 'hang' });
    const output = captureOutput();
    let answer;
    try {
      answer = await timedCall(handler);
    } finally {
      output.restore();
    }
    expect(answer).toMatchObject({ statusCode: 200, json: { source: 'generated', stale: false } });
    expect(answer.ms).toBeGreaterThan(COORDINATOR_CALLS.maxAttempts * requestTimeout - 100);
    expect(answer.ms).toBeLessThan(ONE_COORDINATOR_CALL_MS + 1_000);
    expect(output.lines().map((line) => line.message)).toContain('login coordinator unreachable; logging in without the fleet-wide lease (this container still makes at most one failed login per secret version)');
    expect(aws.fake.parameters.size).toBe(1);
  }, 45_000);

  it('serves a caller-ip caller on a cold container while DynamoDB hangs: the caller admission and the lease wait on it only once', async () => {
    const handler = await aws.loadHandler({ ...config(), targets: [{ name: 'callers', url: sim.serverUrl, client: 'caller-ip', secretId: 'arcgis/portal' }] });
    aws.dynamo.proxy.decide = () => ({ kind: 'hang' });
    const output = captureOutput();
    let answer;
    try {
      answer = await timedCall(handler, { target: 'callers', sourceIp: '198.51.100.7' });
    } finally {
      output.restore();
    }
    expect(answer).toMatchObject({ statusCode: 200, json: { source: 'generated', client: 'ip', ip: '198.51.100.7' } });
    expect(answer.ms).toBeLessThan(ONE_COORDINATOR_CALL_MS + 1_000);
    const warnings = output.lines().filter((line) => line.level === 'WARN').map((line) => [line.message, String(line.error).split(':')[0]]);
    expect(warnings).toEqual([
      ['login coordinator: caller admission failed; counting callers in this container only', 'TimeoutError'],
      ['login coordinator unreachable; logging in without the fleet-wide lease (this container still makes at most one failed login per secret version)', 'AwsCallUnansweredError'],
    ]);
  }, 45_000);
});

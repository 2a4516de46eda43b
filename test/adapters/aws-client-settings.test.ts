// The function's SDK clients against endpoints that never answer: the settings in
// lambda/adapters/aws-client-settings.ts must end every call, retries included, within a bound the
// request's deadline can afford. Real SDK clients, real sockets; nothing mocked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AWS_CALLS, COORDINATOR_CALLS } from '../../lambda/adapters/aws-client-settings.js';
import { FAKE_AWS_CREDENTIALS } from '../stand-ins/dynamodb.js';
import { startSilentEndpoint, startUnacceptedPort, type SilentEndpoint, type UnacceptedPort } from '../stand-ins/silent-endpoints.js';

const REQUEST_TIMEOUT_MS = AWS_CALLS.requestHandler.requestTimeout;
const CONNECTION_TIMEOUT_MS = AWS_CALLS.requestHandler.connectionTimeout;
/** The standard retry mode's backoff before retry i is at most 50 ms × 2^i: 350 ms over three retries. */
const MAX_BACKOFF_MS = 350;
/** Scheduling slack on a shared, loaded machine. */
const SLACK_MS = 1_500;

const client = { region: 'eu-west-1', credentials: FAKE_AWS_CREDENTIALS };

async function timed(call: Promise<unknown>): Promise<{ error: Error & { $metadata?: { attempts?: number } }; ms: number }> {
  const started = performance.now();
  const error = await call.then(
    () => {
      throw new Error('the call succeeded against an endpoint that never answers');
    },
    (e: unknown) => e as Error,
  );
  return { error, ms: performance.now() - started };
}

describe('AWS calls against an endpoint that accepts the connection and never answers', () => {
  let silent: SilentEndpoint;
  beforeAll(async () => {
    silent = await startSilentEndpoint();
  });
  afterAll(() => silent.close());

  it('SSM and Secrets Manager give up after 3 attempts of 3 s each, the coordinator (DynamoDB) after 4', async () => {
    const ssm = new SSMClient({ ...AWS_CALLS, ...client, endpoint: silent.url });
    const sm = new SecretsManagerClient({ ...AWS_CALLS, ...client, endpoint: silent.url });
    const ddb = new DynamoDBClient({ ...COORDINATOR_CALLS, ...client, endpoint: silent.url });
    try {
      const [ssmRead, smRead, ddbRead] = await Promise.all([
        timed(ssm.send(new GetParameterCommand({ Name: '/arcgis-token-vending/t/token', WithDecryption: true }))),
        timed(sm.send(new GetSecretValueCommand({ SecretId: 'arcgis/t' }))),
        timed(ddb.send(new GetItemCommand({ TableName: 'coordination', Key: { pk: { S: 'account' } } }))),
      ]);
      for (const [read, attempts] of [[ssmRead, 3], [smRead, 3], [ddbRead, 4]] as const) {
        expect(read.error.name).toBe('TimeoutError');
        expect(read.error.message).toBe(`@smithy/node-http-handler - [ERROR] a request has exceeded the configured ${REQUEST_TIMEOUT_MS} ms requestTimeout.`);
        expect(read.error.$metadata?.attempts).toBe(attempts);
        expect(read.ms).toBeGreaterThanOrEqual(attempts * REQUEST_TIMEOUT_MS - 50);
        expect(read.ms).toBeLessThan(attempts * REQUEST_TIMEOUT_MS + MAX_BACKOFF_MS + SLACK_MS);
      }
      expect(silent.count('AmazonSSM.GetParameter')).toBe(3);
      expect(silent.count('secretsmanager.GetSecretValue')).toBe(3);
      expect(silent.count('DynamoDB_20120810.GetItem')).toBe(4);
    } finally {
      for (const c of [ssm, sm, ddb]) c.destroy();
    }
  }, 30_000);
});

describe('AWS calls to an endpoint whose connections are never accepted', () => {
  let port: UnacceptedPort;
  beforeAll(async () => {
    port = await startUnacceptedPort();
  });
  afterAll(() => port.close());

  it('drop each connection attempt after 1 s and give up after 3 attempts', async () => {
    const ssm = new SSMClient({ ...AWS_CALLS, ...client, endpoint: port.url });
    try {
      const read = await timed(ssm.send(new GetParameterCommand({ Name: '/arcgis-token-vending/t/token', WithDecryption: true })));
      expect(read.error.name).toBe('TimeoutError');
      expect(read.error.message).toBe(`@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of ${CONNECTION_TIMEOUT_MS} ms.`);
      expect(read.error.$metadata?.attempts).toBe(3);
      expect(read.ms).toBeGreaterThanOrEqual(3 * CONNECTION_TIMEOUT_MS - 50);
      expect(read.ms).toBeLessThan(3 * CONNECTION_TIMEOUT_MS + MAX_BACKOFF_MS + SLACK_MS);
    } finally {
      ssm.destroy();
    }
  }, 15_000);
});

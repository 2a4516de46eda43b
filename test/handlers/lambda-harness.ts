// Drives the deployed entry point inside the test process: the real SDK v3 clients with
// aws-sdk-client-mock for Secrets Manager and SSM, the real DynamoDB client against dynalite for
// the login coordinator (its conditional writes are the point: a mock could not decide them), and
// a fresh module (a fresh "container") per load.
import { expect, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { CONFIG_ENV, COORDINATION_TABLE_ENV } from '../../lambda/domain/config/environment.js';
import type { ServiceConfigInput } from '../../lambda/domain/config/schema.js';
import type { ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';
import { eventFor, type EventShape, type RequestOptions } from './events.js';
import { COORDINATION_TABLE, FAKE_AWS_CREDENTIALS, startDynamoDb, type DynamoDbStandIn } from '../stand-ins/dynamodb.js';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { COORDINATION_TABLE_KEY } from '../../lambda/domain/config/environment.js';

export const ssm = mockClient(SSMClient);
export const sm = mockClient(SecretsManagerClient);

export type Handler = (event: unknown) => Promise<unknown>;

let dynamo: DynamoDbStandIn | undefined;
let tables = 0;

/** The DynamoDB stand-in the function's coordinator talks to (started on first use, one per test file). */
export async function coordinationDb(): Promise<DynamoDbStandIn> {
  dynamo ??= await startDynamoDb();
  // The function builds its DynamoDB client from the environment, as in Lambda.
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.url;
  process.env.AWS_REGION ??= 'eu-west-1';
  process.env.AWS_ACCESS_KEY_ID ??= FAKE_AWS_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= FAKE_AWS_CREDENTIALS.secretAccessKey;
  return dynamo;
}

/** A new container: the entry module loaded afresh with this configuration. */
export async function loadHandler(config: ServiceConfigInput | string): Promise<Handler> {
  await coordinationDb();
  process.env[COORDINATION_TABLE_ENV] ??= COORDINATION_TABLE;
  process.env[CONFIG_ENV] = typeof config === 'string' ? config : JSON.stringify(config);
  vi.resetModules();
  const module = await import('../../lambda/handlers/lambda.js');
  return module.handler as Handler;
}

export async function unloadConfig(): Promise<void> {
  delete process.env[CONFIG_ENV];
  await dynamo?.close();
  dynamo = undefined;
}

/** Two targets on the simulator: a portal bound to a referer, a server (given by a service URL) bound to an IP. */
export function configFor(sim: ArcGisSimulator, overrides: Partial<ServiceConfigInput> = {}): ServiceConfigInput {
  return {
    targets: [
      { name: 'portal', url: sim.portalUrl, referer: 'https://apps.example.com', secretId: 'arcgis/portal' },
      { name: 'server', url: `${sim.serverUrl}/rest/services`, client: 'ip', ip: '203.0.113.7', expirationMinutes: 120, secretId: 'arcgis/server' },
    ],
    allowInsecureHttp: true,
    requestTimeoutMs: 1_000,
    ...overrides,
  };
}

/** Healthy AWS: no cached token yet, writes succeed, the secret holds FAKE credentials, a new empty coordination table. */
export async function resetAwsMocks(): Promise<void> {
  const db = await coordinationDb();
  const table = `coordination-${process.pid}-${++tables}`;
  await db.client().send(
    new CreateTableCommand({
      TableName: table,
      AttributeDefinitions: [{ AttributeName: COORDINATION_TABLE_KEY, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: COORDINATION_TABLE_KEY, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  process.env[COORDINATION_TABLE_ENV] = table;
  ssm.reset();
  sm.reset();
  ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
  ssm.on(PutParameterCommand).resolves({ Version: 1 });
  sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(FAKE), VersionId: 'v1' });
}

/** PutParameter inputs that wrote a token state. */
export function tokenWrites() {
  return ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input).filter((input) => input.Name!.endsWith('/token'));
}

/** Sends a request as the given front door's event (a REST proxy event unless `shape` is given). */
export async function call(handler: Handler, options: RequestOptions & { shape?: EventShape } = {}) {
  const { shape = 'rest', ...request } = options;
  const result = (await handler(eventFor(shape, request))) as APIGatewayProxyResult;
  expect(typeof result.body).toBe('string');
  return { ...result, json: JSON.parse(result.body) as Record<string, unknown> };
}

// Drives the deployed entry point with the real SDK clients, built from the environment as in
// Lambda, against loopback stand-ins: SSM and Secrets Manager (bench/fake-aws.ts, their real wire
// protocol) behind one fault proxy, and DynamoDB (dynalite) behind its own. A test makes any
// operation hang, fail or wait. Unlike lambda-harness.ts nothing here mocks a client, so the
// clients' own timeouts and retries are what is tested.
import { vi } from 'vitest';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { startFakeAws, type FakeAws } from '../../bench/fake-aws.js';
import { CONFIG_ENV, COORDINATION_TABLE_ENV, COORDINATION_TABLE_KEY } from '../../lambda/domain/config/environment.js';
import type { ServiceConfigInput } from '../../lambda/domain/config/schema.js';
import { startAwsFaultProxy, type AwsFaultProxy } from '../stand-ins/aws-fault-proxy.js';
import { FAKE_AWS_CREDENTIALS, startDynamoDb, type DynamoDbStandIn } from '../stand-ins/dynamodb.js';
import { eventFor, type RequestOptions } from './events.js';

export type Handler = (event: unknown) => Promise<unknown>;

export interface RealAws {
  /** SSM parameters and Secrets Manager secrets, as the stand-in holds them. */
  fake: FakeAws;
  /** In front of SSM and Secrets Manager: operations GetParameter, PutParameter, GetSecretValue. */
  proxy: AwsFaultProxy;
  dynamo: DynamoDbStandIn;
  /** A new container: the entry module loaded afresh, its clients pointed at the stand-ins. */
  loadHandler(config: ServiceConfigInput): Promise<Handler>;
  close(): Promise<void>;
}

const ENVIRONMENT = ['AWS_ENDPOINT_URL_SSM', 'AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', CONFIG_ENV, COORDINATION_TABLE_ENV] as const;

export async function startRealAws(): Promise<RealAws> {
  const fake = await startFakeAws();
  const proxy = await startAwsFaultProxy(fake.url);
  const dynamo = await startDynamoDb();
  const saved = Object.fromEntries(ENVIRONMENT.map((name) => [name, process.env[name]]));
  let tables = 0;
  return {
    fake,
    proxy,
    dynamo,
    async loadHandler(config) {
      // Each container gets an empty coordination table, so no lease or backoff carries over.
      const table = `coordination-${process.pid}-${++tables}`;
      await dynamo.client().send(
        new CreateTableCommand({
          TableName: table,
          AttributeDefinitions: [{ AttributeName: COORDINATION_TABLE_KEY, AttributeType: 'S' }],
          KeySchema: [{ AttributeName: COORDINATION_TABLE_KEY, KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      Object.assign(process.env, {
        AWS_ENDPOINT_URL_SSM: proxy.url,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: proxy.url,
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: FAKE_AWS_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: FAKE_AWS_CREDENTIALS.secretAccessKey,
        [CONFIG_ENV]: JSON.stringify(config),
        [COORDINATION_TABLE_ENV]: table,
      });
      vi.resetModules();
      const module = await import('../../lambda/handlers/lambda.js');
      return module.handler as Handler;
    },
    async close() {
      for (const name of ENVIRONMENT) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
      await Promise.all([proxy.close(), fake.close(), dynamo.close()]);
    },
  };
}

/** Sends a REST API request and times the answer. */
export async function timedCall(handler: Handler, request: RequestOptions = {}): Promise<{ statusCode: number; json: Record<string, unknown>; ms: number }> {
  const started = performance.now();
  const result = (await handler(eventFor('rest', request))) as APIGatewayProxyResult;
  const ms = performance.now() - started;
  return { statusCode: result.statusCode, json: JSON.parse(result.body) as Record<string, unknown>, ms };
}

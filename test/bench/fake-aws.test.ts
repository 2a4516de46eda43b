// The bench's https stand-in hands DynamoDB's calls to a real implementation (dynalite, with the
// coordination table) and counts them per signing key like its own; without one it refuses them,
// still counted, so a call that should not happen shows in the counts instead of leaving loopback.
import { GetItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from '../../bench/fake-aws.js';
import { createPrivateCa, type PrivateCa } from '../../bench/private-ca.js';
import { COORDINATION_TABLE, startDynamoDb, type DynamoDbStandIn } from '../stand-ins/dynamodb.js';

describe('the bench\'s AWS stand-in and DynamoDB', () => {
  let dir: string;
  let ca: PrivateCa;
  let dynamodb: DynamoDbStandIn;
  let aws: FakeAws;
  // The stand-in's own clients (closed with it), pointed at the https stand-in and trusting its CA.
  const client = (accessKeyId: string, endpoint: string): DynamoDBClient =>
    dynamodb.client({
      endpoint,
      credentials: { accessKeyId, secretAccessKey: 'fake-secret-access-key-for-tests' },
      requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: ca.caPem }) }),
      maxAttempts: 1,
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'atv-fake-aws-'));
    ca = createPrivateCa(join(dir, 'ca'));
    dynamodb = await startDynamoDb();
  }, 30_000);
  afterAll(async () => {
    await dynamodb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('forwards DynamoDB calls over https to the upstream, answers as it answered, and counts them per key', async () => {
    aws = await startFakeAws({ tls: ca, dynamodbUpstream: dynamodb.url });
    try {
      const ddb = client('AKIDDYNAMOCALLER', aws.url);
      const key = { pk: { S: 'account#bench' } };
      await ddb.send(new UpdateItemCommand({ TableName: COORDINATION_TABLE, Key: key, UpdateExpression: 'SET leaseHolder = :h', ExpressionAttributeValues: { ':h': { S: 'container-a' } } }));
      const read = await ddb.send(new GetItemCommand({ TableName: COORDINATION_TABLE, Key: key }));
      await expect(
        ddb.send(new UpdateItemCommand({ TableName: COORDINATION_TABLE, Key: key, UpdateExpression: 'SET leaseHolder = :h', ConditionExpression: 'attribute_not_exists(leaseHolder)', ExpressionAttributeValues: { ':h': { S: 'container-b' } } })),
      ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
      expect(read.Item).toEqual({ pk: { S: 'account#bench' }, leaseHolder: { S: 'container-a' } });
      expect(aws.url).toMatch(/^https:\/\//);
      expect(aws.callsByAccessKey).toEqual({ AKIDDYNAMOCALLER: { UpdateItem: 2, GetItem: 1 } });
      expect(dynamodb.proxy.calls.map((c) => c.operation)).toEqual(['UpdateItem', 'GetItem', 'UpdateItem']);
    } finally {
      await aws.close();
    }
  });

  it('without an upstream refuses DynamoDB calls, and counts them', async () => {
    aws = await startFakeAws({ tls: ca });
    try {
      const ddb = client('AKIDNOUPSTREAM', aws.url);
      await expect(ddb.send(new GetItemCommand({ TableName: COORDINATION_TABLE, Key: { pk: { S: 'x' } } }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
      expect(aws.callsByAccessKey).toEqual({ AKIDNOUPSTREAM: { GetItem: 1 } });
    } finally {
      await aws.close();
    }
  });
});

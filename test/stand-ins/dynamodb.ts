// DynamoDB on loopback for tests: dynalite (an implementation of DynamoDB's API, its condition and
// update expression grammar included) with the coordination table created as the construct
// creates it, behind a fault proxy. Clients are the real SDK's, with retries and timeouts as set.
import { CreateTableCommand, DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { AddressInfo } from 'node:net';
import { COORDINATION_TABLE_KEY } from '../../lambda/domain/config/environment.js';
import { startAwsFaultProxy, type AwsFaultProxy } from './aws-fault-proxy.js';

export const COORDINATION_TABLE = 'arcgis-token-vending-coordination';

export interface DynamoDbStandIn {
  /** The fault proxy's URL: point clients here. */
  url: string;
  proxy: AwsFaultProxy;
  client(config?: Partial<DynamoDBClientConfig>): DynamoDBClient;
  close(): Promise<void>;
}

export const FAKE_AWS_CREDENTIALS = { accessKeyId: 'AKIDFAKEFORTESTS', secretAccessKey: 'fake-secret-access-key-for-tests' };

export async function startDynamoDb(): Promise<DynamoDbStandIn> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const direct = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const proxy = await startAwsFaultProxy(direct, 'com.amazonaws.dynamodb.v20120810#');
  const clients: DynamoDBClient[] = [];
  const client = (config: Partial<DynamoDBClientConfig> = {}) => {
    const made = new DynamoDBClient({ endpoint: proxy.url, region: 'eu-west-1', credentials: FAKE_AWS_CREDENTIALS, ...config });
    clients.push(made);
    return made;
  };
  await client().send(
    new CreateTableCommand({
      TableName: COORDINATION_TABLE,
      AttributeDefinitions: [{ AttributeName: COORDINATION_TABLE_KEY, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: COORDINATION_TABLE_KEY, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  proxy.calls.length = 0;
  return {
    url: proxy.url,
    proxy,
    client,
    close: async () => {
      for (const made of clients) made.destroy();
      await proxy.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// A fleet of "containers" (TokenService instances, each with its own SDK clients and memory, as
// Lambda containers have) over one SSM stand-in, one DynamoDB stand-in and one ArcGIS simulator,
// all on loopback over real HTTP, with faults injected where the scenario needs them.
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDbLoginCoordinator } from '../../lambda/adapters/dynamodb-login-coordinator.js';
import { SsmTokenStore, tokenParameterName } from '../../lambda/adapters/ssm-token-store.js';
import { StaticCredentialSource } from '../../lambda/adapters/static-credentials.js';
import { ArcGisTokenIssuer } from '../../lambda/arcgis/arcgis-token-issuer.js';
import type { ServiceConfig, ServiceConfigInput } from '../../lambda/domain/config/schema.js';
import { parseServiceConfig } from '../../lambda/domain/config/parse-config.js';
import type { TargetState } from '../../lambda/domain/cached-token.js';
import type { CredentialSource, Credentials } from '../../lambda/domain/ports.js';
import { TokenService } from '../../lambda/service/token-service.js';
import { startArcGisSimulator, type ArcGisSimulator, type ArcGisSimulatorOptions } from '../../lambda/local/arcgis-simulator.js';
import { startFakeAws, type FakeAws } from '../../bench/fake-aws.js';
import { CapturingLog } from '../service/fakes.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';
import { startAwsFaultProxy, type AwsFaultProxy } from '../stand-ins/aws-fault-proxy.js';
import { COORDINATION_TABLE, FAKE_AWS_CREDENTIALS, startDynamoDb, type DynamoDbStandIn } from '../stand-ins/dynamodb.js';

export const WRONG = { username: FAKE.username, password: 'fake-wrong-password-not-real' } as const;

/** Secrets whose value (and so version) a test can change, as an operator fixing a secret does. */
export class MutableSecrets implements CredentialSource {
  private readonly values = new Map<string, { credentials: Credentials; version: number }>();
  reads = 0;
  set(secretId: string, credentials: Credentials): void {
    this.values.set(secretId, { credentials, version: (this.values.get(secretId)?.version ?? 0) + 1 });
  }
  async read(secretId: string): Promise<{ credentials: Credentials; version: string }> {
    this.reads++;
    const entry = this.values.get(secretId);
    if (entry === undefined) return new StaticCredentialSource(new Map()).read(secretId);
    return { credentials: entry.credentials, version: `v${entry.version}` };
  }
}

export interface Fleet {
  sim: ArcGisSimulator;
  ssm: FakeAws;
  ssmProxy: AwsFaultProxy;
  dynamo: DynamoDbStandIn;
  secrets: MutableSecrets;
  config: ServiceConfig;
  logs: CapturingLog[];
  /** A new cold container. `now` shifts its clock (the simulator keeps real time). */
  container(options?: { now?: () => number }): TokenService;
  stored(slotKey: string): TargetState | undefined;
  close(): Promise<void>;
}

export async function startFleet(options: { simulator?: ArcGisSimulatorOptions; config: (sim: ArcGisSimulator) => Omit<ServiceConfigInput, 'allowInsecureHttp'> }): Promise<Fleet> {
  const sim = await startArcGisSimulator({ users: [FAKE], ...options.simulator });
  const ssm = await startFakeAws();
  const ssmProxy = await startAwsFaultProxy(ssm.url);
  const dynamo = await startDynamoDb();
  const config = parseServiceConfig({ ...options.config(sim), allowInsecureHttp: true }, 'scenario');
  const secrets = new MutableSecrets();
  const logs: CapturingLog[] = [];
  const clients: SSMClient[] = [];
  return {
    sim,
    ssm,
    ssmProxy,
    dynamo,
    secrets,
    config,
    logs,
    container(containerOptions = {}) {
      const log = new CapturingLog();
      logs.push(log);
      const ssmClient = new SSMClient({ endpoint: ssmProxy.url, region: 'eu-west-1', credentials: FAKE_AWS_CREDENTIALS, maxAttempts: 1 });
      clients.push(ssmClient);
      return new TokenService({
        config,
        store: new SsmTokenStore(ssmClient, { prefix: config.parameterPrefix }, log),
        coordinator: new DynamoDbLoginCoordinator(dynamo.client({ maxAttempts: 4, retryMode: 'standard' }), { tableName: COORDINATION_TABLE }),
        credentials: secrets,
        issuer: new ArcGisTokenIssuer({ timeoutMs: config.requestTimeoutMs, allowInsecureHttp: true, ...(containerOptions.now ? { now: containerOptions.now } : {}) }),
        log,
        ...(containerOptions.now ? { now: containerOptions.now } : {}),
      });
    },
    stored(slotKey) {
      const value = ssm.parameters.get(tokenParameterName(config.parameterPrefix, slotKey));
      return value === undefined ? undefined : (JSON.parse(value) as TargetState);
    },
    async close() {
      for (const client of clients) client.destroy();
      await Promise.all([sim.close(), ssm.close(), ssmProxy.close(), dynamo.close()]);
    },
  };
}

/** Settles every promise and sorts the outcomes: answers served, and errors by name. */
export async function outcomes<T>(promises: Array<Promise<T>>): Promise<{ served: T[]; errors: string[] }> {
  const settled = await Promise.allSettled(promises);
  return {
    served: settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])),
    errors: settled.flatMap((s) => (s.status === 'rejected' ? [(s.reason as Error).name] : [])).sort(),
  };
}

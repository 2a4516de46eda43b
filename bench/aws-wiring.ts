// The Lambda's real wiring (SDK clients, SSM store, Secrets Manager source, ArcGIS issuer), pointed
// at the fake AWS endpoint and the ArcGIS simulator.
import { SSMClient } from '@aws-sdk/client-ssm';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SsmTokenStore } from '../lambda/adapters/ssm-token-store.js';
import { MemoryLoginCoordinator } from '../lambda/service/memory-login-coordinator.js';
import { SecretsManagerCredentialSource } from '../lambda/adapters/secrets-manager-credentials.js';
import type { ServiceConfig } from '../lambda/domain/config/schema.js';
import { parseServiceConfig } from '../lambda/domain/config/parse-config.js';
import type { Log, Metrics } from '../lambda/domain/ports.js';
import { wire } from '../lambda/handlers/composition.js';
import { issuerFor } from '../lambda/handlers/login-adapters.js';

export const SECRET_ID = 'arcgis-token-vending/default';
export const FAKE_LOGIN = { username: 'demo', password: 'demo-not-a-real-password' };

export function benchConfig(arcgisUrl: string): ServiceConfig {
  return parseServiceConfig({ targets: [{ name: 'default', url: arcgisUrl, referer: 'https://apps.example.com', secretId: SECRET_ID }], allowInsecureHttp: true }, 'bench');
}

const clientConfig = (endpoint: string) => ({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'fake-bench-secret' } });

export function awsWiring(config: ServiceConfig, awsEndpoint: string, log: Log, metrics?: Metrics) {
  return wire(config, {
    store: new SsmTokenStore(new SSMClient(clientConfig(awsEndpoint)), { prefix: config.parameterPrefix }, log),
    // One process plays the fleet here: the in-memory coordinator has the DynamoDB one's semantics.
    coordinator: new MemoryLoginCoordinator(),
    credentials: new SecretsManagerCredentialSource(new SecretsManagerClient(clientConfig(awsEndpoint))),
    issuer: issuerFor(config, log),
    log,
    ...(metrics ? { metrics } : {}),
  });
}

export const SILENT: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

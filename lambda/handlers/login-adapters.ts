// The adapters only a login runs, in a module of their own: the Lambda entry loads it with
// import() on the first login (deferred-adapters.ts), so the deployed bundle, split into chunks
// (infra/lambda-bundle.ts), keeps the DynamoDB and Secrets Manager clients, the coordinator and
// the ArcGIS issuer out of the chunks a cold cached request loads. The local server and the bench
// build the issuer here too, so every caller builds it in one way.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDbLoginCoordinator } from '../adapters/dynamodb-login-coordinator.js';
import { SecretsManagerCredentialSource } from '../adapters/secrets-manager-credentials.js';
import { AWS_CALLS, COORDINATOR_CALLS } from '../adapters/aws-client-settings.js';
import { ArcGisTokenIssuer, type ArcGisTokenIssuerOptions } from '../arcgis/arcgis-token-issuer.js';
import type { ServiceConfig } from '../domain/config/schema.js';
import type { Log } from '../domain/ports.js';

/** The ArcGIS issuer a configuration asks for: its request timeout and its http:// allowance. */
export function issuerFor(config: ServiceConfig, log: Log, options: Pick<ArcGisTokenIssuerOptions, 'fetch' | 'now'> = {}): ArcGisTokenIssuer {
  return new ArcGisTokenIssuer({ timeoutMs: config.requestTimeoutMs, allowInsecureHttp: config.allowInsecureHttp, log, ...options });
}

/** The fleet-wide login lease in the coordination table, through its own DynamoDB client. */
export function coordinatorFor(tableName: string): DynamoDbLoginCoordinator {
  return new DynamoDbLoginCoordinator(new DynamoDBClient(COORDINATOR_CALLS), { tableName });
}

/** The ArcGIS credentials in Secrets Manager, through its own client. */
export function secretsManagerCredentials(): SecretsManagerCredentialSource {
  return new SecretsManagerCredentialSource(new SecretsManagerClient(AWS_CALLS));
}

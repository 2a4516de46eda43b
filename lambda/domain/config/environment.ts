// Environment variable names shared by the function and the CDK construct that sets them.
import { ConfigurationError } from '../errors.js';
import { parseJsonOrUndefined } from '../parse-json-or-undefined.js';
import { plainServiceConfig } from './plain-config.js';
import type { ServiceConfig } from './schema.js';

/** The whole service configuration as JSON (ServiceConfigInput), validated at cold start. */
export const CONFIG_ENV = 'TOKEN_VENDING_CONFIG';

/** A customer-managed KMS key (id or ARN) for the SecureString token parameters; unset = aws/ssm. */
export const KMS_KEY_ENV = 'TOKEN_VENDING_KMS_KEY_ID';

/** Lambda's total environment is limited to 4 KB; the config must leave room for the rest. */
export const MAX_CONFIG_ENV_BYTES = 3_500;

/**
 * The configuration at cold start: the plain checks first, as parseServiceConfig does; only a
 * configuration they leave loads parse-config.ts, and zod with it (import(): a chunk a cold start
 * with a configuration the construct wrote never reads; domain/config/lazy-schema.ts says why).
 */
export async function configFromEnvironment(env: NodeJS.ProcessEnv): Promise<ServiceConfig> {
  const raw = env[CONFIG_ENV];
  if (raw === undefined || raw.trim() === '') {
    throw new ConfigurationError(`${CONFIG_ENV} is not set: deploy the function with the CDK app, which sets it from the targets you configure.`);
  }
  const parsed = parseJsonOrUndefined(raw);
  if (parsed === undefined) {
    throw new ConfigurationError(`${CONFIG_ENV} is not valid JSON: redeploy with the CDK app rather than editing the variable by hand.`);
  }
  return plainServiceConfig(parsed) ?? (await import('./parse-config.js')).parseServiceConfig(parsed, CONFIG_ENV);
}

/**
 * The DynamoDB table that coordinates logins across containers: the login lease, the pause after a
 * rejected login and ArcGIS's Retry-After, one item per account. SSM cannot hold them safely: it
 * has no conditional update (PutParameter is last-writer-wins), so a lease on it admits two holders.
 */
export const COORDINATION_TABLE_ENV = 'TOKEN_VENDING_COORDINATION_TABLE';
/** The table's partition key (string); the table has no sort key. */
export const COORDINATION_TABLE_KEY = 'pk';
/** The table's TTL attribute (epoch seconds): DynamoDB deletes items whose records have all ended. */
export const COORDINATION_TTL_ATTRIBUTE = 'expiresAt';

export function coordinationTableFromEnvironment(env: NodeJS.ProcessEnv): string {
  const table = env[COORDINATION_TABLE_ENV]?.trim();
  if (table === undefined || table === '') {
    throw new ConfigurationError(`${COORDINATION_TABLE_ENV} is not set: deploy the function with the CDK app, which creates the coordination table (DynamoDB) and sets it. Without it no container could know whether another is logging in, or whether ArcGIS just rejected the credentials.`);
  }
  return table;
}

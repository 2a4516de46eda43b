// Environment variable names shared by the function and the CDK construct that sets them.
import { ConfigurationError } from '../errors.js';
import { parseServiceConfig, type ServiceConfig } from './schema.js';

/** The whole service configuration as JSON (ServiceConfigInput), validated at cold start. */
export const CONFIG_ENV = 'TOKEN_VENDING_CONFIG';

/** A customer-managed KMS key (id or ARN) for the SecureString token parameters; unset = aws/ssm. */
export const KMS_KEY_ENV = 'TOKEN_VENDING_KMS_KEY_ID';

/** Lambda's total environment is limited to 4 KB; the config must leave room for the rest. */
export const MAX_CONFIG_ENV_BYTES = 3_500;

export function configFromEnvironment(env: NodeJS.ProcessEnv): ServiceConfig {
  const raw = env[CONFIG_ENV];
  if (raw === undefined || raw.trim() === '') {
    throw new ConfigurationError(`${CONFIG_ENV} is not set: deploy the function with the CDK app, which sets it from the targets you configure.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigurationError(`${CONFIG_ENV} is not valid JSON: redeploy with the CDK app rather than editing the variable by hand.`);
  }
  return parseServiceConfig(parsed, CONFIG_ENV);
}

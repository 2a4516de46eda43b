// The one way a configuration is read: the plain checks first (no zod on a cold start, see
// plain-config.ts), the schema for anything they leave, its issues listed by path with their fixes.
import type * as z from 'zod/mini';
import { ConfigurationError } from '../errors.js';
import { plainServiceConfig } from './plain-config.js';
import { ServiceConfigSchema, formatIssues, type ServiceConfig } from './schema.js';

/**
 * Validates a configuration and returns it with defaults applied, or throws a ConfigurationError
 * whose message lists each bad field by path with its fix.
 */
export function parseServiceConfig(input: unknown, source: string): ServiceConfig {
  const plain = plainServiceConfig(input);
  if (plain !== undefined) return plain;
  const result = ServiceConfigSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigurationError(`Invalid configuration in ${source}:\n${formatIssues(result.error.issues)}`);
  }
  return withDefaultTarget(result.data);
}

/** A configuration the schema accepted, with `defaultTarget` filled in: the first target unless named. */
export function withDefaultTarget(config: z.output<typeof ServiceConfigSchema>): ServiceConfig {
  return { ...config, defaultTarget: config.defaultTarget ?? config.targets[0]!.name };
}

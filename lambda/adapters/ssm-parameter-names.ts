// Names of the SSM parameters the token store keeps per target (see ssm-token-store.ts). Shared with
// the CDK construct, which grants exactly these paths; kept apart from the store so that importing
// them loads no AWS SDK (the compiled construct runs in the consumer's CDK app, where the SDK is
// not a dependency).
import { CALLER_KEY_PREFIX } from '../core/slot-key.js';

export function tokenParameterName(prefix: string, targetName: string): string {
  return `${prefix}/${targetName}/token`;
}

export function leaseParameterName(prefix: string, targetName: string): string {
  return `${prefix}/${targetName}/lease`;
}

/** Every parameter a caller-ip target's callers may use (token and lease per address): an IAM pattern. */
export function callerParametersPattern(prefix: string, targetName: string): string {
  return `${prefix}/${targetName}/${CALLER_KEY_PREFIX}*`;
}

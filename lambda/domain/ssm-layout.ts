// Names of the SSM parameters the token store keeps per slot (see ssm-token-store.ts). Shared with
// the CDK construct, which grants exactly these paths; kept apart from the store so that importing
// them loads no AWS SDK (the compiled construct runs in the consumer's CDK app, where the SDK is
// not a dependency).
import { CALLER_KEY_PREFIX } from './slot-key.js';

/** The SecureString of a slot: a target, or `target/ip-CALLER` for a caller of a caller-ip target. */
export function tokenParameterName(prefix: string, slotKey: string): string {
  return `${prefix}/${slotKey}/token`;
}

/** Every parameter a caller-ip target's callers may use (a token per caller): an IAM pattern. */
export function callerParametersPattern(prefix: string, targetName: string): string {
  return `${prefix}/${targetName}/${CALLER_KEY_PREFIX}*`;
}

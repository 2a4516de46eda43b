// Where a token lives in the store: per target, or per target and caller address (caller-ip).
// Shared with the CDK construct, which grants exactly these parameter paths.

export const CALLER_KEY_PREFIX = 'ip-';

/** SSM parameter names allow letters, digits and . - _ /; IPv6 colons become underscores. */
export function callerSlotKey(targetName: string, ip: string): string {
  return `${targetName}/${CALLER_KEY_PREFIX}${ip.replace(/[^A-Za-z0-9.]/g, '_')}`;
}

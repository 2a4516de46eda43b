// Where a token lives in the store: per target, or per target and caller for caller-ip; and the
// account a login counts against (accountKey). A caller is an IPv4 address, or an IPv6 /64: one
// host (or one attacker) has a whole /64 to pick addresses from, so keying by the full address
// would let it mint a login and a parameter per address. Shared with the CDK construct, which
// grants exactly these parameter paths.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';

export const CALLER_KEY_PREFIX = 'ip-';

/** ::ffff:192.0.2.1 (an IPv4 client seen by an IPv6 socket) is 192.0.2.1; undefined when not an IP address. */
export function normalizeIp(ip: string | undefined): string | undefined {
  if (ip === undefined) return undefined;
  const plain = ip.trim().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  return isIP(plain) === 0 ? undefined : plain.toLowerCase();
}

/** The caller a normalized address belongs to: the IPv4 address itself, or the IPv6 /64 ("2001:db8:1:2::/64"). */
export function callerKey(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  return `${expandIpv6(ip).slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** SSM parameter names allow letters, digits and . - _ /; colons and the prefix's slash become underscores. */
export function callerSlotKey(targetName: string, caller: string): string {
  return `${targetName}/${CALLER_KEY_PREFIX}${caller.replace(/[^A-Za-z0-9.]/g, '_')}`;
}

/**
 * The account a login uses: the secret at the site it logs in to (the portal or server root that
 * owns the user store). Every target with that secret at that site shares one pause and one lease.
 */
export function accountKey(secretId: string, loginSite: string): string {
  return createHash('sha256').update(JSON.stringify([secretId, loginSite.toLowerCase()])).digest('hex').slice(0, 32);
}

/** The eight 16-bit groups of an IPv6 address, "::" and an embedded IPv4 tail expanded. */
function expandIpv6(ip: string): string[] {
  let address = ip;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (v4 !== null) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    address = `${address.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = address.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(missing).fill('0'), ...right];
}

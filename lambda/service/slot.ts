// Where one token lives: a target, or a target and one caller for caller-ip targets (the token is
// bound to the caller's address). The key names the token in memory, in a flight and in the store.
import type { Target } from '../domain/config/schema.js';
import { BadRequestError } from '../domain/errors.js';
import { callerKey, callerSlotKey, normalizeIp } from '../domain/slot-key.js';

export interface Slot {
  target: Target;
  /** Memory, flight and store key: the target name, or `name/ip-CALLER`. */
  key: string;
  /** caller-ip: the caller's address (the token is bound to it) and its key (the address, or its /64). */
  callerIp?: string | undefined;
  caller?: string | undefined;
}

/** The slot a request for the target fills; a caller-ip target needs the caller's address. */
export function slotFor(target: Target, callerIp?: string): Slot {
  if (target.client !== 'caller-ip') return { target, key: target.name };
  const ip = normalizeIp(callerIp);
  if (ip === undefined) {
    throw new BadRequestError(`Target "${target.name}" binds tokens to the caller's IP address (client caller-ip), and this request's address is unknown or not an IP address.`);
  }
  const caller = callerKey(ip);
  return { target, key: callerSlotKey(target.name, caller), callerIp: ip, caller };
}

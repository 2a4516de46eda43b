// What the service keeps per slot, in memory and in the shared store (one SSM SecureString): the
// last good token with a fingerprint of the settings it was issued under (so a configuration change
// never serves a token bound to the old referer, IP or site). Rejected logins are kept apart, by the
// login coordinator (see ports.ts): a record of them next to the token could erase it.
import { createHash } from 'node:crypto';
import type { Target } from './config/schema.js';
import { isPlain, onlyKeys } from './plain-checks.js';
import type { CachedToken, TargetState } from './target-state-schema.js';

// The types are the schemas' (target-state-schema.ts), imported as types only: this module is read by
// every cold cached request and loads no zod.
export type { CachedToken, LoginFailure, TargetState } from './target-state-schema.js';

/**
 * A stored token record, or undefined when it is not one (someone edited the parameter): the record
 * as this service writes it by the plain check (writtenRecord), anything else by TargetStateSchema,
 * whose module (and zod with it) is loaded only then. The same answer as parseTargetState.
 */
export async function readTargetState(input: unknown): Promise<TargetState | undefined> {
  return writtenRecord(input) ?? (await import('./target-state-schema.js')).parseTargetState(input);
}

const BINDING_CLIENTS: readonly unknown[] = ['referer', 'ip', 'requestip', 'none', 'unknown'];
const RECORD_KEYS = new Set(['version', 'token']);
const TOKEN_KEYS = new Set(['token', 'expires', 'ssl', 'issuedAt', 'fingerprint', 'identity', 'binding', 'requestedMinutes']);
const BINDING_KEYS = new Set(['client', 'referer', 'ip']);
const text = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const positiveWhole = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;

/** CachedTokenSchema's rules for a record of exactly its keys, its output in the schema's key order. */
export function writtenRecord(input: unknown): TargetState | undefined {
  if (!isPlain(input) || input.version !== 2 || !onlyKeys(input, RECORD_KEYS)) return undefined;
  const t = input.token;
  if (t === undefined) return { version: 2 };
  if (!isPlain(t) || !onlyKeys(t, TOKEN_KEYS)) return undefined;
  const { token, expires, ssl, issuedAt, fingerprint, identity, binding, requestedMinutes } = t;
  if (!text(token) || !positiveWhole(expires) || typeof ssl !== 'boolean' || !positiveWhole(issuedAt) || !text(fingerprint) || !text(identity)) return undefined;
  if (requestedMinutes !== undefined && !positiveWhole(requestedMinutes)) return undefined;
  if (!isPlain(binding) || !onlyKeys(binding, BINDING_KEYS) || !BINDING_CLIENTS.includes(binding.client)) return undefined;
  const { referer, ip } = binding;
  if ((referer !== undefined && typeof referer !== 'string') || (ip !== undefined && typeof ip !== 'string')) return undefined;
  return {
    version: 2,
    token: {
      token,
      expires,
      ssl,
      issuedAt,
      fingerprint,
      identity,
      binding: { client: binding.client as CachedToken['binding']['client'], ...(referer === undefined ? {} : { referer }), ...(ip === undefined ? {} : { ip }) },
      ...(requestedMinutes === undefined ? {} : { requestedMinutes }),
    },
  };
}

/**
 * A hash of the settings that change which token a target needs: site, kind, binding and secret.
 * Together with the cache key (target, and caller address for caller-ip) and the identity hash it
 * is the whole cache key.
 */
export function targetFingerprint(target: Target): string {
  const material = JSON.stringify([target.url, target.kind ?? null, target.client, target.referer ?? null, target.ip ?? null, target.secretId]);
  return hash(material);
}

export function identityHash(identity: string): string {
  return hash(`identity:${identity}`);
}

function hash(material: string): string {
  return createHash('sha256').update(material).digest('hex').slice(0, 32);
}

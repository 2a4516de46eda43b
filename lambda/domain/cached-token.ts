// What the service keeps per slot, in memory and in the shared store (one SSM SecureString): the
// last good token with a fingerprint of the settings it was issued under (so a configuration change
// never serves a token bound to the old referer, IP or site). Rejected logins are kept apart, by the
// login coordinator (see ports.ts): a record of them next to the token could erase it.
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import type { Target } from './config/schema.js';
import './config/zod-locale.js';
import { lazySchema } from './config/lazy-schema.js';

export const CachedTokenSchema = lazySchema(() =>
  z.object({
    token: z.string().check(z.minLength(1)),
    /** ms since epoch, as ArcGIS returned it */
    expires: z.number().check(z.int(), z.positive()),
    ssl: z.boolean(),
    /** ms since epoch when the service received the token; with `expires` it gives the real lifetime */
    issuedAt: z.number().check(z.int(), z.positive()),
    fingerprint: z.string().check(z.minLength(1)),
    /** Hash of who the token belongs to (user name or app client id), never the name itself. */
    identity: z.string().check(z.minLength(1)),
    binding: z.object({
      client: z.enum(['referer', 'ip', 'requestip', 'none', 'unknown']),
      referer: z.optional(z.string()),
      ip: z.optional(z.string()),
    }),
    /** The lifetime asked of ArcGIS (expirationMinutes): a token much shorter than that shows the site's cap. */
    requestedMinutes: z.optional(z.number().check(z.int(), z.positive())),
  }),
);
export type CachedToken = z.infer<typeof CachedTokenSchema>;

export const LoginFailureSchema = lazySchema(() =>
  z.object({
    /** The secret version ArcGIS rejected; a new version ends the pause. */
    secretVersion: z.string(),
    at: z.number().check(z.int(), z.positive()),
    until: z.number().check(z.int(), z.positive()),
    code: z.number().check(z.int()),
    message: z.string(),
    details: z.array(z.string()),
    url: z.string(),
  }),
);
export type LoginFailure = z.infer<typeof LoginFailureSchema>;

export const TargetStateSchema = lazySchema(() =>
  z.object({
    version: z.literal(2),
    token: z.optional(CachedTokenSchema),
    /** Written by releases before the login coordinator; read and ignored. */
    loginFailure: z.optional(LoginFailureSchema),
  }),
);
export type TargetState = z.infer<typeof TargetStateSchema>;

/**
 * A stored token record, or undefined when it is not one (someone edited the parameter). The record
 * as this service writes it is checked here without zod: a cold cached request reads one, and
 * zod's first schema in a process pays for compiling zod itself (domain/config/lazy-schema.ts). Anything
 * else (a legacy loginFailure, unknown keys, any doubt) goes to TargetStateSchema, which decides;
 * test/domain/target-state.property.test.ts holds the check to giving what the schema gives.
 */
export function parseTargetState(input: unknown): TargetState | undefined {
  const written = writtenRecord(input);
  if (written !== undefined) return written;
  const parsed = TargetStateSchema.safeParse(input);
  return parsed.success ? parsed.data : undefined;
}

const BINDING_CLIENTS: readonly unknown[] = ['referer', 'ip', 'requestip', 'none', 'unknown'];
const RECORD_KEYS = new Set(['version', 'token']);
const TOKEN_KEYS = new Set(['token', 'expires', 'ssl', 'issuedAt', 'fingerprint', 'identity', 'binding', 'requestedMinutes']);
const BINDING_KEYS = new Set(['client', 'referer', 'ip']);
type Plain = Record<string, unknown>;
const isPlain = (value: unknown): value is Plain => typeof value === 'object' && value !== null && !Array.isArray(value);
const only = (value: Plain, keys: ReadonlySet<string>) => Object.keys(value).every((key) => keys.has(key) && value[key] !== undefined);
const text = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const positiveWhole = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;

/** CachedTokenSchema's rules for a record of exactly its keys, its output in the schema's key order. */
export function writtenRecord(input: unknown): TargetState | undefined {
  if (!isPlain(input) || input.version !== 2 || !only(input, RECORD_KEYS)) return undefined;
  const t = input.token;
  if (t === undefined) return { version: 2 };
  if (!isPlain(t) || !only(t, TOKEN_KEYS)) return undefined;
  const { token, expires, ssl, issuedAt, fingerprint, identity, binding, requestedMinutes } = t;
  if (!text(token) || !positiveWhole(expires) || typeof ssl !== 'boolean' || !positiveWhole(issuedAt) || !text(fingerprint) || !text(identity)) return undefined;
  if (requestedMinutes !== undefined && !positiveWhole(requestedMinutes)) return undefined;
  if (!isPlain(binding) || !only(binding, BINDING_KEYS) || !BINDING_CLIENTS.includes(binding.client)) return undefined;
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

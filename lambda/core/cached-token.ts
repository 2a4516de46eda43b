// What the service keeps per slot, in memory and in the shared store (one SSM SecureString): the
// last good token with a fingerprint of the settings it was issued under (so a configuration change
// never serves a token bound to the old referer, IP or site). Rejected logins are kept apart, by the
// login coordinator (see ports.ts): a record of them next to the token could erase it.
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import type { Target } from '../config/schema.js';
import '../config/zod-locale.js';

export const CachedTokenSchema = z.object({
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
});
export type CachedToken = z.infer<typeof CachedTokenSchema>;

export const LoginFailureSchema = z.object({
  /** The secret version ArcGIS rejected; a new version ends the pause. */
  secretVersion: z.string(),
  at: z.number().check(z.int(), z.positive()),
  until: z.number().check(z.int(), z.positive()),
  code: z.number().check(z.int()),
  message: z.string(),
  details: z.array(z.string()),
  url: z.string(),
});
export type LoginFailure = z.infer<typeof LoginFailureSchema>;

export const TargetStateSchema = z.object({
  version: z.literal(2),
  token: z.optional(CachedTokenSchema),
  /** Written by releases before the login coordinator; read and ignored. */
  loginFailure: z.optional(LoginFailureSchema),
});
export type TargetState = z.infer<typeof TargetStateSchema>;

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

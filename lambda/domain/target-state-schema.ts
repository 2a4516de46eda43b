// The stored token record's schemas (what cached-token.ts's plain check leaves to zod), in a module
// of their own: zod/mini's code loads with this one, on the first record the check does not
// recognise, and never on a cold cached request (domain/config/lazy-schema.ts says why that matters).
import * as z from 'zod/mini';
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
 * A stored token record by the schema, or undefined when it is not one (someone edited the
 * parameter). The cached path reads records with readTargetState (cached-token.ts), which tries
 * the zod-free writtenRecord first and loads this module only for what that leaves;
 * test/domain/target-state.property.test.ts holds writtenRecord to giving what the schema gives.
 */
export function parseTargetState(input: unknown): TargetState | undefined {
  const parsed = TargetStateSchema.safeParse(input);
  return parsed.success ? parsed.data : undefined;
}

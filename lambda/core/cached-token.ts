// What the service keeps per target (in memory and in SSM): the token, when it expires, and a
// fingerprint of the settings it was issued under, so a configuration change never serves a token
// bound to the old referer, IP or site.
import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { Target } from '../config/schema.js';
import { tokenEndpointFor } from '../arcgis/token-endpoint.js';

export const CachedTokenSchema = z.object({
  version: z.literal(1),
  token: z.string().min(1),
  /** ms since epoch, as ArcGIS returned it */
  expires: z.number().int().positive(),
  ssl: z.boolean(),
  /** ms since epoch when the service received the token; with `expires` it gives the real lifetime */
  issuedAt: z.number().int().positive(),
  fingerprint: z.string().min(1),
});

export type CachedToken = z.infer<typeof CachedTokenSchema>;

/** A hash of everything that changes which token a target needs. */
export function targetFingerprint(target: Target): string {
  const material = JSON.stringify([tokenEndpointFor(target.url), target.client, target.referer ?? null, target.ip ?? null, target.secretId]);
  return createHash('sha256').update(material).digest('hex').slice(0, 32);
}

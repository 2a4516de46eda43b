// ArcGIS caps token lifetimes silently: asked for 60 minutes, a site with a 30-minute maximum
// answers with 30. The slot's last token shows the cap, so a minValidity that no token from the
// site can meet is refused without a login (each such request would otherwise log in again).
import type { Target } from '../domain/config/schema.js';
import type { CachedToken } from '../domain/cached-token.js';
import { BadRequestError } from '../domain/errors.js';

/** A token this much shorter than asked for shows the site's cap (clocks and latency account for less). */
export const CAP_TOLERANCE_MS = 120_000;

/** True when a token issued at `issuedAt` and expiring at `expires` is shorter than the target asked for. */
export function isCapped(target: Target, issuedAt: number, expires: number): boolean {
  return expires - issuedAt < target.expirationMinutes * 60_000 - CAP_TOLERANCE_MS;
}

/**
 * Throws when `last` (the slot's last token, issued under the target's current settings) shows a
 * cap that `minValiditySeconds` cannot fit under; does nothing when there is no such token.
 */
export function refuseBeyondCap(target: Target, last: CachedToken | undefined, minValiditySeconds: number): void {
  if (minValiditySeconds === 0 || last === undefined || last.requestedMinutes !== target.expirationMinutes) return;
  if (!isCapped(target, last.issuedAt, last.expires)) return;
  const lifetimeMs = last.expires - last.issuedAt;
  const capSeconds = Math.floor(lifetimeMs / 1000);
  if (minValiditySeconds < capSeconds) return;
  throw new BadRequestError(
    `minValidity ${minValiditySeconds} s cannot be met: the site of target "${target.name}" caps its tokens at ${capSeconds} s (it was asked for ${target.expirationMinutes} min and gave ${Math.round(lifetimeMs / 60_000)}). Ask for less than ${capSeconds} s, or raise the site's maximum token expiration.`,
  );
}

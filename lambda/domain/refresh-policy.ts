// When a cached token is still good enough to serve.
//
// A token is refreshed a margin before it expires so a caller never receives one that dies in its
// hands and so a clock skew between ArcGIS and Lambda of up to a minute is absorbed. The default
// margin is 10% of the token's real lifetime (ArcGIS may cap the requested one), at least 60 s,
// and never more than half the lifetime, or a short-lived token would be regenerated on every call.
import type { CachedToken } from './cached-token.js';

export const MIN_MARGIN_MS = 60_000;
export const MARGIN_FRACTION = 0.1;

export function refreshMarginMs(token: Pick<CachedToken, 'expires' | 'issuedAt'>, overrideSeconds?: number): number {
  const lifetime = Math.max(0, token.expires - token.issuedAt);
  const wanted = overrideSeconds !== undefined ? overrideSeconds * 1000 : Math.max(MIN_MARGIN_MS, lifetime * MARGIN_FRACTION);
  return Math.min(wanted, lifetime / 2);
}

/**
 * True when the token can be served to a caller that needs it to stay valid for `minValidityMs`:
 * it must outlive both the refresh margin and the caller's need.
 */
export function isServable(token: Pick<CachedToken, 'expires' | 'issuedAt'>, now: number, minValidityMs: number, overrideSeconds?: number): boolean {
  return token.expires - now > Math.max(refreshMarginMs(token, overrideSeconds), minValidityMs);
}

/** True when the schedule should refresh the token now: it would not stay servable until the run after this one. */
export function needsScheduledRefresh(token: Pick<CachedToken, 'expires' | 'issuedAt'> | undefined, now: number, intervalMs: number, overrideSeconds?: number): boolean {
  if (token === undefined) return true;
  return !isServable(token, now + intervalMs, 0, overrideSeconds);
}

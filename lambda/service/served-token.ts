// What the service answers with: a token, where it came from, and whether it stands in for a
// refresh that failed. Counted here (served, cache hits) so every path that answers is counted once.
import type { CachedToken } from '../domain/cached-token.js';
import type { Target } from '../domain/config/schema.js';
import { METRIC } from '../domain/metric-names.js';
import type { Metrics, TokenBinding } from '../domain/ports.js';

export type TokenSource = 'cache' | 'generated' | 'manual';

export interface ServedToken {
  target: Target;
  token: string;
  expires: number;
  ssl: boolean;
  binding: TokenBinding;
  source: TokenSource;
  /** True when a refresh failed and this older, still valid token is served instead. */
  stale: boolean;
  /** Why the refresh failed, when stale (or when a manual token stands in). */
  staleReason?: string;
}

export class ServedTokens {
  private readonly fromCache = new WeakMap<CachedToken, ServedToken>();

  constructor(private readonly metrics: Metrics) {}

  serve(target: Target, token: CachedToken, source: TokenSource): ServedToken {
    this.metrics.count(METRIC.tokensServed, target.name);
    if (source !== 'cache') return { target, token: token.token, expires: token.expires, ssl: token.ssl, binding: token.binding, source, stale: false };
    this.metrics.count(METRIC.cacheHits, target.name);
    // One immutable answer per cached token, so callers can memoize what they derive from it.
    let served = this.fromCache.get(token);
    if (served === undefined) this.fromCache.set(token, (served = Object.freeze({ target, token: token.token, expires: token.expires, ssl: token.ssl, binding: token.binding, source, stale: false })));
    return served;
  }
}

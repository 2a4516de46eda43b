// ArcGIS can kill a token before it expires (a new token key, a restored site, an administrator).
// The schedule asks ArcGIS about the cached token on every run, and a caller may report it
// rejected (X-Rejected-Token); a confirmed rejection (498) marks the token revoked in this
// container, so it is never served again and the next load replaces it.
import type { CachedToken } from '../domain/cached-token.js';
import { describeError } from '../domain/errors.js';
import { METRIC } from '../domain/metric-names.js';
import type { Log, Metrics, TokenIssuer } from '../domain/ports.js';
import { KeyedFlight } from './keyed-flight.js';
import type { Slot } from './slot.js';

/**
 * A report that a token ArcGIS still accepts was rejected is checked again at most this often per
 * slot: the report may come from a caller sending the wrong Referer, or from anyone wanting to make
 * the service hit ArcGIS.
 */
export const REJECTION_RECHECK_MS = 60_000;

export type Verdict = 'alive' | 'revoked' | 'unknown';

export interface RevocationDeps {
  issuer: Pick<TokenIssuer, 'check'>;
  log: Log;
  metrics: Metrics;
  now: () => number;
}

export class Revocations {
  private readonly checks = new KeyedFlight<Verdict>();
  /** Per slot: the token ArcGIS confirmed dead. */
  private readonly revoked = new Map<string, string>();
  /** Per slot: the last check of a token, whatever its verdict. */
  private readonly lastCheck = new Map<string, { token: string; at: number }>();

  constructor(private readonly deps: RevocationDeps) {}

  isRevoked(slot: Slot, token: CachedToken): boolean {
    return this.revoked.get(slot.key) === token.token;
  }

  /** True when a caller's report of this token should be checked now (not checked in the last REJECTION_RECHECK_MS). */
  reportDue(slot: Slot, token: CachedToken): boolean {
    const last = this.lastCheck.get(slot.key);
    return last === undefined || last.token !== token.token || this.deps.now() - last.at >= REJECTION_RECHECK_MS;
  }

  /** Asks ArcGIS whether the token still works (one request per slot and token at a time), and remembers a 498. */
  async check(slot: Slot, token: CachedToken, deadline: number): Promise<Verdict> {
    const { issuer, log, metrics, now } = this.deps;
    const verdict = await this.checks.run(`${slot.key} ${token.token}`, async () => {
      try {
        return await issuer.check(slot.target, token, deadline);
      } catch (error) {
        log.warn('could not check whether the cached token still works', { target: slot.target.name, error: describeError(error) });
        return 'unknown' as const;
      }
    });
    this.lastCheck.set(slot.key, { token: token.token, at: now() });
    if (verdict === 'revoked' && !this.isRevoked(slot, token)) {
      this.revoked.set(slot.key, token.token);
      metrics.count(METRIC.tokensRevoked, slot.target.name);
      log.warn('ArcGIS rejects the cached token before its expiry (498: a new token key, a restored site, or an administrator); replacing it', { target: slot.target.name, expiresAt: new Date(token.expires).toISOString() });
    }
    return verdict;
  }
}

// After a failed refresh a caller still gets a token when one covers its request: the newest
// known token of the slot while it stays valid (marked stale), else the administrator's manual
// token from the secret (read earlier; the secret is not read again here), else the error.
import type { Log, Metrics } from '../domain/ports.js';
import { describeError } from '../domain/errors.js';
import { METRIC } from '../domain/metric-names.js';
import type { CachingCredentialSource } from './caching-credentials.js';
import type { Revocations } from './revocation.js';
import type { ServedToken, ServedTokens } from './served-token.js';
import type { Slot } from './slot.js';
import type { TokenMemory } from './token-memory.js';

export interface FallbackDeps {
  memory: TokenMemory;
  revocations: Pick<Revocations, 'isRevoked'>;
  credentials: CachingCredentialSource;
  served: ServedTokens;
  log: Log;
  metrics: Metrics;
  now: () => number;
}

export class Fallback {
  constructor(private readonly deps: FallbackDeps) {}

  /** A token valid for more than minValidityMs that stands in for the failed refresh; throws the error when there is none. */
  serve(slot: Slot, minValidityMs: number, error: unknown): ServedToken {
    const { memory, revocations, credentials, served, log, metrics, now } = this.deps;
    const reason = error instanceof Error ? error.message : String(error);
    const known = memory.get(slot);
    if (known !== undefined && !revocations.isRevoked(slot, known) && memory.usable(slot, known, memory.knownIdentity(slot.target)) && known.expires - now() > minValidityMs) {
      metrics.count(METRIC.staleServed, slot.target.name);
      log.warn('refresh failed; serving the cached token while it stays valid', { target: slot.target.name, expiresAt: new Date(known.expires).toISOString(), reason: describeError(error) });
      return { ...served.serve(slot.target, known, 'cache'), stale: true, staleReason: reason };
    }
    const cached = credentials.peek(slot.target.secretId, Number.POSITIVE_INFINITY);
    const manual = cached?.credentials.manual;
    if (cached !== undefined && manual !== undefined && manual.expires - now() > minValidityMs) {
      log.warn('refresh failed; serving the manual token from the secret', { target: slot.target.name, expiresAt: new Date(manual.expires).toISOString(), reason: describeError(error) });
      return { ...served.serve(slot.target, memory.manual(slot, manual, cached.credentials), 'manual'), staleReason: reason };
    }
    throw error;
  }
}

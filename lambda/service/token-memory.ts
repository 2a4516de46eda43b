// What this container knows of each slot's token: the newest usable one seen in the store or
// issued here, and whose it is. A stored token counts only when it was issued under the target's
// current settings (its fingerprint) and, when the secret is known, to the secret's current user.
// The store is an optimisation: a read or write that fails is logged and counted, never thrown.
import { identityHash, targetFingerprint, type CachedToken, type TargetState } from '../domain/cached-token.js';
import type { Target } from '../domain/config/schema.js';
import { describeError } from '../domain/errors.js';
import { METRIC } from '../domain/metric-names.js';
import { credentialIdentity, type Credentials, type Log, type ManualToken, type Metrics, type TokenStore } from '../domain/ports.js';
import type { CachingCredentialSource } from './caching-credentials.js';
import type { Slot } from './slot.js';

export interface TokenMemoryDeps {
  store: TokenStore;
  credentials: CachingCredentialSource;
  targets: readonly Target[];
  /** True when ArcGIS confirmed this slot's token dead: a stored token then replaces it even if older. */
  isRevoked: (slot: Slot, token: CachedToken) => boolean;
  log: Log;
  metrics: Metrics;
  now: () => number;
}

export class TokenMemory {
  /** The newest known token per slot, servable or not (a stale fallback). */
  private readonly tokens = new Map<string, CachedToken>();
  private readonly fingerprints = new Map<string, string>();
  private readonly identityHashes = new WeakMap<Credentials, string>();

  constructor(private readonly deps: TokenMemoryDeps) {
    for (const target of deps.targets) this.fingerprints.set(target.name, targetFingerprint(target));
  }

  get(slot: Slot): CachedToken | undefined {
    return this.tokens.get(slot.key);
  }

  set(slot: Slot, token: CachedToken): void {
    this.tokens.set(slot.key, token);
  }

  /** The fingerprint of the target's token-shaping settings. */
  fingerprint(target: Target): string {
    return this.fingerprints.get(target.name)!;
  }

  /** A cached token is for this slot when its settings and, if known, its owner match. */
  usable(slot: Slot, token: CachedToken, identity: string | undefined): boolean {
    return token.fingerprint === this.fingerprints.get(slot.target.name) && (identity === undefined || token.identity === identity);
  }

  /** The identity hash of credentials, kept per credentials object: hashing on every cache hit measured as a third of its cost. */
  identityOf(credentials: Credentials): string {
    let hash = this.identityHashes.get(credentials);
    if (hash === undefined) this.identityHashes.set(credentials, (hash = identityHash(credentialIdentity(credentials))));
    return hash;
  }

  /** The owner of the target's credentials if this container holds them now, without any I/O. */
  knownIdentity(target: Target): string | undefined {
    const cached = this.deps.credentials.peek(target.secretId);
    return cached === undefined ? undefined : this.identityOf(cached.credentials);
  }

  /** The owner of the target's credentials; undefined when the secret cannot be read now. */
  async readIdentity(target: Target): Promise<string | undefined> {
    try {
      const { credentials } = await this.deps.credentials.read(target.secretId);
      return this.identityOf(credentials);
    } catch {
      // Reported when a login needs the secret; a cached token can still be served without it.
      return undefined;
    }
  }

  /** Reads the slot's stored state and keeps its token if it is newer; the token now known. */
  async reload(slot: Slot, identity: string | undefined): Promise<CachedToken | undefined> {
    this.remember(slot, await this.read(slot), identity);
    return this.tokens.get(slot.key);
  }

  /** The slot's stored state; undefined when there is none or the store fails. */
  async read(slot: Slot): Promise<TargetState | undefined> {
    try {
      return await this.deps.store.get(slot.key);
    } catch (error) {
      this.storeFault(slot.target, 'read', error);
      return undefined;
    }
  }

  /** Keeps the newest usable token known from the store. */
  remember(slot: Slot, state: TargetState | undefined, identity: string | undefined): void {
    const stored = state?.token;
    if (stored === undefined) return;
    if (!this.usable(slot, stored, identity)) {
      this.deps.log.info('cached token was issued under other settings or credentials; ignoring it', { target: slot.target.name });
      return;
    }
    const known = this.tokens.get(slot.key);
    const replaces = known === undefined || !this.usable(slot, known, identity) || stored.expires > known.expires || (this.deps.isRevoked(slot, known) && stored.token !== known.token);
    if (replaces) this.tokens.set(slot.key, stored);
  }

  /** Writes a new token, unless the store already holds a newer one for the same settings and owner (then that one is kept). */
  async storeNewer(slot: Slot, token: CachedToken): Promise<void> {
    const older = (await this.read(slot))?.token;
    if (older !== undefined && older.fingerprint === token.fingerprint && older.identity === token.identity && older.expires > token.expires) {
      this.tokens.set(slot.key, older);
      return;
    }
    try {
      await this.deps.store.put(slot.key, { version: 2, token });
    } catch (error) {
      this.storeFault(slot.target, 'write', error);
    }
  }

  /** An administrator's manual token from the secret, as a cached token of this slot. */
  manual(slot: Slot, manual: ManualToken, credentials: Credentials): CachedToken {
    return { token: manual.token, expires: manual.expires, ssl: true, issuedAt: Math.min(this.deps.now(), manual.expires - 1), fingerprint: this.fingerprint(slot.target), identity: this.identityOf(credentials), binding: { client: 'unknown' } };
  }

  private storeFault(target: Target, operation: string, error: unknown): void {
    this.deps.metrics.count(METRIC.storeFaults, target.name);
    this.deps.log.warn(`token store ${operation} failed; continuing without it`, { target: target.name, error: describeError(error) });
  }
}

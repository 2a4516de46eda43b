// Token policy: serve from memory, then from the shared store, and only then log in to ArcGIS:
// one login in flight per slot in a container, and across containers one per account, under the
// login gate's lease (login-gate.ts); a still-valid token (marked stale) or an administrator's
// manual token served when a refresh fails. A login happens only when the cached token is missing
// or too close to expiry by the service's own policy; a caller's minValidity beyond that may cause
// one at most once per interval per account, and never one that a fresh token could not satisfy.
import { createHash } from 'node:crypto';
import type { ServiceConfig, Target } from '../domain/config/schema.js';
import { DEFAULT_MAX_CALLERS } from '../domain/config/schema.js';
import {
  ArcGisBadResponseError,
  ArcGisRateLimitedError,
  ArcGisRefusedError,
  ArcGisUnreachableError,
  BadRequestError,
  TokenLifetimeError,
  TooManyCallersError,
  UnknownTargetError,
  describeError,
} from '../domain/errors.js';
import { MemoryLoginCoordinator } from './memory-login-coordinator.js';
import { ARCGIS_CODE_DIMENSION, METRIC } from '../domain/metric-names.js';
import { CachingCredentialSource } from './caching-credentials.js';
import { identityHash, targetFingerprint, type CachedToken, type TargetState } from '../domain/cached-token.js';
import { KeyedFlight } from './keyed-flight.js';
import { LoginGate, PAUSED_SECRET_MAX_AGE_MS } from './login-gate.js';
import {
  NO_METRICS,
  credentialIdentity,
  type CredentialSource,
  type Credentials,
  type Log,
  type LoginCoordinator,
  type ManualToken,
  type Metrics,
  type TokenBinding,
  type TokenIssuer,
  type TokenStore,
} from '../domain/ports.js';
import { isServable, needsScheduledRefresh, refreshMarginMs } from '../domain/refresh-policy.js';
import { callerKey, callerSlotKey, normalizeIp } from '../domain/slot-key.js';

export { LOGIN_PAUSE_MS, LEASE_POLL_MS, PAUSED_SECRET_MAX_AGE_MS } from './login-gate.js';

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

export interface TokenRequestContext {
  /** The calling app's address (API Gateway's sourceIp); needed by caller-ip targets. */
  callerIp?: string | undefined;
  /**
   * A token the caller says ArcGIS rejected (the X-Rejected-Token header). When it is the cached
   * token and ArcGIS confirms the rejection (498), the token is replaced; any other report changes
   * nothing and causes no login.
   */
  rejectedToken?: string | undefined;
  /** When the answer is due (ms since epoch); by default `deadlineMs` from now. */
  deadline?: number | undefined;
}

/** A token from ArcGIS much shorter than asked for shows the site's cap (ArcGIS caps silently). */
const CAP_TOLERANCE_MS = 120_000;
/**
 * A report that a token ArcGIS still accepts was rejected is checked again at most this often per
 * slot: the report may come from a caller sending the wrong Referer, or from anyone wanting to make
 * the service hit ArcGIS.
 */
export const REJECTION_RECHECK_MS = 60_000;

export interface TokenServiceDeps {
  config: ServiceConfig;
  store: TokenStore;
  /** Coordinates logins across containers (DynamoDB in AWS, in memory locally): required, never defaulted, so no wiring can drop the fleet's lockout protection. */
  coordinator: LoginCoordinator;
  credentials: CredentialSource;
  issuer: TokenIssuer;
  log: Log;
  metrics?: Metrics;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Where one token lives: a target, or a target and a caller for caller-ip. */
interface Slot {
  target: Target;
  /** Memory, flight and store key: the target name, or `name/ip-CALLER`. */
  key: string;
  /** caller-ip: the caller's address (the token is bound to it) and its key (the address, or its /64). */
  callerIp?: string | undefined;
  caller?: string | undefined;
}

interface LoadResult {
  token: CachedToken;
  source: TokenSource;
}

/** What a load must end with, and why it may log in. */
interface Need {
  /** True when a token is good enough for this request. */
  accepts: (token: CachedToken) => boolean;
  minValidityMs: number;
  /** The schedule: the policy says the token must be replaced now. */
  scheduled: boolean;
  deadline: number;
}

export class TokenService {
  private readonly now: () => number;
  private readonly metrics: Metrics;
  private readonly credentials: CachingCredentialSource;
  private readonly gate: LoginGate;
  private readonly coordinator: LoginCoordinator;
  /** Admissions of caller-ip callers when the coordinator cannot be reached: per container then. */
  private readonly localAdmissions = new MemoryLoginCoordinator();
  private readonly targets: Map<string, Target>;
  private readonly fingerprints = new Map<string, string>();
  /** The newest known token per slot, servable or not (a stale fallback). */
  private readonly memory = new Map<string, CachedToken>();
  private readonly flights = new KeyedFlight<LoadResult>();
  private readonly checks = new KeyedFlight<'alive' | 'revoked' | 'unknown'>();
  /** Per slot: the token ArcGIS confirmed dead (never served again), or the last check that found it alive. */
  private readonly revoked = new Map<string, string>();
  private readonly lastCheck = new Map<string, { token: string; at: number }>();
  private readonly identityHashes = new WeakMap<Credentials, string>();
  private readonly servedFromCache = new WeakMap<CachedToken, ServedToken>();

  constructor(private readonly deps: TokenServiceDeps) {
    this.now = deps.now ?? Date.now;
    const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    this.metrics = deps.metrics ?? NO_METRICS;
    this.credentials = deps.credentials instanceof CachingCredentialSource ? deps.credentials : new CachingCredentialSource(deps.credentials, this.now);
    this.coordinator = deps.coordinator;
    this.gate = new LoginGate({ coordinator: this.coordinator, log: deps.log, metrics: this.metrics, now: this.now, sleep });
    this.targets = new Map(deps.config.targets.map((t) => [t.name, t]));
    for (const target of deps.config.targets) this.fingerprints.set(target.name, targetFingerprint(target));
  }

  get config(): ServiceConfig {
    return this.deps.config;
  }

  /** The named target, or the default one when no name is given. */
  target(name?: string): Target {
    const target = this.targets.get(name ?? this.deps.config.defaultTarget);
    if (target === undefined) {
      throw new UnknownTargetError(`There is no target named "${name}". Configured targets: ${[...this.targets.keys()].join(', ')}.`);
    }
    return target;
  }

  /**
   * A token for the target that stays valid for at least `minValiditySeconds` (and beyond the
   * refresh margin when it can be refreshed). Concurrent callers share one store read and at most
   * one ArcGIS login.
   */
  async getToken(name: string | undefined, minValiditySeconds = 0, context: TokenRequestContext = {}): Promise<ServedToken> {
    const slot = this.slot(this.target(name), context.callerIp);
    const { target } = slot;
    const lifetimeSeconds = target.expirationMinutes * 60;
    if (minValiditySeconds >= lifetimeSeconds) {
      throw new BadRequestError(
        `minValidity ${minValiditySeconds} s cannot be met: target "${target.name}" issues tokens for ${lifetimeSeconds} s (expirationMinutes ${target.expirationMinutes}). Ask for less than ${lifetimeSeconds} s.`,
      );
    }
    const minValidityMs = minValiditySeconds * 1000;
    this.refuseBeyondCap(slot, minValiditySeconds);
    const deadline = context.deadline ?? this.now() + this.deps.config.deadlineMs;
    if (context.rejectedToken !== undefined) await this.confirmRejection(slot, context.rejectedToken, deadline);
    const need: Need = { accepts: (token) => !this.isRevoked(slot, token) && this.servable(token, minValidityMs), minValidityMs, scheduled: false, deadline };

    // Two rounds at most: a flight started by a caller with a smaller minValidity may return a
    // cached token that is too short for this caller, who then needs a fresh one.
    for (let round = 0; round < 2; round++) {
      const remembered = this.memory.get(slot.key);
      if (remembered !== undefined && this.usable(slot, remembered, this.knownIdentity(target)) && need.accepts(remembered)) {
        return this.serve(target, remembered, 'cache');
      }

      let result: LoadResult;
      try {
        result = await this.flights.run(slot.key, () => this.load(slot, need, true));
      } catch (error) {
        return this.fallback(slot, minValidityMs, error);
      }
      const left = result.token.expires - this.now();
      if (need.accepts(result.token) || (result.source !== 'cache' && left > minValidityMs)) {
        return this.serve(target, result.token, result.source);
      }
      if (result.source !== 'cache') {
        throw new TokenLifetimeError(
          result.source === 'manual'
            ? `The manual token of target "${target.name}" expires at ${new Date(result.token.expires).toISOString()}, sooner than the requested minValidity of ${minValiditySeconds} s. Ask an administrator for a new one and store it in secret "${target.secretId}".`
            : `ArcGIS issued a token for target "${target.name}" that expires at ${new Date(result.token.expires).toISOString()}, sooner than the requested minValidity of ${minValiditySeconds} s: the site caps token lifetimes below expirationMinutes ${target.expirationMinutes}. Ask for less, or raise the site's maximum token expiration.`,
        );
      }
    }
    throw new TokenLifetimeError(`No token for target "${target.name}" could satisfy minValidity ${minValiditySeconds} s; try again.`);
  }

  /**
   * Called by the schedule: refreshes the target's token when it would not stay servable until the
   * next run. caller-ip targets are refreshed on demand only: their tokens belong to callers.
   */
  async refreshIfDue(name: string, intervalMs: number, deadline?: number): Promise<'fresh' | 'refreshed' | 'on-demand'> {
    const target = this.target(name);
    if (target.client === 'caller-ip') return 'on-demand';
    const slot = this.slot(target);
    const fresh = (token: CachedToken) => !needsScheduledRefresh(token, this.now(), intervalMs, this.deps.config.refreshMarginSeconds);
    // Both reads at once: the secret (the schedule is where the owner check always runs) and the store.
    const [identity, state] = await Promise.all([this.readIdentity(target), this.readState(target, slot.key)]);
    this.remember(slot, state, identity);
    const current = this.memory.get(slot.key);
    const until = deadline ?? this.now() + this.deps.config.deadlineMs;
    if (current !== undefined && this.usable(slot, current, identity) && fresh(current)) {
      // Every run also asks ArcGIS whether the token still works: it may have died before expiring.
      if ((await this.verdict(slot, current, until)) !== 'revoked') return 'fresh';
    }
    const need: Need = { accepts: (token) => !this.isRevoked(slot, token) && fresh(token), minValidityMs: 0, scheduled: true, deadline: until };
    const result = await this.flights.run(slot.key, () => this.load(slot, need, false));
    return result.source === 'cache' ? 'fresh' : 'refreshed';
  }

  private slot(target: Target, callerIp?: string): Slot {
    if (target.client !== 'caller-ip') return { target, key: target.name };
    const ip = normalizeIp(callerIp);
    if (ip === undefined) {
      throw new BadRequestError(`Target "${target.name}" binds tokens to the caller's IP address (client caller-ip), and this request's address is unknown or not an IP address.`);
    }
    const caller = callerKey(ip);
    return { target, key: callerSlotKey(target.name, caller), callerIp: ip, caller };
  }

  /**
   * A caller reports the token it was given rejected. Only a report of the token this slot holds
   * now is checked, once per REJECTION_RECHECK_MS while ArcGIS keeps accepting it; a confirmed
   * rejection marks it revoked, and the request that follows replaces it (one login for the fleet,
   * however many callers report it: they share the lease, and find the new token in the store).
   */
  private async confirmRejection(slot: Slot, rejected: string, deadline: number): Promise<void> {
    if (this.memory.get(slot.key) === undefined) this.remember(slot, await this.readState(slot.target, slot.key), this.knownIdentity(slot.target));
    const current = this.memory.get(slot.key);
    if (current === undefined || current.token !== rejected || this.isRevoked(slot, current)) return;
    const last = this.lastCheck.get(slot.key);
    if (last !== undefined && last.token === rejected && this.now() - last.at < REJECTION_RECHECK_MS) return;
    const verdict = await this.verdict(slot, current, deadline);
    if (verdict !== 'revoked') {
      this.deps.log.info('a caller reported the cached token rejected, but ArcGIS still accepts it; keeping it', { target: slot.target.name, verdict });
    }
  }

  /** Asks ArcGIS whether the token still works (one request per slot and token at a time), and remembers a 498. */
  private async verdict(slot: Slot, token: CachedToken, deadline: number): Promise<'alive' | 'revoked' | 'unknown'> {
    const verdict = await this.checks.run(`${slot.key} ${token.issuedAt} ${token.expires}`, async () => {
      try {
        return await this.deps.issuer.check(slot.target, token, deadline);
      } catch (error) {
        this.deps.log.warn('could not check whether the cached token still works', { target: slot.target.name, error: describeError(error) });
        return 'unknown' as const;
      }
    });
    this.lastCheck.set(slot.key, { token: token.token, at: this.now() });
    if (verdict === 'revoked' && !this.isRevoked(slot, token)) {
      this.revoked.set(slot.key, token.token);
      this.metrics.count(METRIC.tokensRevoked, slot.target.name);
      this.deps.log.warn('ArcGIS rejects the cached token before its expiry (498: a new token key, a restored site, or an administrator); replacing it', { target: slot.target.name, expiresAt: new Date(token.expires).toISOString() });
    }
    return verdict;
  }

  private isRevoked(slot: Slot, token: CachedToken): boolean {
    return this.revoked.get(slot.key) === token.token;
  }

  private servable(token: CachedToken, minValidityMs: number): boolean {
    return isServable(token, this.now(), minValidityMs, this.deps.config.refreshMarginSeconds);
  }

  /** A cached token is for this slot when its settings and, if known, its owner match. */
  private usable(slot: Slot, token: CachedToken, identity: string | undefined): boolean {
    return token.fingerprint === this.fingerprints.get(slot.target.name) && (identity === undefined || token.identity === identity);
  }

  /**
   * Refuses, without a login, a minValidity that no token from this site can meet: ArcGIS caps
   * lifetimes silently, and the slot's last token shows the cap it applied to this target's request.
   */
  private refuseBeyondCap(slot: Slot, minValiditySeconds: number): void {
    if (minValiditySeconds === 0) return;
    const token = this.memory.get(slot.key);
    const { target } = slot;
    if (token === undefined || token.requestedMinutes !== target.expirationMinutes || !this.usable(slot, token, undefined)) return;
    const lifetimeMs = token.expires - token.issuedAt;
    if (lifetimeMs >= target.expirationMinutes * 60_000 - CAP_TOLERANCE_MS) return;
    const capSeconds = Math.floor(lifetimeMs / 1000);
    if (minValiditySeconds < capSeconds) return;
    throw new BadRequestError(
      `minValidity ${minValiditySeconds} s cannot be met: the site of target "${target.name}" caps its tokens at ${capSeconds} s (it was asked for ${target.expirationMinutes} min and gave ${Math.round(lifetimeMs / 60_000)}). Ask for less than ${capSeconds} s, or raise the site's maximum token expiration.`,
    );
  }

  /** The token from memory or the store if it meets the need, else from a login under the gate. */
  private async load(slot: Slot, need: Need, readStore: boolean): Promise<LoadResult> {
    const { target } = slot;
    if (readStore) {
      // A cached request needs the store alone. The owner check (is the stored token the current
      // secret's user?) uses the secret only when this container already holds it: reading it here
      // would add a second AWS call to every cold start, and a Secrets Manager that hangs would hold
      // up a fresh token. A token of a previous user is replaced by the next scheduled run, which
      // reads the secret (so within scheduleIntervalMinutes), or once a container reads it to log in.
      const identity = this.knownIdentity(target);
      this.remember(slot, await this.readState(target, slot.key), identity);
      const stored = this.memory.get(slot.key);
      if (stored !== undefined && need.accepts(stored)) return { token: stored, source: 'cache' };
      if (!need.scheduled) this.refuseBeyondCap(slot, need.minValidityMs / 1000);
    }

    let { credentials, version } = await this.credentials.read(target.secretId);
    if (credentials.kind === 'manual') return { token: this.manualToken(slot, credentials.manual, credentials), source: 'manual' };

    const site = await this.deps.issuer.loginSite(target, need.deadline);
    const account = accountKey(target.secretId, site);
    if (this.gate.knownPause(account) !== undefined) {
      // Paused: a secret fixed since is noticed within PAUSED_SECRET_MAX_AGE_MS, not the usual 5 minutes.
      ({ credentials, version } = await this.credentials.read(target.secretId, PAUSED_SECRET_MAX_AGE_MS));
      if (credentials.kind === 'manual') return { token: this.manualToken(slot, credentials.manual, credentials), source: 'manual' };
    }
    const login = credentials;
    // Now that the secret is known, a stored token of another user is no longer good enough.
    const stored = this.memory.get(slot.key);
    if (stored !== undefined && this.usable(slot, stored, this.identityOf(login)) && need.accepts(stored)) return { token: stored, source: 'cache' };

    const current = this.memory.get(slot.key);
    const policyNeedsLogin = need.scheduled || current === undefined || !this.usable(slot, current, this.identityOf(login)) || !this.servable(current, 0) || this.isRevoked(slot, current);
    const demand = policyNeedsLogin ? (need.minValidityMs > refreshMarginMs(current ?? { issuedAt: 0, expires: target.expirationMinutes * 60_000 }, this.deps.config.refreshMarginSeconds) ? 'note' : 'none') : 'limit';
    if (slot.caller !== undefined) await this.admit(slot, need.deadline);

    const result = await this.gate.run({
      account,
      secretVersion: version,
      deadline: need.deadline,
      demand,
      demandIntervalMs: this.deps.config.minValidityRefreshIntervalSeconds * 1000,
      target: target.name,
      secretId: target.secretId,
      lookup: async () => {
        this.remember(slot, await this.readState(target, slot.key), this.identityOf(login));
        const token = this.memory.get(slot.key);
        return token !== undefined && this.usable(slot, token, this.identityOf(login)) && need.accepts(token) ? token : undefined;
      },
      login: (loginDeadline) => this.login(slot, login, loginDeadline),
      store: (token) => this.storeToken(slot, token),
    });
    return result;
  }

  /** A caller-ip caller is served only while fewer than maxCallers others are (fleet-wide when the coordinator answers). */
  private async admit(slot: Slot, deadline: number): Promise<void> {
    const { target } = slot;
    const max = target.maxCallers ?? DEFAULT_MAX_CALLERS;
    const admission = { scope: target.name, caller: slot.caller!, now: this.now(), until: this.now() + target.expirationMinutes * 60_000, max };
    let admitted: boolean;
    try {
      admitted = await this.coordinator.admitCaller(admission, Math.max(1, deadline - this.now()));
    } catch (error) {
      this.metrics.count(METRIC.storeFaults, target.name);
      this.deps.log.warn('login coordinator: caller admission failed; counting callers in this container only', { target: target.name, error: describeError(error) });
      admitted = await this.localAdmissions.admitCaller(admission);
    }
    if (!admitted) {
      throw new TooManyCallersError(
        `Target "${target.name}" binds a token to each caller (client caller-ip) and already serves ${max} distinct callers (maxCallers; an IPv6 caller counts by its /64). Retry later, raise maxCallers, or give these callers a referer-bound target.`,
      );
    }
  }

  private async login(slot: Slot, credentials: Exclude<Credentials, { kind: 'manual' }>, deadline: number): Promise<CachedToken> {
    const { target } = slot;
    const started = this.now();
    try {
      const issued = await this.deps.issuer.issue({
        target,
        credentials,
        deadline,
        client: target.client === 'caller-ip' ? 'ip' : target.client,
        referer: target.referer,
        ip: target.client === 'caller-ip' ? slot.callerIp : target.ip,
      });
      this.metrics.count(METRIC.tokensGenerated, target.name);
      this.deps.log.info('token generated', { target: target.name, expiresAt: new Date(issued.expires).toISOString(), ssl: issued.ssl, client: issued.binding.client, lifetimeSeconds: Math.round((issued.expires - started) / 1000) });
      if (issued.expires - started < target.expirationMinutes * 60_000 - CAP_TOLERANCE_MS) {
        this.deps.log.warn('ArcGIS issued a shorter lifetime than requested (the site caps it)', { target: target.name, requestedMinutes: target.expirationMinutes, grantedMinutes: Math.round((issued.expires - started) / 60_000) });
      }
      const token: CachedToken = {
        token: issued.token,
        expires: issued.expires,
        ssl: issued.ssl,
        issuedAt: started,
        fingerprint: this.fingerprints.get(target.name)!,
        identity: this.identityOf(credentials),
        binding: stripUndefined(issued.binding),
        requestedMinutes: target.expirationMinutes,
      };
      this.memory.set(slot.key, token);
      return token;
    } catch (error) {
      this.metrics.count(METRIC.arcgisErrors, target.name, { [ARCGIS_CODE_DIMENSION]: arcgisCodeOf(error) });
      throw error;
    }
  }

  /** Writes a new token, unless the store already holds a newer one for the same settings and owner. */
  private async storeToken(slot: Slot, token: CachedToken): Promise<void> {
    const stored = await this.readState(slot.target, slot.key);
    const older = stored?.token;
    if (older !== undefined && older.fingerprint === token.fingerprint && older.identity === token.identity && older.expires > token.expires) {
      this.memory.set(slot.key, older);
      return;
    }
    await this.writeState(slot.target, slot.key, { version: 2, token });
  }

  /** Keeps the newest usable token known from the store. */
  private remember(slot: Slot, state: TargetState | undefined, identity: string | undefined): void {
    if (state?.token !== undefined && this.usable(slot, state.token, identity)) {
      const known = this.memory.get(slot.key);
      const replaces = known === undefined || !this.usable(slot, known, identity) || state.token.expires > known.expires || (this.isRevoked(slot, known) && state.token.token !== known.token);
      if (replaces) this.memory.set(slot.key, state.token);
    } else if (state?.token !== undefined) {
      this.deps.log.info('cached token was issued under other settings or credentials; ignoring it', { target: slot.target.name });
    }
  }

  /** The identity hash of the target's credentials; undefined when the secret cannot be read now. */
  private async readIdentity(target: Target): Promise<string | undefined> {
    try {
      const { credentials } = await this.credentials.read(target.secretId);
      return this.identityOf(credentials);
    } catch {
      // Reported when a login needs the secret; a cached token can still be served without it.
      return undefined;
    }
  }

  private knownIdentity(target: Target): string | undefined {
    const cached = this.credentials.peek(target.secretId);
    return cached === undefined ? undefined : this.identityOf(cached.credentials);
  }

  /** The identity hash of credentials, kept per credentials object: hashing on every cache hit measured as a third of its cost. */
  private identityOf(credentials: Credentials): string {
    let hash = this.identityHashes.get(credentials);
    if (hash === undefined) this.identityHashes.set(credentials, (hash = identityHash(credentialIdentity(credentials))));
    return hash;
  }

  private async readState(target: Target, key: string): Promise<TargetState | undefined> {
    try {
      return await this.deps.store.get(key);
    } catch (error) {
      // The store is an optimisation: without it the service can still log in and serve.
      this.storeFault(target, 'read', error);
      return undefined;
    }
  }

  private async writeState(target: Target, key: string, state: TargetState): Promise<void> {
    try {
      await this.deps.store.put(key, state);
    } catch (error) {
      this.storeFault(target, 'write', error);
    }
  }

  private storeFault(target: Target, operation: string, error: unknown): void {
    this.metrics.count(METRIC.storeFaults, target.name);
    this.deps.log.warn(`token store ${operation} failed; continuing without it`, { target: target.name, error: describeError(error) });
  }

  private manualToken(slot: Slot, manual: ManualToken, credentials: Credentials): CachedToken {
    return { token: manual.token, expires: manual.expires, ssl: true, issuedAt: Math.min(this.now(), manual.expires - 1), fingerprint: this.fingerprints.get(slot.target.name)!, identity: this.identityOf(credentials), binding: { client: 'unknown' } };
  }

  private serve(target: Target, token: CachedToken, source: TokenSource): ServedToken {
    this.metrics.count(METRIC.tokensServed, target.name);
    if (source !== 'cache') return { target, token: token.token, expires: token.expires, ssl: token.ssl, binding: token.binding, source, stale: false };
    this.metrics.count(METRIC.cacheHits, target.name);
    // One immutable answer per cached token, so callers can memoize what they derive from it.
    let served = this.servedFromCache.get(token);
    if (served === undefined) this.servedFromCache.set(token, (served = Object.freeze({ target, token: token.token, expires: token.expires, ssl: token.ssl, binding: token.binding, source, stale: false })));
    return served;
  }

  /**
   * After a failed refresh: the newest known token if it still covers the caller (stale), else the
   * administrator's manual token from the secret if it does, else the error.
   */
  private fallback(slot: Slot, minValidityMs: number, error: unknown): ServedToken {
    const reason = error instanceof Error ? error.message : String(error);
    const known = this.memory.get(slot.key);
    if (known !== undefined && !this.isRevoked(slot, known) && this.usable(slot, known, this.knownIdentity(slot.target)) && known.expires - this.now() > minValidityMs) {
      this.metrics.count(METRIC.staleServed, slot.target.name);
      this.deps.log.warn('refresh failed; serving the cached token while it stays valid', { target: slot.target.name, expiresAt: new Date(known.expires).toISOString(), reason: describeError(error) });
      return { ...this.serve(slot.target, known, 'cache'), stale: true, staleReason: reason };
    }
    const cached = this.credentials.peek(slot.target.secretId, Number.POSITIVE_INFINITY);
    const manual = cached?.credentials.manual;
    if (cached !== undefined && manual !== undefined && manual.expires - this.now() > minValidityMs) {
      this.deps.log.warn('refresh failed; serving the manual token from the secret', { target: slot.target.name, expiresAt: new Date(manual.expires).toISOString(), reason: describeError(error) });
      return { ...this.serve(slot.target, this.manualToken(slot, manual, cached.credentials), 'manual'), staleReason: reason };
    }
    throw error;
  }
}

/**
 * The account a login uses: the secret at the site it logs in to (the portal or server root that
 * owns the user store). Every target with that secret at that site shares one pause and one lease.
 */
export function accountKey(secretId: string, loginSite: string): string {
  return createHash('sha256').update(JSON.stringify([secretId, loginSite.toLowerCase()])).digest('hex').slice(0, 32);
}

function stripUndefined(binding: TokenBinding): CachedToken['binding'] {
  return { client: binding.client, ...(binding.referer !== undefined ? { referer: binding.referer } : {}), ...(binding.ip !== undefined ? { ip: binding.ip } : {}) };
}

/** The ArcGisCode dimension: ArcGIS's code, the HTTP status of a bad answer, or "unreachable". */
function arcgisCodeOf(error: unknown): string {
  if (error instanceof ArcGisRefusedError) return String(error.arcgis.code);
  if (error instanceof ArcGisRateLimitedError) return `http-${error.httpStatus}`;
  if (error instanceof ArcGisBadResponseError) return `http-${error.httpStatus}`;
  if (error instanceof ArcGisUnreachableError) return 'unreachable';
  return 'other';
}

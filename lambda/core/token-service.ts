// Token policy: serve from memory, then from the shared store, and only then log in to ArcGIS;
// one login in flight per cache key per container, and across containers one login per lease; a
// still-valid token (marked stale) or an administrator's manual token served when a refresh
// fails; and never a second login with credentials ArcGIS has just rejected, in any container,
// until the secret changes or the pause ends.
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { ServiceConfig, Target } from '../config/schema.js';
import {
  ArcGisBadResponseError,
  ArcGisRefusedError,
  ArcGisUnreachableError,
  BadRequestError,
  InvalidCredentialsError,
  LoginPausedError,
  TokenLifetimeError,
  UnknownTargetError,
  describeError,
} from '../errors.js';
import { ARCGIS_CODE_DIMENSION, METRIC } from '../observability/metric-names.js';
import { CachingCredentialSource } from './caching-credentials.js';
import { identityHash, targetFingerprint, type CachedToken, type LoginFailure, type TargetState } from './cached-token.js';
import {
  NO_METRICS,
  credentialIdentity,
  type CredentialSource,
  type Credentials,
  type Log,
  type ManualToken,
  type Metrics,
  type TokenBinding,
  type TokenIssuer,
  type TokenStore,
} from './ports.js';
import { isServable, needsScheduledRefresh } from './refresh-policy.js';
import { callerSlotKey } from './slot-key.js';

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
}

/** How long logins stay paused after ArcGIS rejected a secret version (unless the secret changes). */
export const LOGIN_PAUSE_MS = 15 * 60_000;
/** While logins are paused, the secret is re-read at most this often to notice a new version. */
export const PAUSED_SECRET_MAX_AGE_MS = 10_000;
/** How often a container waiting on another container's login looks for its token. */
export const LEASE_POLL_MS = 250;
/** The lease outlives one ArcGIS round (discovery, login, exchange, check) by this much. */
const LEASE_SLACK_MS = 2_000;

export interface TokenServiceDeps {
  config: ServiceConfig;
  store: TokenStore;
  credentials: CredentialSource;
  issuer: TokenIssuer;
  log: Log;
  metrics?: Metrics;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Where one token lives: a target, or a target and a caller address for caller-ip. */
interface Slot {
  target: Target;
  /** Memory, flight, store and lease key: the target name, or `name/ip-ADDRESS`. */
  key: string;
  callerIp?: string | undefined;
}

interface LoadResult {
  token: CachedToken;
  source: TokenSource;
}

export class TokenService {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly metrics: Metrics;
  private readonly credentials: CachingCredentialSource;
  private readonly holder = randomUUID();
  private readonly targets: Map<string, Target>;
  private readonly fingerprints = new Map<string, string>();
  /** The newest known token per slot, servable or not (a stale fallback). */
  private readonly memory = new Map<string, CachedToken>();
  /** The newest known rejected login per target. */
  private readonly failures = new Map<string, LoginFailure>();
  private readonly flights = new Map<string, Promise<LoadResult>>();
  private readonly identityHashes = new WeakMap<Credentials, string>();
  private readonly servedFromCache = new WeakMap<CachedToken, ServedToken>();

  constructor(private readonly deps: TokenServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.metrics = deps.metrics ?? NO_METRICS;
    this.credentials = deps.credentials instanceof CachingCredentialSource ? deps.credentials : new CachingCredentialSource(deps.credentials, this.now);
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

    // Two rounds at most: a flight started by a caller with a smaller minValidity may return a
    // cached token that is too short for this caller, who then needs a fresh one.
    for (let round = 0; round < 2; round++) {
      const remembered = this.memory.get(slot.key);
      if (remembered !== undefined && this.usable(slot, remembered, this.knownIdentity(target)) && this.servable(remembered, minValidityMs)) {
        return this.serve(target, remembered, 'cache');
      }

      let result: LoadResult;
      try {
        result = await this.flight(slot, minValidityMs, false);
      } catch (error) {
        return this.fallback(slot, minValidityMs, error);
      }
      const left = result.token.expires - this.now();
      if (this.servable(result.token, minValidityMs) || (result.source !== 'cache' && left > minValidityMs)) {
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
  async refreshIfDue(name: string, intervalMs: number): Promise<'fresh' | 'refreshed' | 'on-demand'> {
    const target = this.target(name);
    if (target.client === 'caller-ip') return 'on-demand';
    const slot = this.slot(target);
    // Both reads at once, as in load(): the secret (for the owner check) and the store.
    const [identity, state] = await Promise.all([this.readIdentity(target), this.readState(target, slot.key)]);
    this.remember(slot, state, identity);
    const current = this.memory.get(slot.key);
    if (current !== undefined && !needsScheduledRefresh(current, this.now(), intervalMs, this.deps.config.refreshMarginSeconds)) return 'fresh';
    await this.flight(slot, 0, true);
    return 'refreshed';
  }

  private slot(target: Target, callerIp?: string): Slot {
    if (target.client !== 'caller-ip') return { target, key: target.name };
    const ip = normalizeIp(callerIp);
    if (ip === undefined) {
      throw new BadRequestError(`Target "${target.name}" binds tokens to the caller's IP address (client caller-ip), and this request's address is unknown or not an IP address.`);
    }
    return { target, key: callerSlotKey(target.name, ip), callerIp: ip };
  }

  private servable(token: CachedToken, minValidityMs: number): boolean {
    return isServable(token, this.now(), minValidityMs, this.deps.config.refreshMarginSeconds);
  }

  /** A cached token is for this slot when its settings and, if known, its owner match. */
  private usable(slot: Slot, token: CachedToken, identity: string | undefined): boolean {
    return token.fingerprint === this.fingerprints.get(slot.target.name) && (identity === undefined || token.identity === identity);
  }

  private flight(slot: Slot, minValidityMs: number, force: boolean): Promise<LoadResult> {
    const existing = this.flights.get(slot.key);
    if (existing !== undefined) return existing;
    const promise = this.load(slot, minValidityMs, force).finally(() => {
      // Released whether it succeeded or failed: a failed login must never stay the pending result.
      this.flights.delete(slot.key);
    });
    this.flights.set(slot.key, promise);
    return promise;
  }

  private async load(slot: Slot, minValidityMs: number, force: boolean): Promise<LoadResult> {
    const { target } = slot;
    // A pause this container already knows of needs no store read to be honoured.
    await this.checkPause(target);
    // On a cold container both reads go out at once: the secret (for the owner check) and the store.
    const [identity, state, targetState] = await Promise.all([
      this.readIdentity(target),
      force ? undefined : this.readState(target, slot.key),
      force || slot.key === target.name ? undefined : this.readState(target, target.name), // the target's pause record
    ]);
    if (!force) {
      this.remember(slot, state, identity);
      this.remember(slot, targetState, identity);
      const stored = this.memory.get(slot.key);
      if (stored !== undefined && this.servable(stored, minValidityMs)) return { token: stored, source: 'cache' };
      await this.checkPause(target);
    }

    const { credentials, version } = await this.credentials.read(target.secretId);
    if (credentials.kind === 'manual') return { token: this.manualToken(slot, credentials.manual, credentials), source: 'manual' };

    const lease = await this.takeLease(slot, minValidityMs);
    if (lease.token !== undefined) return { token: lease.token, source: 'cache' };
    try {
      const token = await this.login(slot, credentials, version);
      this.memory.set(slot.key, token);
      this.failures.delete(target.name);
      await this.writeState(target, slot.key, { version: 2, token });
      return { token, source: 'generated' };
    } finally {
      if (lease.ours) await this.releaseLease(slot);
    }
  }

  /** Throws LoginPausedError while ArcGIS's rejection of the current secret version stands. */
  private async checkPause(target: Target): Promise<void> {
    const failure = this.failures.get(target.name);
    if (failure === undefined || this.now() >= failure.until) return;
    const { version } = await this.credentials.read(target.secretId, PAUSED_SECRET_MAX_AGE_MS);
    if (version !== failure.secretVersion) {
      this.deps.log.info('secret changed since ArcGIS rejected it; logins resume', { target: target.name });
      this.failures.delete(target.name);
      return;
    }
    this.metrics.count(METRIC.loginsPaused, target.name);
    throw new LoginPausedError(
      `ArcGIS rejected the credentials of target "${target.name}" at ${new Date(failure.at).toISOString()} (error ${failure.code}: ${[failure.message, ...failure.details].join(' / ')}); logins are paused until ${new Date(failure.until).toISOString()} so the account cannot be locked. Put the right credentials in secret "${target.secretId}": a new secret version ends the pause within ${PAUSED_SECRET_MAX_AGE_MS / 1000} s.`,
      failure.until,
      { url: failure.url, code: failure.code, message: failure.message, details: failure.details },
    );
  }

  /**
   * Becomes the container that logs in, or waits for the one that does. Returns the other
   * container's token when it arrives in time; otherwise the caller logs in (`ours` tells whether it
   * holds the lease). A store that cannot do leases never blocks a login.
   */
  private async takeLease(slot: Slot, minValidityMs: number): Promise<{ ours: boolean; token?: CachedToken }> {
    const ttl = this.deps.config.requestTimeoutMs + LEASE_SLACK_MS;
    const acquire = async (): Promise<boolean | undefined> => {
      try {
        return await this.deps.store.acquireLease(slot.key, this.holder, ttl, this.now());
      } catch (error) {
        this.storeFault(slot.target, 'lease', error);
        return undefined;
      }
    };
    const first = await acquire();
    if (first !== false) return { ours: first === true };

    // Another container is logging in: watch for its token, and take over if its lease runs out.
    const identity = this.knownIdentity(slot.target);
    const polls = Math.ceil(ttl / LEASE_POLL_MS);
    for (let poll = 1; poll <= polls; poll++) {
      await this.sleep(LEASE_POLL_MS);
      this.remember(slot, await this.readState(slot.target, slot.key), identity);
      const token = this.memory.get(slot.key);
      if (token !== undefined && this.servable(token, minValidityMs)) return { ours: false, token };
      if (slot.key !== slot.target.name) this.remember(slot, await this.readState(slot.target, slot.target.name), identity);
      await this.checkPause(slot.target); // the other container's login was rejected
      if (poll % 4 === 0 || poll === polls) {
        const retry = await acquire();
        if (retry !== false) return { ours: retry === true };
      }
    }
    return { ours: false };
  }

  private async releaseLease(slot: Slot): Promise<void> {
    try {
      await this.deps.store.releaseLease(slot.key, this.holder);
    } catch (error) {
      this.storeFault(slot.target, 'lease release', error);
    }
  }

  private async login(slot: Slot, credentials: Exclude<Credentials, { kind: 'manual' }>, version: string): Promise<CachedToken> {
    const { target } = slot;
    const started = this.now();
    try {
      const issued = await this.deps.issuer.issue({
        target,
        credentials,
        client: target.client === 'caller-ip' ? 'ip' : target.client,
        referer: target.referer,
        ip: target.client === 'caller-ip' ? slot.callerIp : target.ip,
      });
      this.metrics.count(METRIC.tokensGenerated, target.name);
      this.deps.log.info('token generated', { target: target.name, expiresAt: new Date(issued.expires).toISOString(), ssl: issued.ssl, client: issued.binding.client, lifetimeSeconds: Math.round((issued.expires - started) / 1000) });
      if (issued.expires - started < target.expirationMinutes * 60_000 - 120_000) {
        this.deps.log.warn('ArcGIS issued a shorter lifetime than requested (the site caps it)', { target: target.name, requestedMinutes: target.expirationMinutes, grantedMinutes: Math.round((issued.expires - started) / 60_000) });
      }
      return {
        token: issued.token,
        expires: issued.expires,
        ssl: issued.ssl,
        issuedAt: started,
        fingerprint: this.fingerprints.get(target.name)!,
        identity: this.identityOf(credentials),
        binding: stripUndefined(issued.binding),
      };
    } catch (error) {
      this.metrics.count(METRIC.arcgisErrors, target.name, { [ARCGIS_CODE_DIMENSION]: arcgisCodeOf(error) });
      if (error instanceof InvalidCredentialsError) await this.recordRejection(target, version, error);
      throw error;
    }
  }

  /** Records the rejection next to the target's cached token, leaving the token itself untouched. */
  private async recordRejection(target: Target, secretVersion: string, error: InvalidCredentialsError): Promise<void> {
    const at = this.now();
    const failure: LoginFailure = { secretVersion, at, until: at + LOGIN_PAUSE_MS, code: error.arcgis.code, message: error.arcgis.message, details: error.arcgis.details, url: error.arcgis.url };
    this.failures.set(target.name, failure);
    this.deps.log.error('ArcGIS rejected the credentials; logins paused', { target: target.name, arcgisCode: failure.code, pausedUntil: new Date(failure.until).toISOString() });
    const current = await this.readState(target, target.name);
    const token = current?.token ?? (target.client === 'caller-ip' ? undefined : this.memory.get(target.name));
    await this.writeState(target, target.name, { version: 2, ...(token !== undefined ? { token } : {}), loginFailure: failure });
  }

  /** Keeps the newest usable token and the newest rejection known from the store. */
  private remember(slot: Slot, state: TargetState | undefined, identity: string | undefined): void {
    if (state?.token !== undefined && this.usable(slot, state.token, identity)) {
      const known = this.memory.get(slot.key);
      if (known === undefined || !this.usable(slot, known, identity) || state.token.expires > known.expires) this.memory.set(slot.key, state.token);
    } else if (state?.token !== undefined) {
      this.deps.log.info('cached token was issued under other settings or credentials; ignoring it', { target: slot.target.name });
    }
    if (state?.loginFailure !== undefined) {
      const known = this.failures.get(slot.target.name);
      if (known === undefined || state.loginFailure.at > known.at) this.failures.set(slot.target.name, state.loginFailure);
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
    if (known !== undefined && this.usable(slot, known, this.knownIdentity(slot.target)) && known.expires - this.now() > minValidityMs) {
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

/** ::ffff:192.0.2.1 (an IPv4 client seen by an IPv6 socket) is 192.0.2.1. */
function normalizeIp(ip: string | undefined): string | undefined {
  if (ip === undefined) return undefined;
  const plain = ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  return isIP(plain) === 0 ? undefined : plain.toLowerCase();
}

function stripUndefined(binding: TokenBinding): CachedToken['binding'] {
  return { client: binding.client, ...(binding.referer !== undefined ? { referer: binding.referer } : {}), ...(binding.ip !== undefined ? { ip: binding.ip } : {}) };
}

/** The ArcGisCode dimension: ArcGIS's code, the HTTP status of a bad answer, or "unreachable". */
function arcgisCodeOf(error: unknown): string {
  if (error instanceof ArcGisRefusedError) return String(error.arcgis.code);
  if (error instanceof ArcGisBadResponseError) return `http-${error.httpStatus}`;
  if (error instanceof ArcGisUnreachableError) return 'unreachable';
  return 'other';
}

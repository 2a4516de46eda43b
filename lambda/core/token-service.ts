// Token policy: serve from memory, then from the shared store, and only then log in to ArcGIS;
// one login in flight per target per container, and across containers one login per lease; a
// still-valid token served (marked stale) when a refresh fails; and never a second login with
// credentials ArcGIS has just rejected, in any container, until the secret changes or the pause ends.
import { randomUUID } from 'node:crypto';
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
import { METRIC } from '../observability/metric-names.js';
import { CachingCredentialSource } from './caching-credentials.js';
import { targetFingerprint, type CachedToken, type LoginFailure, type TargetState } from './cached-token.js';
import { NO_METRICS, type CredentialSource, type Log, type Metrics, type TokenIssuer, type TokenStore } from './ports.js';
import { isServable, needsScheduledRefresh } from './refresh-policy.js';

export type TokenSource = 'cache' | 'generated';

export interface ServedToken {
  target: Target;
  token: string;
  expires: number;
  ssl: boolean;
  source: TokenSource;
  /** True when a refresh failed and this older, still valid token is served instead. */
  stale: boolean;
  /** Why the refresh failed, when stale. */
  staleReason?: string;
}

/** How long logins stay paused after ArcGIS rejected a secret version (unless the secret changes). */
export const LOGIN_PAUSE_MS = 15 * 60_000;
/** While logins are paused, the secret is re-read at most this often to notice a new version. */
export const PAUSED_SECRET_MAX_AGE_MS = 10_000;
/** How often a container waiting on another container's login looks for its token. */
export const LEASE_POLL_MS = 250;
/** The lease outlives one ArcGIS request by this much (store round trips). */
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
  /** The newest known token per target, servable or not (a stale fallback). */
  private readonly memory = new Map<string, CachedToken>();
  /** The newest known rejected login per target. */
  private readonly failures = new Map<string, LoginFailure>();
  private readonly flights = new Map<string, Promise<LoadResult>>();

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
  async getToken(name: string | undefined, minValiditySeconds = 0): Promise<ServedToken> {
    const target = this.target(name);
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
      const remembered = this.memory.get(target.name);
      if (remembered !== undefined && this.servable(remembered, minValidityMs)) return this.serve(target, remembered, 'cache');

      let result: LoadResult;
      try {
        result = await this.flight(target, minValidityMs, false);
      } catch (error) {
        return this.serveStale(target, minValidityMs, error);
      }
      if (this.servable(result.token, minValidityMs) || (result.source === 'generated' && result.token.expires - this.now() > minValidityMs)) {
        return this.serve(target, result.token, result.source);
      }
      if (result.source === 'generated') {
        throw new TokenLifetimeError(
          `ArcGIS issued a token for target "${target.name}" that expires at ${new Date(result.token.expires).toISOString()}, sooner than the requested minValidity of ${minValiditySeconds} s: the site caps token lifetimes below expirationMinutes ${target.expirationMinutes}. Ask for less, or raise the site's maximum token expiration.`,
        );
      }
    }
    throw new TokenLifetimeError(`No token for target "${target.name}" could satisfy minValidity ${minValiditySeconds} s; try again.`);
  }

  /**
   * Called by the schedule: refreshes the target's token when it would not stay servable until the
   * next run. Returns what it did.
   */
  async refreshIfDue(name: string, intervalMs: number): Promise<'fresh' | 'refreshed'> {
    const target = this.target(name);
    this.remember(target, await this.readState(target));
    const current = this.memory.get(target.name);
    if (current !== undefined && !needsScheduledRefresh(current, this.now(), intervalMs, this.deps.config.refreshMarginSeconds)) return 'fresh';
    await this.flight(target, 0, true);
    return 'refreshed';
  }

  private servable(token: CachedToken, minValidityMs: number): boolean {
    return isServable(token, this.now(), minValidityMs, this.deps.config.refreshMarginSeconds);
  }

  private flight(target: Target, minValidityMs: number, force: boolean): Promise<LoadResult> {
    const existing = this.flights.get(target.name);
    if (existing !== undefined) return existing;
    const promise = this.load(target, minValidityMs, force).finally(() => {
      // Released whether it succeeded or failed: a failed login must never stay the pending result.
      this.flights.delete(target.name);
    });
    this.flights.set(target.name, promise);
    return promise;
  }

  private async load(target: Target, minValidityMs: number, force: boolean): Promise<LoadResult> {
    // A pause this container already knows of needs no store read to be honoured.
    await this.checkPause(target);
    if (!force) {
      this.remember(target, await this.readState(target));
      const stored = this.memory.get(target.name);
      if (stored !== undefined && this.servable(stored, minValidityMs)) return { token: stored, source: 'cache' };
      await this.checkPause(target);
    }

    const lease = await this.takeLease(target, minValidityMs);
    if (lease.token !== undefined) return { token: lease.token, source: 'cache' };
    try {
      const token = await this.login(target);
      this.memory.set(target.name, token);
      this.failures.delete(target.name);
      await this.writeState(target, { version: 2, token });
      return { token, source: 'generated' };
    } finally {
      if (lease.ours) await this.releaseLease(target);
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
  private async takeLease(target: Target, minValidityMs: number): Promise<{ ours: boolean; token?: CachedToken }> {
    const ttl = this.deps.config.requestTimeoutMs + LEASE_SLACK_MS;
    const acquire = async (): Promise<boolean | undefined> => {
      try {
        return await this.deps.store.acquireLease(target.name, this.holder, ttl, this.now());
      } catch (error) {
        this.storeFault(target, 'lease', error);
        return undefined;
      }
    };
    const first = await acquire();
    if (first !== false) return { ours: first === true };

    // Another container is logging in: watch for its token, and take over if its lease runs out.
    const polls = Math.ceil(ttl / LEASE_POLL_MS);
    for (let poll = 1; poll <= polls; poll++) {
      await this.sleep(LEASE_POLL_MS);
      this.remember(target, await this.readState(target));
      const token = this.memory.get(target.name);
      if (token !== undefined && this.servable(token, minValidityMs)) return { ours: false, token };
      await this.checkPause(target); // the other container's login was rejected
      if (poll % 4 === 0 || poll === polls) {
        const retry = await acquire();
        if (retry !== false) return { ours: retry === true };
      }
    }
    return { ours: false };
  }

  private async releaseLease(target: Target): Promise<void> {
    try {
      await this.deps.store.releaseLease(target.name, this.holder);
    } catch (error) {
      this.storeFault(target, 'lease release', error);
    }
  }

  private async login(target: Target): Promise<CachedToken> {
    const { credentials, version } = await this.credentials.read(target.secretId);
    const started = this.now();
    try {
      const issued = await this.deps.issuer.issue(target, credentials);
      this.metrics.count(METRIC.tokensGenerated, target.name);
      this.deps.log.info('token generated', { target: target.name, expiresAt: new Date(issued.expires).toISOString(), ssl: issued.ssl, lifetimeSeconds: Math.round((issued.expires - started) / 1000) });
      return { token: issued.token, expires: issued.expires, ssl: issued.ssl, issuedAt: started, fingerprint: this.fingerprints.get(target.name)! };
    } catch (error) {
      this.metrics.count(METRIC.arcgisErrors, target.name, { ArcGisCode: arcgisCodeOf(error) });
      if (error instanceof InvalidCredentialsError) await this.recordRejection(target, version, error);
      throw error;
    }
  }

  /** Records the rejection next to the cached token, leaving the token itself untouched. */
  private async recordRejection(target: Target, secretVersion: string, error: InvalidCredentialsError): Promise<void> {
    const at = this.now();
    const failure: LoginFailure = { secretVersion, at, until: at + LOGIN_PAUSE_MS, code: error.arcgis.code, message: error.arcgis.message, details: error.arcgis.details, url: error.arcgis.url };
    this.failures.set(target.name, failure);
    this.deps.log.error('ArcGIS rejected the credentials; logins paused', { target: target.name, arcgisCode: failure.code, pausedUntil: new Date(failure.until).toISOString() });
    const current = await this.readState(target);
    const token = current?.token ?? this.memory.get(target.name);
    await this.writeState(target, { version: 2, ...(token !== undefined ? { token } : {}), loginFailure: failure });
  }

  /** Keeps the newest token and rejection known from the store. */
  private remember(target: Target, state: TargetState | undefined): void {
    if (state?.token !== undefined) {
      const known = this.memory.get(target.name);
      if (known === undefined || state.token.expires > known.expires) this.memory.set(target.name, state.token);
    }
    if (state?.loginFailure !== undefined) {
      const known = this.failures.get(target.name);
      if (known === undefined || state.loginFailure.at > known.at) this.failures.set(target.name, state.loginFailure);
    }
  }

  private async readState(target: Target): Promise<TargetState | undefined> {
    let state: TargetState | undefined;
    try {
      state = await this.deps.store.get(target.name);
    } catch (error) {
      // The store is an optimisation: without it the service can still log in and serve.
      this.storeFault(target, 'read', error);
      return undefined;
    }
    if (state?.token !== undefined && state.token.fingerprint !== this.fingerprints.get(target.name)) {
      this.deps.log.info('cached token was issued under other settings; ignoring it', { target: target.name });
      const { token: _ignored, ...rest } = state;
      return rest;
    }
    return state;
  }

  private async writeState(target: Target, state: TargetState): Promise<void> {
    try {
      await this.deps.store.put(target.name, state);
    } catch (error) {
      this.storeFault(target, 'write', error);
    }
  }

  private storeFault(target: Target, operation: string, error: unknown): void {
    this.metrics.count(METRIC.storeFaults, target.name);
    this.deps.log.warn(`token store ${operation} failed; continuing without it`, { target: target.name, error: describeError(error) });
  }

  private serve(target: Target, token: CachedToken, source: TokenSource): ServedToken {
    this.metrics.count(METRIC.tokensServed, target.name);
    if (source === 'cache') this.metrics.count(METRIC.cacheHits, target.name);
    return { target, token: token.token, expires: token.expires, ssl: token.ssl, source, stale: false };
  }

  /** After a failed refresh: the newest known token if it still covers the caller, else the error. */
  private serveStale(target: Target, minValidityMs: number, error: unknown): ServedToken {
    const known = this.memory.get(target.name);
    if (known === undefined || known.expires - this.now() <= minValidityMs) throw error;
    const reason = describeError(error);
    this.metrics.count(METRIC.staleServed, target.name);
    this.deps.log.warn('refresh failed; serving the cached token while it stays valid', { target: target.name, expiresAt: new Date(known.expires).toISOString(), reason });
    return { ...this.serve(target, known, 'cache'), stale: true, staleReason: error instanceof Error ? error.message : reason };
  }
}

/** The ArcGisCode dimension: ArcGIS's code, the HTTP status of a bad answer, or "unreachable". */
function arcgisCodeOf(error: unknown): string {
  if (error instanceof ArcGisRefusedError) return String(error.arcgis.code);
  if (error instanceof ArcGisBadResponseError) return `http-${error.httpStatus}`;
  if (error instanceof ArcGisUnreachableError) return 'unreachable';
  return 'other';
}

// Token policy: serve from memory, then from the shared store, and only then log in to ArcGIS,
// with one login in flight per target per container, and never a second login with credentials
// ArcGIS has just rejected.
import type { ServiceConfig, Target } from '../config/schema.js';
import {
  BadRequestError,
  InvalidCredentialsError,
  LoginPausedError,
  TokenLifetimeError,
  UnknownTargetError,
  describeError,
  type ArcGisErrorInfo,
} from '../errors.js';
import { CachedTokenSchema, targetFingerprint, type CachedToken } from './cached-token.js';
import type { CredentialSource, Log, TokenIssuer, TokenStore } from './ports.js';
import { isServable, needsScheduledRefresh } from './refresh-policy.js';

export type TokenSource = 'cache' | 'generated';

export interface ServedToken {
  target: Target;
  token: string;
  expires: number;
  ssl: boolean;
  source: TokenSource;
}

/** How long logins stay paused after ArcGIS rejected a secret version (unless the secret changes). */
export const LOGIN_PAUSE_MS = 15 * 60_000;

export interface TokenServiceDeps {
  config: ServiceConfig;
  store: TokenStore;
  credentials: CredentialSource;
  issuer: TokenIssuer;
  log: Log;
  now?: () => number;
}

interface LoginPause {
  secretVersion: string;
  until: number;
  reason: ArcGisErrorInfo;
}

interface Flight {
  promise: Promise<{ token: CachedToken; source: TokenSource }>;
}

export class TokenService {
  private readonly now: () => number;
  private readonly targets: Map<string, Target>;
  private readonly fingerprints = new Map<string, string>();
  private readonly memory = new Map<string, CachedToken>();
  private readonly flights = new Map<string, Flight>();
  private readonly pauses = new Map<string, LoginPause>();

  constructor(private readonly deps: TokenServiceDeps) {
    this.now = deps.now ?? Date.now;
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
   * refresh margin). Concurrent callers share one store read and at most one ArcGIS login.
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
      const remembered = this.fromMemory(target);
      if (remembered !== undefined && this.servable(remembered, minValidityMs)) return this.serve(target, remembered, 'cache');

      const result = await this.flight(target, minValidityMs, false);
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
    const current = this.fromMemory(target) ?? (await this.readStore(target));
    if (current !== undefined && !needsScheduledRefresh(current, this.now(), intervalMs, this.deps.config.refreshMarginSeconds)) {
      this.memory.set(target.name, current);
      return 'fresh';
    }
    await this.flight(target, 0, true);
    return 'refreshed';
  }

  private servable(token: CachedToken, minValidityMs: number): boolean {
    return isServable(token, this.now(), minValidityMs, this.deps.config.refreshMarginSeconds);
  }

  private fromMemory(target: Target): CachedToken | undefined {
    return this.memory.get(target.name);
  }

  private flight(target: Target, minValidityMs: number, force: boolean): Promise<{ token: CachedToken; source: TokenSource }> {
    const existing = this.flights.get(target.name);
    if (existing !== undefined) return existing.promise;
    const promise = this.load(target, minValidityMs, force).finally(() => {
      // Released whether it succeeded or failed: a failed login must never stay the pending result.
      this.flights.delete(target.name);
    });
    this.flights.set(target.name, { promise });
    return promise;
  }

  private async load(target: Target, minValidityMs: number, force: boolean): Promise<{ token: CachedToken; source: TokenSource }> {
    if (!force) {
      const stored = await this.readStore(target);
      if (stored !== undefined && this.servable(stored, minValidityMs)) {
        this.memory.set(target.name, stored);
        return { token: stored, source: 'cache' };
      }
    }
    const token = await this.login(target);
    this.memory.set(target.name, token);
    await this.writeStore(target, token);
    return { token, source: 'generated' };
  }

  private async login(target: Target): Promise<CachedToken> {
    const { credentials, version } = await this.deps.credentials.read(target.secretId);
    const pause = this.pauses.get(target.name);
    if (pause !== undefined) {
      if (pause.secretVersion === version && this.now() < pause.until) {
        throw new LoginPausedError(
          `ArcGIS rejected the credentials of target "${target.name}" (error ${pause.reason.code}); logins are paused until ${new Date(pause.until).toISOString()} so the account cannot be locked. Put the right credentials in secret "${target.secretId}": a new secret version ends the pause at once.`,
          pause.until,
          pause.reason,
        );
      }
      this.pauses.delete(target.name);
    }

    const started = this.now();
    try {
      const issued = await this.deps.issuer.issue(target, credentials);
      this.deps.log.info('token generated', { target: target.name, expiresAt: new Date(issued.expires).toISOString(), ssl: issued.ssl, lifetimeSeconds: Math.round((issued.expires - started) / 1000) });
      return CachedTokenSchema.parse({ version: 1, token: issued.token, expires: issued.expires, ssl: issued.ssl, issuedAt: started, fingerprint: this.fingerprints.get(target.name) });
    } catch (error) {
      if (error instanceof InvalidCredentialsError) {
        this.pauses.set(target.name, { secretVersion: version, until: this.now() + LOGIN_PAUSE_MS, reason: error.arcgis });
        this.deps.log.error('credentials rejected; logins paused', { target: target.name, arcgisCode: error.arcgis.code, pausedUntil: new Date(this.now() + LOGIN_PAUSE_MS).toISOString() });
      }
      throw error;
    }
  }

  private async readStore(target: Target): Promise<CachedToken | undefined> {
    try {
      const stored = await this.deps.store.get(target.name);
      if (stored === undefined) return undefined;
      if (stored.fingerprint !== this.fingerprints.get(target.name)) {
        this.deps.log.info('cached token was issued under other settings; ignoring it', { target: target.name });
        return undefined;
      }
      return stored;
    } catch (error) {
      // The store is an optimisation: without it the service can still log in and serve.
      this.deps.log.warn('token store read failed; continuing without it', { target: target.name, error: describeError(error) });
      return undefined;
    }
  }

  private async writeStore(target: Target, token: CachedToken): Promise<void> {
    try {
      await this.deps.store.put(target.name, token);
    } catch (error) {
      this.deps.log.warn('token store write failed; the token is served but not shared', { target: target.name, error: describeError(error) });
    }
  }

  private serve(target: Target, token: CachedToken, source: TokenSource): ServedToken {
    return { target, token: token.token, expires: token.expires, ssl: token.ssl, source };
  }
}

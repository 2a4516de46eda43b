// Token policy: serve from memory, then from the shared store, and only then log in to ArcGIS:
// one login in flight per slot in a container, and across containers one per account, under the
// login gate's lease (login-gate.ts); a still-valid token (marked stale) or an administrator's
// manual token served when a refresh fails (fallback.ts). A login happens only when the cached
// token is missing or too close to expiry by the service's own policy; a caller's minValidity
// beyond that may cause one at most once per interval per account, and never one that a fresh
// token could not satisfy. Each policy lives in its own module; this class orders them.
import type { CachedToken } from '../domain/cached-token.js';
import type { ServiceConfig, Target } from '../domain/config/schema.js';
import { BadRequestError, TokenLifetimeError, UnknownTargetError } from '../domain/errors.js';
import { NO_METRICS, type CredentialSource, type Log, type LoginCoordinator, type Metrics, type TokenIssuer, type TokenStore } from '../domain/ports.js';
import { isServable, needsScheduledRefresh, refreshMarginMs } from '../domain/refresh-policy.js';
import { accountKey } from '../domain/slot-key.js';
import { CachingCredentialSource } from './caching-credentials.js';
import { CallerLimit } from './caller-limit.js';
import { Fallback } from './fallback.js';
import { issueToken } from './issue-token.js';
import { KeyedFlight } from './keyed-flight.js';
import { LoginGate, PAUSED_SECRET_MAX_AGE_MS } from './login-gate.js';
import { Revocations } from './revocation.js';
import { ServedTokens, type ServedToken, type TokenSource } from './served-token.js';
import { refuseBeyondCap } from './site-cap.js';
import { slotFor, type Slot } from './slot.js';
import { TokenMemory } from './token-memory.js';

export type { ServedToken, TokenSource } from './served-token.js';

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

export interface TokenServiceDeps {
  config: ServiceConfig;
  store: TokenStore;
  /** Coordinates logins across containers (DynamoDB in AWS, in memory locally): required, never defaulted, so no wiring can drop the fleet's lockout protection. */
  coordinator: LoginCoordinator;
  /** Read through a cache kept here (CachingCredentialSource): pass the plain source. */
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
  private readonly callers: CallerLimit;
  private readonly revocations: Revocations;
  private readonly memory: TokenMemory;
  private readonly served: ServedTokens;
  private readonly fallback: Fallback;
  private readonly targets: Map<string, Target>;
  private readonly flights = new KeyedFlight<LoadResult>();

  constructor(private readonly deps: TokenServiceDeps) {
    const now = (this.now = deps.now ?? Date.now);
    const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    const { log, coordinator } = deps;
    const metrics = (this.metrics = deps.metrics ?? NO_METRICS);
    const credentials = (this.credentials = new CachingCredentialSource(deps.credentials, now));
    this.gate = new LoginGate({ coordinator, log, metrics, now, sleep });
    this.callers = new CallerLimit({ coordinator, log, metrics, now });
    const revocations = (this.revocations = new Revocations({ issuer: deps.issuer, log, metrics, now }));
    const memory = (this.memory = new TokenMemory({ store: deps.store, credentials, targets: deps.config.targets, isRevoked: (slot, token) => revocations.isRevoked(slot, token), log, metrics, now }));
    const served = (this.served = new ServedTokens(metrics));
    this.fallback = new Fallback({ memory, revocations, credentials, served, log, metrics, now });
    this.targets = new Map(deps.config.targets.map((t) => [t.name, t]));
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
    const slot = slotFor(this.target(name), context.callerIp);
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
    const need: Need = { accepts: (token) => !this.revocations.isRevoked(slot, token) && this.servable(token, minValidityMs), minValidityMs, scheduled: false, deadline };

    // Two rounds at most: a flight started by a caller with a smaller minValidity may return a
    // cached token that is too short for this caller, who then needs a fresh one.
    for (let round = 0; round < 2; round++) {
      const remembered = this.memory.get(slot);
      if (remembered !== undefined && this.memory.usable(slot, remembered, this.memory.knownIdentity(target)) && need.accepts(remembered)) {
        return this.served.serve(target, remembered, 'cache');
      }

      let result: LoadResult;
      try {
        result = await this.flights.run(slot.key, () => this.load(slot, need, true));
      } catch (error) {
        return this.fallback.serve(slot, minValidityMs, error);
      }
      const left = result.token.expires - this.now();
      if (need.accepts(result.token) || (result.source !== 'cache' && left > minValidityMs)) {
        return this.served.serve(target, result.token, result.source);
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
    const slot = slotFor(target);
    const fresh = (token: CachedToken) => !needsScheduledRefresh(token, this.now(), intervalMs, this.deps.config.refreshMarginSeconds);
    // Both reads at once: the secret (the schedule is where the owner check always runs) and the store.
    const [identity, state] = await Promise.all([this.memory.readIdentity(target), this.memory.read(slot)]);
    this.memory.remember(slot, state, identity);
    const current = this.memory.get(slot);
    const until = deadline ?? this.now() + this.deps.config.deadlineMs;
    if (current !== undefined && this.memory.usable(slot, current, identity) && fresh(current)) {
      // Every run also asks ArcGIS whether the token still works: it may have died before expiring.
      if ((await this.revocations.check(slot, current, until)) !== 'revoked') return 'fresh';
    }
    const need: Need = { accepts: (token) => !this.revocations.isRevoked(slot, token) && fresh(token), minValidityMs: 0, scheduled: true, deadline: until };
    const result = await this.flights.run(slot.key, () => this.load(slot, need, false));
    return result.source === 'cache' ? 'fresh' : 'refreshed';
  }

  /**
   * A caller reports the token it was given rejected. Only a report of the token this slot holds
   * now is checked, once per REJECTION_RECHECK_MS while ArcGIS keeps accepting it; a confirmed
   * rejection marks it revoked, and the request that follows replaces it (one login for the fleet,
   * however many callers report it: they share the lease, and find the new token in the store).
   */
  private async confirmRejection(slot: Slot, rejected: string, deadline: number): Promise<void> {
    const current = this.memory.get(slot) ?? (await this.memory.reload(slot, this.memory.knownIdentity(slot.target)));
    if (current === undefined || current.token !== rejected || this.revocations.isRevoked(slot, current)) return;
    if (!this.revocations.reportDue(slot, current)) return;
    const verdict = await this.revocations.check(slot, current, deadline);
    if (verdict !== 'revoked') {
      this.deps.log.info('a caller reported the cached token rejected, but ArcGIS still accepts it; keeping it', { target: slot.target.name, verdict });
    }
  }

  private servable(token: CachedToken, minValidityMs: number): boolean {
    return isServable(token, this.now(), minValidityMs, this.deps.config.refreshMarginSeconds);
  }

  /** Refuses a minValidity the slot's last token (issued under the current settings) shows the site cannot meet. */
  private refuseBeyondCap(slot: Slot, minValiditySeconds: number): void {
    const last = this.memory.get(slot);
    refuseBeyondCap(slot.target, last !== undefined && this.memory.usable(slot, last, undefined) ? last : undefined, minValiditySeconds);
  }

  /** The token from memory or the store if it meets the need, else from a login under the gate. */
  private async load(slot: Slot, need: Need, readStore: boolean): Promise<LoadResult> {
    const { target } = slot;
    const { memory } = this;
    if (readStore) {
      // A cached request needs the store alone. The owner check (is the stored token the current
      // secret's user?) uses the secret only when this container already holds it: reading it here
      // would add a second AWS call to every cold start, and a Secrets Manager that hangs would hold
      // up a fresh token. A token of a previous user is replaced by the next scheduled run, which
      // reads the secret (so within scheduleIntervalMinutes), or once a container reads it to log in.
      const stored = await memory.reload(slot, memory.knownIdentity(target));
      if (stored !== undefined && need.accepts(stored)) return { token: stored, source: 'cache' };
      if (!need.scheduled) this.refuseBeyondCap(slot, need.minValidityMs / 1000);
    }

    let { credentials, version } = await this.credentials.read(target.secretId);
    if (credentials.kind === 'manual') return { token: memory.manual(slot, credentials.manual, credentials), source: 'manual' };

    const site = await this.deps.issuer.loginSite(target, need.deadline);
    const account = accountKey(target.secretId, site);
    if (this.gate.knownPause(account) !== undefined) {
      // Paused: a secret fixed since is noticed within PAUSED_SECRET_MAX_AGE_MS, not the usual 5 minutes.
      ({ credentials, version } = await this.credentials.read(target.secretId, PAUSED_SECRET_MAX_AGE_MS));
      if (credentials.kind === 'manual') return { token: memory.manual(slot, credentials.manual, credentials), source: 'manual' };
    }
    const login = credentials;
    const identity = memory.identityOf(login);
    // Now that the secret is known, a stored token of another user is no longer good enough.
    const current = memory.get(slot);
    if (current !== undefined && memory.usable(slot, current, identity) && need.accepts(current)) return { token: current, source: 'cache' };

    const policyNeedsLogin = need.scheduled || current === undefined || !memory.usable(slot, current, identity) || !this.servable(current, 0) || this.revocations.isRevoked(slot, current);
    const demand = policyNeedsLogin ? (need.minValidityMs > refreshMarginMs(current ?? { issuedAt: 0, expires: target.expirationMinutes * 60_000 }, this.deps.config.refreshMarginSeconds) ? 'note' : 'none') : 'limit';
    if (slot.caller !== undefined) await this.callers.admit({ ...slot, caller: slot.caller }, need.deadline);

    return this.gate.run({
      account,
      secretVersion: version,
      deadline: need.deadline,
      demand,
      demandIntervalMs: this.deps.config.minValidityRefreshIntervalSeconds * 1000,
      target: target.name,
      secretId: target.secretId,
      lookup: async () => {
        const token = await memory.reload(slot, identity);
        return token !== undefined && memory.usable(slot, token, identity) && need.accepts(token) ? token : undefined;
      },
      login: async (loginDeadline) => {
        const token = await issueToken({ issuer: this.deps.issuer, log: this.deps.log, metrics: this.metrics, now: this.now }, slot, login, loginDeadline, { fingerprint: memory.fingerprint(target), identity });
        memory.set(slot, token);
        return token;
      },
      store: (token) => memory.storeNewer(slot, token),
    });
  }
}

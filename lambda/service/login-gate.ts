// Who may log in to ArcGIS, and when: the fleet-wide half of the token policy.
//
// A login runs only under the account's lease from the login coordinator (one conditional write
// that also refuses while the account's secret version is paused or ArcGIS asked to back off).
// The lease lasts until a little after the request's deadline, and every ArcGIS request of the
// login ends before it, so the lease covers the whole sequence however slow ArcGIS is. A container
// that finds the lease taken never logs in: it watches the store for the holder's token until its
// own deadline. The holder records the outcome (a rejection pauses the account, a 429 backs it off)
// before it ends the lease, so the next holder can never start before it is known.
//
// When the coordinator cannot be reached at all, the container logs in on its own, one login at a
// time per account, and remembers a rejection itself: each container then makes at most one failed
// login per secret version, and the function's reserved concurrency bounds the containers.
import { randomUUID } from 'node:crypto';
import { MAX_DEADLINE_MS } from '../domain/config/settings.js';
import {
  ArcGisRateLimitedError,
  ArcGisUnreachableError,
  InvalidCredentialsError,
  LoginInProgressError,
  LoginPausedError,
  RefreshRateLimitedError,
  describeError,
} from '../domain/errors.js';
import { METRIC } from '../domain/metric-names.js';
import type { CachedToken, LoginFailure } from '../domain/cached-token.js';
import { KeyedQueue } from './keyed-flight.js';
import type { AccountRecord, Backoff, LeaseAnswer, Log, LoginCoordinator, LoginOutcome, Metrics } from '../domain/ports.js';

/** How long logins stay paused after ArcGIS rejected a secret version (unless the secret changes). */
export const LOGIN_PAUSE_MS = 15 * 60_000;
/** How often a container waiting on another container's login looks for its token. */
export const LEASE_POLL_MS = 250;
/** A waiting container asks for the lease again every this many polls (and so learns of a pause). */
const POLLS_PER_ACQUIRE = 4;
/** The lease outlives the request's deadline by this much: clocks of two containers may differ a little. */
export const LEASE_SLACK_MS = 1_000;
/** The login's ArcGIS requests end this long before the deadline, leaving time to store the token and record the outcome. */
export const POST_LOGIN_MS = 3_000;
/** A login is not started with less time than this left: it would only time out, holding the lease. */
const MIN_LOGIN_MS = 1_000;
/** A waiting container stops this long before its deadline, to answer in time. */
const ANSWER_RESERVE_MS = 500;
/**
 * After a login whose answer was lost once the credentials were sent (a timeout, a reset), nobody
 * knows whether ArcGIS counted a failure: the next login waits this long, doubling with each such
 * loss in a row up to UNKNOWN_OUTCOME_MAX_WAIT_MS, so a site too slow to answer sees at most five
 * such attempts in a lockout window of 15 minutes (at 1, 2, 4, 8 min) however many containers ask.
 */
export const UNKNOWN_OUTCOME_FIRST_WAIT_MS = 60_000;
export const UNKNOWN_OUTCOME_MAX_WAIT_MS = 15 * 60_000;
/** Losses further apart than this do not count as in a row. */
const UNKNOWN_OUTCOME_STREAK_WINDOW_MS = 30 * 60_000;

export interface LoginAttempt {
  /** The account: a secret at a login site (see accountKey). */
  account: string;
  secretVersion: string;
  /** The request's deadline (ms since epoch): the lease, the login and the waiting all end by then. */
  deadline: number;
  /**
   * `limit`: only a caller's minValidity asks for this login (the token is good by the policy), so
   * it is admitted once per `demandIntervalMs`; `note`: the policy needs it, and it also serves a
   * minValidity, which starts the interval; `none`: neither.
   */
  demand: 'none' | 'note' | 'limit';
  demandIntervalMs: number;
  /** For messages: the target and its secret. */
  target: string;
  secretId: string;
  /** A token another container stored meanwhile that is good enough for this request, if any. */
  lookup(): Promise<CachedToken | undefined>;
  /** Logs in; every ArcGIS request ends by `loginDeadline`. */
  login(loginDeadline: number): Promise<CachedToken>;
  /** Stores the new token, before the lease ends, so waiting containers find it. */
  store(token: CachedToken): Promise<void>;
}

export interface GateResult {
  token: CachedToken;
  source: 'generated' | 'cache';
}

export interface LoginGateDeps {
  coordinator: LoginCoordinator;
  log: Log;
  metrics: Metrics;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export class LoginGate {
  private readonly container = randomUUID();
  private attempts = 0;
  /** Pauses and backoffs this container knows of, per account: honoured without asking the coordinator. */
  private readonly pauses = new Map<string, LoginFailure>();
  private readonly backoffs = new Map<string, Backoff>();
  /** One login at a time per account in this container; across containers the lease does it. */
  private readonly queue = new KeyedQueue();

  constructor(private readonly deps: LoginGateDeps) {}

  /** The pause of this account this container knows of, if it still stands (for any version). */
  knownPause(account: string): LoginFailure | undefined {
    const pause = this.pauses.get(account);
    return pause !== undefined && pause.until > this.deps.now() ? pause : undefined;
  }

  run(attempt: LoginAttempt): Promise<GateResult> {
    return this.queue.run(attempt.account, () => this.attempt(attempt));
  }

  private async attempt(a: LoginAttempt): Promise<GateResult> {
    const { now } = this.deps;
    this.refuseIfKnown(a, now());
    const holder = `${this.container}:${++this.attempts}`;
    const loginDeadline = a.deadline - POST_LOGIN_MS;
    const waitUntil = a.deadline - ANSWER_RESERVE_MS;
    let lastRecord: AccountRecord = {};
    /** Whether this request waited on another container's live lease (else the steps before the gate took the time). */
    let waited = false;
    for (;;) {
      const t = now();
      if (t >= waitUntil) throw waited ? this.inProgress(a, lastRecord, t) : this.noTimeToLogIn(a, loginDeadline - t);
      let answer: LeaseAnswer;
      try {
        answer = await this.deps.coordinator.acquire(
          {
            account: a.account,
            holder,
            until: a.deadline + LEASE_SLACK_MS,
            now: t,
            secretVersion: a.secretVersion,
            ...(a.demand === 'limit' ? { demandIntervalMs: a.demandIntervalMs } : {}),
            ...(a.demand === 'note' ? { noteDemand: true } : {}),
          },
          Math.max(1, a.deadline - t),
        );
      } catch (error) {
        return this.unguarded(a, loginDeadline, error);
      }
      if (answer.granted) {
        if (loginDeadline - now() < MIN_LOGIN_MS) {
          await this.release(a, holder, { kind: 'failed' });
          throw waited ? this.inProgress(a, lastRecord, now()) : this.noTimeToLogIn(a, loginDeadline - now());
        }
        return this.holding(a, holder, loginDeadline, answer.record);
      }

      lastRecord = answer.record;
      this.remember(a.account, answer.record);
      this.refuseIfKnown(a, now());
      const { lease, demandAt } = answer.record;
      const leaseLive = lease !== undefined && lease.until > now() && lease.holder !== holder;
      if (!leaseLive && a.demand === 'limit' && demandAt !== undefined) {
        const retryAfterMs = demandAt + a.demandIntervalMs - now();
        throw new RefreshRateLimitedError(
          `Target "${a.target}" already refreshed its token for a caller's minValidity at ${new Date(demandAt).toISOString()}; such refreshes happen at most once every ${a.demandIntervalMs / 1000} s per account (minValidityRefreshIntervalSeconds), so callers cannot drive logins. Ask for a smaller minValidity, or retry after ${Math.ceil(retryAfterMs / 1000)} s.`,
          retryAfterMs,
        );
      }
      // Another container is logging in: watch the store for its token, then ask again.
      waited = true;
      for (let poll = 0; poll < POLLS_PER_ACQUIRE; poll++) {
        if (now() + LEASE_POLL_MS >= waitUntil) throw this.inProgress(a, lastRecord, now());
        await this.deps.sleep(LEASE_POLL_MS);
        const token = await a.lookup();
        if (token !== undefined) return { token, source: 'cache' };
      }
    }
  }

  /** Logs in under the lease, then records the outcome and ends the lease, in that order. */
  private async holding(a: LoginAttempt, holder: string, loginDeadline: number, before: AccountRecord): Promise<GateResult> {
    // The previous holder may have stored its token between this container's read and its lease.
    const stored = await a.lookup();
    if (stored !== undefined) {
      await this.release(a, holder, { kind: 'success' });
      return { token: stored, source: 'cache' };
    }
    let token: CachedToken;
    try {
      token = await a.login(loginDeadline);
    } catch (error) {
      await this.release(a, holder, this.outcomeOf(a, error, before.backoff));
      throw error;
    }
    await a.store(token);
    await this.release(a, holder, { kind: 'success' });
    return { token, source: 'generated' };
  }

  /** The coordinator is unreachable: log in alone (the queue keeps it to one at a time per account here). */
  private async unguarded(a: LoginAttempt, loginDeadline: number, cause: unknown): Promise<GateResult> {
    this.deps.metrics.count(METRIC.unguardedLogins, a.target);
    this.deps.log.warn('login coordinator unreachable; logging in without the fleet-wide lease (this container still makes at most one failed login per secret version)', {
      target: a.target,
      error: describeError(cause),
    });
    try {
      const token = await a.login(loginDeadline);
      await a.store(token);
      return { token, source: 'generated' };
    } catch (error) {
      this.outcomeOf(a, error, this.backoffs.get(a.account));
      throw error;
    }
  }

  /** Remembers a rejection or a rate limit in this container, and says how to record it for the fleet. */
  private outcomeOf(a: LoginAttempt, error: unknown, previous: Backoff | undefined): LoginOutcome {
    const at = this.deps.now();
    if (error instanceof InvalidCredentialsError) {
      const failure: LoginFailure = { secretVersion: a.secretVersion, at, until: at + LOGIN_PAUSE_MS, code: error.arcgis.code, message: error.arcgis.message, details: error.arcgis.details, url: error.arcgis.url };
      this.pauses.set(a.account, failure);
      this.deps.log.error('ArcGIS rejected the credentials; logins paused', { target: a.target, arcgisCode: failure.code, pausedUntil: new Date(failure.until).toISOString() });
      return { kind: 'rejected', failure };
    }
    if (error instanceof ArcGisRateLimitedError) {
      const backoff: Backoff = { at, until: at + error.retryAfterMs, httpStatus: error.httpStatus, url: error.url };
      this.backoffs.set(a.account, backoff);
      this.deps.log.warn('ArcGIS asked to slow down; logins wait', { target: a.target, httpStatus: error.httpStatus, until: new Date(backoff.until).toISOString() });
      return { kind: 'rate-limited', backoff };
    }
    if (error instanceof ArcGisUnreachableError && error.loginOutcomeUnknown) {
      const inRow = previous !== undefined && previous.httpStatus === 0 && at - previous.at < UNKNOWN_OUTCOME_STREAK_WINDOW_MS;
      const streak = inRow ? (previous.streak ?? 1) + 1 : 1;
      const wait = Math.min(UNKNOWN_OUTCOME_MAX_WAIT_MS, UNKNOWN_OUTCOME_FIRST_WAIT_MS * 2 ** (streak - 1));
      const backoff: Backoff = { at, until: at + wait, httpStatus: 0, url: '', streak };
      this.backoffs.set(a.account, backoff);
      this.deps.log.warn('a login got no answer after the credentials were sent; logins wait in case ArcGIS counted it as a failure', { target: a.target, streak, until: new Date(backoff.until).toISOString() });
      return { kind: 'rate-limited', backoff };
    }
    return { kind: 'failed' };
  }

  private async release(a: LoginAttempt, holder: string, outcome: LoginOutcome): Promise<void> {
    const t = this.deps.now();
    try {
      await this.deps.coordinator.release(a.account, holder, outcome, t, Math.max(1, a.deadline - t));
    } catch (error) {
      // The lease runs out by itself; a rejection not recorded here stays known to this container.
      this.deps.metrics.count(METRIC.storeFaults, a.target);
      this.deps.log.warn('login coordinator: the login outcome could not be recorded', { target: a.target, outcome: outcome.kind, error: describeError(error) });
    }
  }

  private remember(account: string, record: AccountRecord): void {
    const known = this.pauses.get(account);
    if (record.pause !== undefined && (known === undefined || record.pause.at > known.at)) this.pauses.set(account, record.pause);
    const backoff = this.backoffs.get(account);
    if (record.backoff !== undefined && (backoff === undefined || record.backoff.until > backoff.until)) this.backoffs.set(account, record.backoff);
  }

  /** Throws when this container knows the account is paused for this version, or backing off. */
  private refuseIfKnown(a: LoginAttempt, t: number): void {
    const pause = this.pauses.get(a.account);
    if (pause !== undefined && pause.until > t && pause.secretVersion === a.secretVersion) {
      this.deps.metrics.count(METRIC.loginsPaused, a.target);
      throw new LoginPausedError(
        `ArcGIS rejected the credentials of target "${a.target}" at ${new Date(pause.at).toISOString()} (error ${pause.code}: ${[pause.message, ...pause.details].join(' / ')}); logins with them are paused until ${new Date(pause.until).toISOString()} so the account cannot be locked. Put the right credentials in secret "${a.secretId}": a new secret version ends the pause within ${PAUSED_SECRET_MAX_AGE_MS / 1000} s.`,
        pause.until,
        { url: pause.url, code: pause.code, message: pause.message, details: pause.details },
        t,
      );
    }
    const backoff = this.backoffs.get(a.account);
    if (backoff !== undefined && backoff.until > t && backoff.httpStatus === 0) {
      throw new ArcGisUnreachableError(
        `A login to ArcGIS for target "${a.target}" got no answer at ${new Date(backoff.at).toISOString()} after the credentials were sent (${backoff.streak ?? 1} such loss(es) in a row); ArcGIS may have counted it as a failed login, so no container logs in with this account until ${new Date(backoff.until).toISOString()} (the wait doubles with each loss, up to ${UNKNOWN_OUTCOME_MAX_WAIT_MS / 60_000} min), and a cached token is served meanwhile. Check the site's responsiveness and the function's network path to it.`,
      );
    }
    if (backoff !== undefined && backoff.until > t) {
      this.deps.metrics.count(METRIC.arcgisRateLimited, a.target);
      throw new ArcGisRateLimitedError(
        `ArcGIS is rate limiting token requests: ${backoff.url} answered HTTP ${backoff.httpStatus} at ${new Date(backoff.at).toISOString()} and asked to wait until ${new Date(backoff.until).toISOString()}. No container logs in to it before then; retry after ${Math.ceil((backoff.until - t) / 1000)} s.`,
        backoff.url,
        backoff.httpStatus,
        backoff.until - t,
      );
    }
  }

  /** Too little of the request's time is left to log in, and no other container was seen logging in. */
  private noTimeToLogIn(a: LoginAttempt, leftMs: number): ArcGisUnreachableError {
    return new ArcGisUnreachableError(
      `Target "${a.target}" was not logged in to ArcGIS: only ${Math.max(0, Math.round(leftMs))} ms were left for the login before the request's deadline, and a login is not started with less than ${MIN_LOGIN_MS} ms (it must end ${POST_LOGIN_MS} ms before the deadline, to store the token). ` +
        `The steps before it (finding the token endpoint, reading the token store and the secret, taking the login lease) took the rest. Check that the ArcGIS site answers promptly, or raise deadlineMs (at most ${MAX_DEADLINE_MS}).`,
    );
  }

  private inProgress(a: LoginAttempt, record: AccountRecord, t: number): LoginInProgressError {
    const until = record.lease?.until ?? t + LEASE_POLL_MS * POLLS_PER_ACQUIRE;
    return new LoginInProgressError(
      `Another container is logging in to ArcGIS for target "${a.target}" and did not finish within this request's deadline (its lease ends at ${new Date(until).toISOString()}). Retry shortly: the new token is shared as soon as it arrives.`,
      Math.max(0, until - t),
    );
  }
}

/** While logins are paused, the secret is re-read at most this often to notice a new version. */
export const PAUSED_SECRET_MAX_AGE_MS = 10_000;

// The small, AWS-free interfaces the core depends on. Adapters implement them: Secrets Manager and
// SSM in Lambda, in-memory stand-ins locally and in tests.
import type { ArcGisClientMode } from './config/settings.js';
import type { Target } from './config/schema.js';
import type { MetricName } from './metric-names.js';
import type { LoginFailure, TargetState } from './cached-token.js';

/** A long-lived token an administrator made by hand, stored in the secret. */
export interface ManualToken {
  token: string;
  /** ms since epoch */
  expires: number;
}

/**
 * What a secret may hold: a built-in ArcGIS user's login (generateToken), an app's OAuth
 * credentials (client_credentials, for sites whose users sign in with SAML/IWA), or only a manual
 * token. The first two may carry a manual token too, served when generation fails.
 */
export type Credentials =
  | { kind: 'user'; username: string; password: string; manual?: ManualToken | undefined }
  | { kind: 'app'; clientId: string; clientSecret: string; manual?: ManualToken | undefined }
  | { kind: 'manual'; manual: ManualToken };

/** Who the token belongs to, without the secret part: part of the cache key. */
export function credentialIdentity(credentials: Credentials): string {
  switch (credentials.kind) {
    case 'user':
      return `user:${credentials.username}`;
    case 'app':
      return `app:${credentials.clientId}`;
    case 'manual':
      return 'manual';
  }
}

export interface CredentialSource {
  /** Reads the credentials; `version` changes whenever the secret's value does. */
  read(secretId: string): Promise<{ credentials: Credentials; version: string }>;
}

/** Where tokens are shared between containers (SSM Parameter Store in AWS), one record per slot. */
export interface TokenStore {
  /** The stored state of a slot (a target, or a target and caller), or undefined when none is stored. */
  get(slotKey: string): Promise<TargetState | undefined>;
  put(slotKey: string, state: TargetState): Promise<void>;
}

/**
 * What the fleet knows of one account, i.e. one secret at one login site: who is logging in with it
 * now, whether ArcGIS rejected its current version, whether ArcGIS asked to slow down, and when a
 * caller's minValidity last caused a login.
 */
export interface AccountRecord {
  lease?: { holder: string; until: number } | undefined;
  pause?: LoginFailure | undefined;
  backoff?: Backoff | undefined;
  /** When the last login that only a caller's minValidity asked for was admitted (ms since epoch). */
  demandAt?: number | undefined;
}

/**
 * No login until `until`: ArcGIS (or a proxy in front of it) answered 429, or 503 with Retry-After;
 * or, with httpStatus 0, a login's answer was lost (timeout, reset) after the credentials were sent,
 * so ArcGIS may have counted a failure nobody saw: `streak` counts such losses in a row.
 */
export interface Backoff {
  at: number;
  until: number;
  httpStatus: number;
  url: string;
  streak?: number | undefined;
}

export interface LeaseRequest {
  account: string;
  holder: string;
  /** When the lease runs out if it is not released: after the holder's last write. */
  until: number;
  now: number;
  /** The secret version the holder will log in with: a pause of that version refuses the lease. */
  secretVersion: string;
  /**
   * Set for a login only a caller's minValidity asks for (the cached token is still good by the
   * service's own policy): admitted only when the last such login is at least this long ago.
   */
  demandIntervalMs?: number | undefined;
  /** Set for a login the policy needs that also serves a caller's minValidity: it starts the demand interval. */
  noteDemand?: boolean | undefined;
}

/**
 * Granted (with the record as it was just before), or refused with the record that explains why (a
 * live lease, a pause, a backoff, a recent demand).
 */
export type LeaseAnswer = { granted: boolean; record: AccountRecord };

export type LoginOutcome =
  | { kind: 'success' }
  | { kind: 'failed' }
  | { kind: 'rejected'; failure: LoginFailure }
  | { kind: 'rate-limited'; backoff: Backoff };

export interface CallerAdmission {
  /** The caller-ip target. */
  scope: string;
  /** The caller's key (an IPv4 address, or an IPv6 /64). */
  caller: string;
  /** The admission lasts until then (the caller's token lifetime). */
  until: number;
  now: number;
  /** At most this many callers hold a live admission at once. */
  max: number;
}

/**
 * Coordinates logins across containers. Every decision is one atomic conditional write, so two
 * containers can never both hold the lease, and a lease is never granted while the account is
 * paused or backing off: SSM cannot do this (it has no conditional update), DynamoDB can.
 */
export interface LoginCoordinator {
  /**
   * Takes the account's lease when no other live lease, no pause of this version, no backoff (and,
   * for a demand, no recent demand) stands. `timeoutMs` bounds every call, retries included.
   */
  acquire(request: LeaseRequest, timeoutMs?: number): Promise<LeaseAnswer>;
  /**
   * Records the login's outcome (a rejection pauses the account, a rate limit backs it off), then
   * ends the lease if it is still `holder`'s. The outcome is recorded even when the lease is not
   * ours any more (a newer pause or backoff is never replaced by an older one).
   */
  release(account: string, holder: string, outcome: LoginOutcome, now: number, timeoutMs?: number): Promise<void>;
  read(account: string, timeoutMs?: number): Promise<AccountRecord | undefined>;
  /** Admits a caller of a caller-ip target: true when it is already admitted or fewer than `max` others are. */
  admitCaller(admission: CallerAdmission, timeoutMs?: number): Promise<boolean>;
}

/** How a token is bound: what a caller must do for ArcGIS to accept it. */
export interface TokenBinding {
  /** `none`: app (OAuth) tokens are bearer tokens; `unknown`: a manual token's binding is not known. */
  client: ArcGisClientMode | 'none' | 'unknown';
  referer?: string | undefined;
  ip?: string | undefined;
}

export interface IssueRequest {
  target: Target;
  /** Every ArcGIS request of this login ends by then (ms since epoch, the service's clock); the token service always sets it. */
  deadline?: number | undefined;
  credentials: Exclude<Credentials, { kind: 'manual' }>;
  /** The binding to ask ArcGIS for (caller-ip has become ip with the caller's address). */
  client: ArcGisClientMode;
  referer?: string | undefined;
  ip?: string | undefined;
}

/** A token as ArcGIS issued it. */
export interface IssuedToken {
  token: string;
  /** Milliseconds since the epoch, as ArcGIS returned it (it may be earlier than requested). */
  expires: number;
  /** True when ArcGIS says the token may only travel over HTTPS. */
  ssl: boolean;
}

export interface IssuedBoundToken extends IssuedToken {
  binding: TokenBinding;
}

export interface TokenIssuer {
  /**
   * Where the target's credentials are sent: the portal or server root that owns the account
   * (discovered, without credentials). With the secret it names the account a pause applies to.
   */
  loginSite(target: Target, deadline: number): Promise<string>;
  issue(request: IssueRequest): Promise<IssuedBoundToken>;
  /**
   * Whether ArcGIS still accepts a cached token (one cheap authenticated request). `unknown` when
   * it cannot tell, or cannot be asked from here: a token bound to another machine's IP address.
   */
  check(target: Target, token: { token: string; binding: TokenBinding }, deadline: number): Promise<'alive' | 'revoked' | 'unknown'>;
}

/** Structured log sink; fields must never hold a password, client secret or token. */
export interface Log {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Counts events per target (EMF metrics in Lambda). */
export interface Metrics {
  count(name: MetricName, target: string, dimensions?: Record<string, string>): void;
}

export const NO_METRICS: Metrics = { count: () => undefined };

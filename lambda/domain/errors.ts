// Every failure the service can answer with is one of these: what went wrong, in terms of the
// service and ArcGIS, with a message that names the cause and the fix but never a secret (messages
// are built from configuration and ArcGIS answers, not from credentials or tokens). They know
// nothing of HTTP: http/problem-types.ts is the one table that gives each its status, problem type,
// title and headers, and http/problem.ts the one place that turns them into answers.

export abstract class TokenVendingError extends Error {
  /** What the problem document adds to the message (never secrets). */
  extensions(): Record<string, unknown> {
    return {};
  }
}

/** A refusal that ends by itself: the answer says when to try again. */
export abstract class RetryLaterError extends TokenVendingError {
  constructor(
    message: string,
    /** How long until a retry can succeed, counted from when the refusal was decided (the service's clock). */
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** The service itself is set up wrongly: a missing or invalid setting. */
export class ConfigurationError extends TokenVendingError {
  override readonly name = 'ConfigurationError';
}

/** The credentials secret is missing, unreadable or not the expected JSON. */
export class SecretError extends TokenVendingError {
  override readonly name = 'SecretError';
}

export class BadRequestError extends TokenVendingError {
  override readonly name = 'BadRequestError';
}

export class UnknownTargetError extends TokenVendingError {
  override readonly name = 'UnknownTargetError';
}

/**
 * A path the API does not serve. API Gateway answers unknown routes itself, but a Lambda Function
 * URL hands every path to the function.
 */
export class NotFoundError extends TokenVendingError {
  override readonly name = 'NotFoundError';
}

export class MethodNotAllowedError extends TokenVendingError {
  override readonly name = 'MethodNotAllowedError';
}

export interface ArcGisErrorInfo {
  /** The endpoint that answered (a URL without query string; it never holds credentials). */
  url: string;
  /** ArcGIS's own error code (from the JSON body, or the HTTP status when the body has none). */
  code: number;
  message: string;
  details: string[];
}

/** ArcGIS answered with an error: it understood the request and refused it. */
export class ArcGisRefusedError extends TokenVendingError {
  override readonly name: string = 'ArcGisRefusedError';

  constructor(
    readonly arcgis: ArcGisErrorInfo,
    hint: string,
  ) {
    super(`${arcgis.url} answered ${quoteArcGisError(arcgis)}. ${hint}`);
  }

  override extensions(): Record<string, unknown> {
    return { arcgisCode: this.arcgis.code, arcgisMessage: this.arcgis.message, arcgisDetails: this.arcgis.details };
  }
}

/**
 * ArcGIS rejected the user name or password (standalone server: 401 "Invalid credentials";
 * portal: 400 "Invalid username or password."). Repeating the login can lock the account, so
 * the service stops logging in for this target until the secret changes or a cool-down ends.
 */
export class InvalidCredentialsError extends ArcGisRefusedError {
  override readonly name = 'InvalidCredentialsError';
}

/**
 * What came instead of a usable ArcGIS answer, for code to branch on (the message says it in words):
 * a redirect (usually a web-tier login), a body over the size cap, an HTML page, an empty body, other
 * text that is not JSON, JSON that holds neither a token nor an ArcGIS error, or a token that fails
 * the plausibility rules (arcgis/token-response.ts).
 */
export type BadResponseKind = 'redirect' | 'oversized' | 'html' | 'empty' | 'not-json' | 'unexpected-json' | 'implausible-token';

/** ArcGIS answered something that is not an ArcGIS JSON answer: an HTML page, garbage, a redirect. */
export class ArcGisBadResponseError extends TokenVendingError {
  override readonly name = 'ArcGisBadResponseError';

  constructor(
    message: string,
    readonly httpStatus: number,
    readonly kind: BadResponseKind = 'unexpected-json',
  ) {
    super(message);
  }

  override extensions(): Record<string, unknown> {
    return { httpStatus: this.httpStatus };
  }
}

export interface DiscoveryAttempt {
  url: string;
  /** What it answered: "HTTP 404 HTML page", "ArcGIS error 499", "unreachable (ECONNREFUSED)", … */
  outcome: string;
}

/**
 * Why discovery found no endpoint, for code to branch on: nothing answered like one; the site says
 * isTokenBasedSecurity false (it vends no tokens); a target of kind federated whose server names no
 * portal (standalone), or whose rest/info could not be read.
 */
export type EndpointNotFoundReason = 'nothing-found' | 'no-token-security' | 'standalone-not-federated' | 'federated-without-info';

/** Neither rest/info nor any standard path led to a token endpoint. */
export class TokenEndpointNotFoundError extends TokenVendingError {
  override readonly name = 'TokenEndpointNotFoundError';

  constructor(
    configured: string,
    readonly attempts: DiscoveryAttempt[],
    readonly reason: EndpointNotFoundReason = 'nothing-found',
    hint = "Give the target's url as the exact token endpoint from https://HOST/ADAPTOR/rest/info?f=json (authInfo.tokenServicesUrl), or set its kind.",
  ) {
    super(`No token endpoint was found from ${configured}. Tried: ${attempts.map((a) => `${a.url} → ${a.outcome}`).join('; ')}. ${hint}`);
  }

  override extensions(): Record<string, unknown> {
    return { attempts: this.attempts };
  }
}

/** No answer from ArcGIS: DNS, connection, TLS or timeout. */
export class ArcGisUnreachableError extends TokenVendingError {
  override readonly name = 'ArcGisUnreachableError';
  /**
   * The request may have reached ArcGIS before the answer was lost (a timeout or a reset after the
   * connection was made, not a DNS, refused-connection or certificate failure). Set by arcgis/http.ts.
   */
  requestMayHaveArrived = false;
  /**
   * Set by the login functions when such a request carried the credentials: ArcGIS may have counted
   * it as a failed login, though no answer said so.
   */
  loginOutcomeUnknown = false;
  /** The request was never sent: the sequence's deadline had passed before it. It says nothing about the site. */
  notSent = false;
}

/** A fresh token would still not cover the validity the caller asked for (the server capped it). */
export class TokenLifetimeError extends TokenVendingError {
  override readonly name = 'TokenLifetimeError';
}

/** Logins for this target are paused after ArcGIS rejected its credentials. */
export class LoginPausedError extends RetryLaterError {
  override readonly name = 'LoginPausedError';

  constructor(
    message: string,
    readonly retryAt: number,
    readonly reason: ArcGisErrorInfo,
    /** The service's clock when the pause was found: Retry-After counts from it, not from the machine's. */
    now: number,
  ) {
    super(message, retryAt - now);
  }

  override extensions(): Record<string, unknown> {
    return { retryAt: new Date(this.retryAt).toISOString(), arcgisCode: this.reason.code, arcgisMessage: this.reason.message };
  }
}

/** ArcGIS (or a proxy in front of it) asked us to slow down: HTTP 429, or 503 with Retry-After. */
export class ArcGisRateLimitedError extends RetryLaterError {
  override readonly name = 'ArcGisRateLimitedError';

  constructor(
    message: string,
    /** The endpoint that answered (no query string beyond f=json; never credentials). */
    readonly url: string,
    readonly httpStatus: number,
    /** How long to wait, already kept within [1 s, 1 h] (arcgis/http.ts). */
    retryAfterMs: number,
  ) {
    super(message, retryAfterMs);
  }

  override extensions(): Record<string, unknown> {
    return { httpStatus: this.httpStatus, retryAfterSeconds: retryAfterSeconds(this.retryAfterMs) };
  }
}

/** Another container holds the login lease and did not finish within this request's deadline. */
export class LoginInProgressError extends RetryLaterError {
  override readonly name = 'LoginInProgressError';
}

/** A caller's minValidity asked for a new token sooner than the service allows such refreshes. */
export class RefreshRateLimitedError extends RetryLaterError {
  override readonly name = 'RefreshRateLimitedError';
}

/** A caller-ip target already serves as many distinct callers as it is allowed to. */
export class TooManyCallersError extends TokenVendingError {
  override readonly name = 'TooManyCallersError';
}

/** Whole seconds, at least 1: Retry-After of 0 invites an immediate retry. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** The schedule ran and at least one target could not be refreshed. */
export class ScheduledRefreshError extends Error {
  override readonly name = 'ScheduledRefreshError';

  constructor(readonly failures: ReadonlyArray<{ target: string; error: Error }>) {
    super(`Scheduled refresh failed for ${failures.length} target(s): ${failures.map((f) => `${f.target} (${f.error.name}: ${f.error.message})`).join('; ')}`);
  }
}

/** ArcGIS's error as every message quotes it: error 400 "Unable to generate token. / Invalid username or password." */
export function quoteArcGisError(info: Pick<ArcGisErrorInfo, 'code' | 'message' | 'details'>): string {
  return `error ${info.code} "${[info.message, ...info.details].filter((part) => part.length > 0).join(' / ')}"`;
}

/** "Name: message" for logs; safe because no error this service builds holds a secret. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * A site's rest/info named a token service on an origin the target's configuration does not allow
 * credentials to go to (arcgis/origins.ts). Nothing was sent there; the message names the origin and
 * the setting that would allow it.
 */
export class ForeignTokenOriginError extends TokenVendingError {
  override readonly name = 'ForeignTokenOriginError';

  constructor(
    message: string,
    /** scheme://host[:port] that would have received the credentials. */
    readonly foreignOrigin: string,
    /** The target setting that allows it. */
    readonly setting: 'allowedOrigins' | 'portalUrl',
    readonly attempts: DiscoveryAttempt[],
  ) {
    super(message);
  }

  override extensions(): Record<string, unknown> {
    return { foreignOrigin: this.foreignOrigin, setting: this.setting, attempts: this.attempts };
  }
}


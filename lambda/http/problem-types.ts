// The one table from the service's errors to HTTP: each error's status, its stable problem type
// (urn:arcgis-token-vending:problem:SLUG, which clients match on: keep slugs stable), its title and
// the headers its answer needs. test/http/problem-types.test.ts fails for an error class without a row.
import { MethodNotAllowedError, RetryLaterError, TokenVendingError, retryAfterSeconds } from '../domain/errors.js';

export const PROBLEM_TYPE_BASE = 'urn:arcgis-token-vending:problem:';

export interface ProblemType {
  status: number;
  slug: string;
  title: string;
}

/** By class name (InvalidCredentialsError has its own row though it is an ArcGisRefusedError). */
export const PROBLEM_TYPES: Readonly<Record<string, ProblemType>> = {
  ConfigurationError: { status: 500, slug: 'misconfiguration', title: 'The token service is misconfigured' },
  SecretError: { status: 500, slug: 'credentials-secret', title: 'The ArcGIS credentials secret is unusable' },
  BadRequestError: { status: 400, slug: 'bad-request', title: 'Bad request' },
  UnknownTargetError: { status: 404, slug: 'unknown-target', title: 'No such target' },
  NotFoundError: { status: 404, slug: 'not-found', title: 'Not found' },
  MethodNotAllowedError: { status: 405, slug: 'method-not-allowed', title: 'Method not allowed' },
  ArcGisRefusedError: { status: 502, slug: 'arcgis-refused', title: 'ArcGIS refused to issue a token' },
  InvalidCredentialsError: { status: 502, slug: 'invalid-credentials', title: 'ArcGIS rejected the credentials' },
  ArcGisBadResponseError: { status: 502, slug: 'arcgis-bad-response', title: 'ArcGIS gave an answer that is not a token' },
  TokenEndpointNotFoundError: { status: 502, slug: 'token-endpoint-not-found', title: 'No ArcGIS token endpoint found' },
  ForeignTokenOriginError: { status: 502, slug: 'foreign-token-origin', title: 'ArcGIS named a token service on an origin the configuration does not allow' },
  ArcGisUnreachableError: { status: 504, slug: 'arcgis-unreachable', title: 'ArcGIS could not be reached' },
  TokenLifetimeError: { status: 502, slug: 'token-lifetime-too-short', title: 'ArcGIS issued a token that expires too soon' },
  LoginPausedError: { status: 503, slug: 'login-paused', title: 'Logins paused after rejected credentials' },
  ArcGisRateLimitedError: { status: 503, slug: 'arcgis-rate-limited', title: 'ArcGIS is rate limiting token requests' },
  LoginInProgressError: { status: 503, slug: 'login-in-progress', title: 'A login to ArcGIS is in progress' },
  RefreshRateLimitedError: { status: 429, slug: 'refresh-rate-limited', title: 'Refreshes asked for by minValidity are rate limited' },
  TooManyCallersError: { status: 429, slug: 'too-many-callers', title: 'Too many distinct callers for this target' },
};

/** The row of an error; undefined for an error the service did not define (a bug: answered 500 internal). */
export function problemTypeOf(error: unknown): ProblemType | undefined {
  if (!(error instanceof TokenVendingError)) return undefined;
  return Object.hasOwn(PROBLEM_TYPES, error.name) ? PROBLEM_TYPES[error.name] : undefined;
}

/** The headers an error's answer needs: Allow on a 405, Retry-After on a refusal that ends by itself. */
export function problemHeaders(error: TokenVendingError): Record<string, string> {
  if (error instanceof MethodNotAllowedError) return { allow: 'GET' };
  // Relative, counted when the refusal was decided: it stays right however long the answer takes.
  if (error instanceof RetryLaterError) return { 'retry-after': String(retryAfterSeconds(error.retryAfterMs)) };
  return {};
}

// What doctor reports: each check's requests and findings (a verdict, and for anything wrong the
// likely cause and the fix), the client modes tried, and the working setup the configuration is
// built from. The JSON report prints these shapes as they are, so their fields are its format.
import type { ArcGisClientMode, SiteKind } from '../../domain/config/settings.js';
import type { ArcGisRateLimitedError } from '../../domain/errors.js';
import type { FetchLike } from '../../arcgis/http.js';
import { RATE_LIMITED } from '../../arcgis/hints.js';
import type { LoginCredentials } from '../../arcgis/sign-in.js';
import type { RecordedExchange } from './recording-fetch.js';

export type DoctorCredentials = LoginCredentials;

export interface DoctorOptions {
  /** The site URL as given, without query string or fragment. */
  url: string;
  credentials: DoctorCredentials;
  referer: string;
  /** False when referer is doctor's default (https://localhost), not the user's --referer. */
  refererGiven: boolean;
  ip?: string | undefined;
  serviceUrl?: string | undefined;
  /** --portal-url: the portal of a federated server, whose origin may receive the credentials. */
  portalUrl?: string | undefined;
  /** --allow-origin: further origins that may receive the credentials (the target's allowedOrigins). */
  allowedOrigins?: readonly string[] | undefined;
  timeoutMs: number;
  allowInsecureHttp: boolean;
}

export interface DoctorDeps {
  fetch: FetchLike;
  now: () => number;
}

export type Verdict = 'ok' | 'warn' | 'fail' | 'skip';

export interface Finding {
  verdict: Verdict;
  summary: string;
  cause?: string;
  fix?: string;
}

export type CheckId = 'discovery' | 'endpoints' | 'client-modes' | 'app-credentials' | 'https' | 'lifetime' | 'exchange' | 'service';

export interface Check {
  id: CheckId;
  title: string;
  /** The worst finding's verdict (skip only when every finding is a skip). */
  verdict: Verdict;
  requests: RecordedExchange[];
  findings: Finding[];
}

export interface SiteSummary {
  kind: SiteKind;
  /** In words: "a standalone ArcGIS Server", "ArcGIS Online", … */
  description: string;
  tokenUrl: string;
  oauthUrl?: string | undefined;
  serverUrl?: string | undefined;
  via: string;
}

export type ModeOutcome = 'works' | 'refused' | 'invalid-credentials' | 'bad-answer' | 'unreachable' | 'rate-limited' | 'not-tried';

export interface ModeResult {
  /** 'app': OAuth app credentials (tokens bound to nothing). */
  client: ArcGisClientMode | 'app';
  referer?: string;
  ip?: string;
  outcome: ModeOutcome;
  arcgisCode?: number;
  /** Lifetime ArcGIS granted, in whole minutes (when it works). */
  grantedMinutes?: number;
}

/** What the configuration is built from: the mode doctor would deploy with, proven end to end. */
export interface WorkingSetup {
  site: SiteSummary;
  client: ArcGisClientMode;
  referer?: string;
  /** The referer is doctor's default (https://localhost), not one the user gave. */
  defaultReferer: boolean;
  ip?: string;
  grantedMinutes: number;
  serviceUrl?: string;
  /** The portal doctor was allowed to follow the federated server to (--portal-url). */
  portalUrl?: string;
  /** The origins doctor was allowed to send credentials to besides the site's (--allow-origin). */
  allowedOrigins?: string[];
  appCredentials: boolean;
}

export interface Diagnosis {
  site: SiteSummary | null;
  checks: Check[];
  clientModes: ModeResult[];
  requestedMinutes: number;
  longestExpirationMinutes: number | null;
  working: WorkingSetup | null;
}

/** Hears the report as it is made: the text report prints each check as it runs. */
export interface DoctorListener {
  checkStarted(step: number, title: string): void;
  request(exchange: RecordedExchange): void;
  checkDone(check: Check): void;
}

/** Whether fetch would send to this URL in clear: the scheme as the URL parser reads it. */
export function isPlainHttp(url: string): boolean {
  return URL.parse(url)?.protocol === 'http:';
}

/** A finding for ArcGIS asking us to slow down, wherever it happened. */
export function rateLimitFinding(error: ArcGisRateLimitedError, what: string): Finding {
  return {
    verdict: 'fail',
    summary: `${what}: ${error.url} answered HTTP ${error.httpStatus}: the site is rate limiting requests`,
    cause: RATE_LIMITED.cause,
    fix: RATE_LIMITED.fix(Math.ceil(error.retryAfterMs / 1000)),
  };
}

export function minutesBetween(from: number, to: number): number {
  return Math.max(0, Math.round((to - from) / 60_000));
}

export function minutesText(minutes: number): string {
  if (minutes >= 1440 && minutes % 1440 === 0) return `${minutes} minutes (${minutes / 1440} days)`;
  if (minutes >= 60 && minutes % 60 === 0) return `${minutes} minutes (${minutes / 60} hours)`;
  return `${minutes} minutes`;
}

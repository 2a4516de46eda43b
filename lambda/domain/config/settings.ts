// The configuration's constants and enums, and its two string rules, without zod (the types of a
// target and a configuration are the schemas', in schema.ts, imported as types only): every
// layer imports these, a cold cached request among them, and zod/mini's code is a chunk of its own
// that a cold cached request never reads (schema.ts builds the schemas, loaded where one is needed).

/**
 * How ArcGIS binds a token. `caller-ip` is this service's own mode: a token bound (client=ip) to the
 * address of the app calling the API, cached per caller address.
 */
export const CLIENT_MODES = ['referer', 'ip', 'requestip', 'caller-ip'] as const;
export type ClientMode = (typeof CLIENT_MODES)[number];
/** The modes ArcGIS itself knows (the `client` form parameter). */
export type ArcGisClientMode = Exclude<ClientMode, 'caller-ip'>;

/**
 * What kind of site issues the target's tokens. Without it the service discovers it from the URL
 * (rest/info, sharing/rest/info). `federated`: an ArcGIS Server federated with a portal, whose
 * tokens come from exchanging a portal token.
 */
export const SITE_KINDS = ['portal', 'server', 'admin', 'federated'] as const;
export type SiteKind = (typeof SITE_KINDS)[number];

/** ArcGIS caps generateToken at 15 days (21600 minutes) unless a site sets another maximum. */
export const MAX_EXPIRATION_MINUTES = 21_600;
export const DEFAULT_EXPIRATION_MINUTES = 60;
export const DEFAULT_PARAMETER_PREFIX = '/arcgis-token-vending';
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/**
 * Everything one API request does (discovery, login, exchange, check, AWS calls) ends within this:
 * API Gateway gives an integration 29 s, after which the caller gets the gateway's bare 504 instead
 * of the service's problem answer, and the function itself stops at 30 s.
 */
export const DEFAULT_DEADLINE_MS = 25_000;
export const MAX_DEADLINE_MS = 28_000;
/** A caller's minValidity may cause a login (the token being good by the service's own policy) at most this often per account. */
export const DEFAULT_MIN_VALIDITY_REFRESH_INTERVAL_SECONDS = 300;
/** How many distinct callers (IPv4 addresses or IPv6 /64s) a caller-ip target serves at once. */
export const DEFAULT_MAX_CALLERS = 100;
export const DEFAULT_SCHEDULE_MINUTES = 15;

/** ArcGIS compares the Referer header; a query string or fragment on it never matches a real request. */
export function stripRefererSuffix(referer: string): string {
  return referer.replace(/[?#].*$/, '');
}

/** An http(s) URL with a host, as apps send in Referer. */
export function isHttpReferer(referer: string): boolean {
  return /^https?:\/\/[^/]/i.test(referer) && URL.canParse(referer);
}

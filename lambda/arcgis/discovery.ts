// Finds where a site issues tokens, from whatever URL a user pasted: a portal home, a server root
// under any web adaptor name, a service or layer URL, or the token endpoint itself. It asks the
// site (`rest/info?f=json`, `sharing/rest/info?f=json`) instead of guessing, follows what it says
// (a `tokenServicesUrl` ending in `/tokens/` gets `generateToken` appended; a server whose
// `owningSystemUrl` is a portal is federated), and only then tries the standard paths. When all
// fail it lists every URL tried and what each answered.
//
// What rest/info says is followed only as far as the target's credential policy allows (see
// origins.ts): a token service on another origin is first looked for on the configured origin
// (same path, probed without credentials), and otherwise refused with the setting that allows it.
// Every probe here is made without credentials, so nothing is sent anywhere before that check.
import type { SiteKind } from '../domain/config/settings.js';
import { ArcGisBadResponseError, ArcGisUnreachableError, ForeignTokenOriginError, TokenEndpointNotFoundError, type DiscoveryAttempt } from '../domain/errors.js';
import { FEDERATED_WITHOUT_INFO, FOREIGN_TOKEN_ORIGIN, NO_TOKEN_SECURITY, STANDALONE_NOT_FEDERATED } from './hints.js';
import { getJson, postForm, type HttpAnswer, type HttpOptions } from './http.js';
import { allowedOrigins, isArcGisOnlineHost, originOf, type AllowedOrigins, type CredentialPolicy } from './origins.js';
import { tokenSite, type SiteFound, type TokenSite } from './token-site.js';
import { errorInfo, looksLikeHtml, parseJson } from './token-response.js';

export { isArcGisOnlineHost } from './origins.js';
export type { SiteFound, TokenSite } from './token-site.js';

interface Parsed {
  /** Site root: scheme, host and the web adaptor path, without a trailing slash. */
  root: string;
  hint: SiteKind | undefined;
  tokenUrl?: string;
}

const MARKERS: Array<[RegExp, SiteKind]> = [
  [/\/sharing(\/|$)/i, 'portal'],
  [/\/home(\/|$)/i, 'portal'],
  [/\/apps(\/|$)/i, 'portal'],
  [/\/rest(\/|$)/i, 'server'],
  [/\/tokens(\/|$)/i, 'server'],
  [/\/admin(\/|$)/i, 'admin'],
  [/\/manager(\/|$)/i, 'server'],
];

/** Splits a pasted URL into the site root and what its path suggests. */
export function parseSiteUrl(configured: string): Parsed {
  const url = new URL(configured);
  const path = url.pathname.replace(/\/+$/, '');
  const origin = url.origin;
  if (/\/generatetoken$/i.test(path)) {
    const hint: SiteKind = /\/sharing\//i.test(path) ? 'portal' : /\/admin\/generatetoken$/i.test(path) ? 'admin' : 'server';
    const root = path.replace(/\/(sharing\/rest|sharing|tokens|admin|rest)\/generatetoken$/i, '').replace(/\/generatetoken$/i, '');
    return { root: origin + root, hint, tokenUrl: origin + path };
  }
  let cut = path.length;
  let hint: SiteKind | undefined;
  for (const [marker, kind] of MARKERS) {
    const at = path.search(marker);
    if (at >= 0 && at < cut) {
      cut = at;
      hint = kind;
    }
  }
  if (hint === undefined && isArcGisOnlineHost(url.hostname) && !/^services\d*\./i.test(url.hostname)) hint = 'portal';
  return { root: origin + path.slice(0, cut), hint };
}

/** `…/tokens/` (rest/info's form) becomes `…/tokens/generateToken`. */
export function generateTokenUrl(tokenServicesUrl: string): string {
  const trimmed = tokenServicesUrl.replace(/\/+$/, '');
  return /\/generatetoken$/i.test(trimmed) ? trimmed : `${trimmed}/generateToken`;
}

interface AuthInfo {
  tokenServicesUrl?: unknown;
  isTokenBasedSecurity?: unknown;
}

/**
 * An http(s) URL from rest/info, normalised by the URL parser (`HTTP://H/x` and ` http://h/x` both
 * become `http://h/x`, which is what fetch would use); undefined for anything else.
 */
function advertisedUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

const PORTAL_TOKEN_PATH = /\/sharing(\/rest)?\/generatetoken$/i;

/** The portal a sharing/rest/generateToken URL belongs to (https://host/portal); other URLs unchanged. */
export function portalRoot(tokenUrl: string): string {
  return tokenUrl.replace(PORTAL_TOKEN_PATH, '');
}

export async function discoverTokenSite(configured: string, kind: SiteKind | undefined, http: HttpOptions, policy: CredentialPolicy = {}): Promise<TokenSite> {
  const parsed = parseSiteUrl(configured);
  const { root } = parsed;
  const origins = allowedOrigins(configured, policy);
  const log: Trail = { attempts: [] };
  const { attempts } = log;
  const portalSite = (tokenUrl: string, found: SiteFound): TokenSite => tokenSite({ kind: 'portal', tokenUrl, oauthUrl: `${portalRoot(tokenUrl)}/sharing/rest/oauth2/token`, found });

  // A configured token endpoint, and the admin path under the configured root, are on the configured origin.
  if (parsed.tokenUrl !== undefined && kind !== 'federated') {
    const resolved = kind ?? parsed.hint ?? 'server';
    return resolved === 'portal' ? portalSite(parsed.tokenUrl, { by: 'configured' }) : tokenSite({ kind: resolved, tokenUrl: parsed.tokenUrl, found: { by: 'configured' } });
  }
  if (kind === 'admin') return tokenSite({ kind: 'admin', tokenUrl: `${root}/admin/generateToken`, found: { by: 'kind-admin' } });

  const wantsPortal = kind === 'portal' || (kind === undefined && parsed.hint === 'portal');
  if (!wantsPortal) {
    const infoUrl = `${root}/rest/info?f=json`;
    const info = await probeInfo(infoUrl, http, log);
    if (info !== undefined) {
      const owning = advertisedUrl(info.owningSystemUrl);
      const auth = (info.authInfo ?? undefined) as AuthInfo | undefined;
      if (auth?.isTokenBasedSecurity === false) {
        throw new TokenEndpointNotFoundError(configured, attempts, 'no-token-security', NO_TOKEN_SECURITY.message);
      }
      const tokenServices = advertisedUrl(auth?.tokenServicesUrl);
      if (tokenServices !== undefined) {
        const tokenUrl = generateTokenUrl(tokenServices);
        // ArcGIS Online's hosted servers name www.arcgis.com as owner; its tokens work on them directly.
        if (owning !== undefined && !isArcGisOnlineHost(new URL(owning).hostname)) {
          // The OAuth endpoint sits beside the portal's generateToken that rest/info names (same scheme and host).
          const oauthUrl = PORTAL_TOKEN_PATH.test(tokenUrl) ? `${portalRoot(tokenUrl)}/sharing/rest/oauth2/token` : `${owning.replace(/\/+$/, '')}/sharing/rest/oauth2/token`;
          const site = tokenSite({ kind: 'federated', tokenUrl, oauthUrl, serverUrl: root, found: { by: 'rest-info', url: `${root}/rest/info`, owner: owning } });
          return requireAllowed(site, origins, policy, `${root}/rest/info says the server is federated with ${owning}`, attempts);
        }
        if (kind === 'federated') {
          throw new TokenEndpointNotFoundError(configured, attempts, 'standalone-not-federated', STANDALONE_NOT_FEDERATED.message(root));
        }
        if (owning !== undefined) {
          const hosted = portalSite(tokenUrl, { by: 'rest-info', url: `${root}/rest/info`, owner: owning, hostedByArcGisOnline: true });
          return requireAllowed(hosted, origins, policy, `${root}/rest/info says the server is hosted by ArcGIS Online (${owning})`, attempts);
        }
        const found = await onAllowedOrigin(tokenUrl, origins, `${root}/rest/info`, http, log);
        return tokenSite({ kind: 'server', tokenUrl: found.url, found: { by: 'rest-info', ...found.found } });
      }
      attempts[attempts.length - 1]!.outcome = auth?.tokenServicesUrl === undefined ? 'JSON without authInfo.tokenServicesUrl' : 'JSON whose authInfo.tokenServicesUrl is not an http(s) URL';
    }
  }
  if (kind === 'federated') {
    throw new TokenEndpointNotFoundError(configured, attempts, 'federated-without-info', FEDERATED_WITHOUT_INFO.message);
  }

  const portalInfo = await probeInfo(`${root}/sharing/rest/info?f=json`, http, log);
  if (portalInfo !== undefined) {
    const advertised = advertisedUrl((portalInfo.authInfo as AuthInfo | undefined)?.tokenServicesUrl);
    if (advertised === undefined) return portalSite(`${root}/sharing/rest/generateToken`, { by: 'portal-info', url: `${root}/sharing/rest/info` });
    const found = await onAllowedOrigin(generateTokenUrl(advertised), origins, `${root}/sharing/rest/info`, http, log);
    return portalSite(found.url, { by: 'portal-info', ...found.found });
  }

  const candidates = wantsPortal
    ? [`${root}/sharing/rest/generateToken`, `${root}/sharing/generateToken`, `${root}/tokens/generateToken`]
    : [`${root}/tokens/generateToken`, `${root}/sharing/rest/generateToken`, `${root}/sharing/generateToken`];
  for (const candidate of candidates) {
    // Probed without credentials: no account is involved, so nothing can be locked.
    const answer = await attempt(candidate, () => postForm(candidate, new URLSearchParams({ f: 'json' }), http), log);
    if (answer !== undefined) {
      const found: SiteFound = { by: 'candidate', url: candidate };
      return /\/sharing\//i.test(candidate) ? portalSite(candidate, found) : tokenSite({ kind: 'server', tokenUrl: candidate, found });
    }
  }

  // When nothing answered at all, the first network error (DNS, TLS, timeout) says more than a list.
  if (log.unreachable !== undefined && !log.answered) throw log.unreachable;
  throw new TokenEndpointNotFoundError(configured, attempts);
}

/**
 * The token endpoint an info resource named, when its origin may receive credentials; otherwise the
 * same path on the configured origin, if a probe without credentials finds a token endpoint there
 * (the usual fix for a site whose public URL was never set); otherwise a ForeignTokenOriginError.
 */
async function onAllowedOrigin(tokenUrl: string, origins: AllowedOrigins, infoUrl: string, http: HttpOptions, trail: Trail): Promise<{ url: string; found: Pick<SiteFound, 'url' | 'relocatedFrom'> }> {
  if (origins.has(tokenUrl)) return { url: tokenUrl, found: { url: infoUrl } };
  const foreign = originOf(tokenUrl)!;
  const { pathname } = new URL(tokenUrl);
  const local = `${origins.configured}${pathname}`;
  const answer = await attempt(local, () => postForm(local, new URLSearchParams({ f: 'json' }), http), trail);
  if (answer !== undefined) return { url: local, found: { url: infoUrl, relocatedFrom: foreign } };
  const outcome = trail.attempts[trail.attempts.length - 1]!.outcome;
  throw new ForeignTokenOriginError(
    `${infoUrl} names ${tokenUrl} as its token service, on ${foreign}: the target's configuration does not allow credentials to go to that origin, and the same path on the configured origin (${local}) is not a token endpoint (${outcome}). ` +
      FOREIGN_TOKEN_ORIGIN.notRelocatable(origins.configured, foreign),
    foreign,
    'allowedOrigins',
    trail.attempts,
  );
}

/** The site when every URL that would receive credentials (login, OAuth) is on an allowed origin. */
function requireAllowed(site: TokenSite, origins: AllowedOrigins, policy: CredentialPolicy, said: string, attempts: DiscoveryAttempt[]): TokenSite {
  const refused = [site.tokenUrl, site.oauthUrl].find((url) => url !== undefined && !origins.has(url));
  if (refused === undefined) return site;
  const foreign = originOf(refused)!;
  const portal = portalRoot(site.tokenUrl);
  const named = policy.portalUrl === undefined ? '' : FOREIGN_TOKEN_ORIGIN.otherPortal(policy.portalUrl, origins.portal, portal);
  throw new ForeignTokenOriginError(
    `${said}, whose token service ${refused} is on ${foreign}: the target's configuration does not allow credentials to go to that origin. No credentials were sent.${named} ` +
      (site.kind === 'federated' ? FOREIGN_TOKEN_ORIGIN.federated(portal, foreign) : FOREIGN_TOKEN_ORIGIN.allowed(foreign)),
    foreign,
    site.kind === 'federated' ? 'portalUrl' : 'allowedOrigins',
    attempts,
  );
}

/** What one discovery tried, the first network error it met, and whether anything answered at all. */
interface Trail {
  attempts: DiscoveryAttempt[];
  unreachable?: ArcGisUnreachableError;
  answered?: true;
}

async function probeInfo(url: string, http: HttpOptions, trail: Trail): Promise<Record<string, unknown> | undefined> {
  const answer = await attempt(url, () => getJson(url, http), trail);
  if (answer === undefined) return undefined;
  const json = answer.json;
  if (json !== null && typeof json === 'object' && !Array.isArray(json)) return json as Record<string, unknown>;
  trail.attempts[trail.attempts.length - 1]!.outcome = 'JSON that is not an object';
  return undefined;
}

/** Runs one request; records what it answered; returns the JSON when it is ArcGIS JSON without an error. */
async function attempt(url: string, send: () => Promise<HttpAnswer>, trail: Trail): Promise<{ json: unknown } | undefined> {
  const entry: DiscoveryAttempt = { url, outcome: '' };
  trail.attempts.push(entry);
  let answer: HttpAnswer;
  try {
    answer = await send();
  } catch (error) {
    if (error instanceof ArcGisUnreachableError) {
      entry.outcome = `unreachable (${error.message})`;
      trail.unreachable ??= error;
      return undefined;
    }
    if (error instanceof ArcGisBadResponseError) {
      trail.answered = true;
      entry.outcome = error.kind === 'redirect' ? `HTTP ${error.httpStatus} redirect (a login page?)` : `HTTP ${error.httpStatus}, ${error.kind === 'oversized' ? 'oversized body' : 'bad answer'}`;
      return undefined;
    }
    throw error;
  }
  trail.answered = true;
  let json: unknown;
  try {
    json = parseJson(answer);
  } catch {
    const html = looksLikeHtml(answer.body, answer.contentType);
    entry.outcome = `HTTP ${answer.status} ${html ? 'HTML page' : 'not JSON'}`;
    return undefined;
  }
  const error = errorInfo(json, answer);
  if (error !== undefined) {
    // A token endpoint probed without credentials answers with an ArcGIS error: that proves it exists.
    if (/generatetoken$/i.test(url) && error.code !== 404) {
      entry.outcome = `ArcGIS JSON (error ${error.code}): a token endpoint`;
      return { json };
    }
    entry.outcome = `ArcGIS error ${error.code}${error.message ? ` "${error.message}"` : ''}`;
    return undefined;
  }
  entry.outcome = 'ArcGIS JSON';
  return { json };
}

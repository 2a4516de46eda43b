// Finds where a site issues tokens, from whatever URL a user pasted: a portal home, a server root
// under any web adaptor name, a service or layer URL, or the token endpoint itself. It asks the
// site (`rest/info?f=json`, `sharing/rest/info?f=json`) instead of guessing, follows what it says
// (a `tokenServicesUrl` ending in `/tokens/` gets `generateToken` appended; a server whose
// `owningSystemUrl` is a portal is federated), and only then tries the standard paths. When all
// fail it lists every URL tried and what each answered.
import type { SiteKind } from '../config/schema.js';
import { ArcGisBadResponseError, ArcGisUnreachableError, TokenEndpointNotFoundError, type DiscoveryAttempt } from '../errors.js';
import { getJson, postForm, type HttpAnswer, type HttpOptions } from './http.js';
import { errorInfo, looksLikeHtml, parseJson } from './token-response.js';

export interface TokenSite {
  kind: SiteKind;
  /** Where to log in (generateToken). For a federated server: the portal's. */
  tokenUrl: string;
  /** The portal's OAuth token endpoint, for app credentials (portals and federated servers). */
  oauthUrl?: string | undefined;
  /** For a federated server: the server root named as serverUrl in the token exchange. */
  serverUrl?: string | undefined;
  /** How it was found, for logs and diagnostics. */
  via: string;
}

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

export function isArcGisOnlineHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'arcgis.com' || host.endsWith('.arcgis.com');
}

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
  tokenServicesUrl?: string;
  isTokenBasedSecurity?: boolean;
}

const PORTAL_TOKEN_PATH = /\/sharing(\/rest)?\/generatetoken$/i;

/** The portal a sharing/rest/generateToken URL belongs to (https://host/portal); other URLs unchanged. */
export function portalRoot(tokenUrl: string): string {
  return tokenUrl.replace(PORTAL_TOKEN_PATH, '');
}

export async function discoverTokenSite(configured: string, kind: SiteKind | undefined, http: HttpOptions): Promise<TokenSite> {
  const parsed = parseSiteUrl(configured);
  const { root } = parsed;
  const log: Trail = { attempts: [] };
  const { attempts } = log;
  const portalSite = (tokenUrl: string, via: string): TokenSite => ({ kind: 'portal', tokenUrl, oauthUrl: `${portalRoot(tokenUrl)}/sharing/rest/oauth2/token`, via });

  if (parsed.tokenUrl !== undefined && kind !== 'federated') {
    const resolved = kind ?? parsed.hint ?? 'server';
    return resolved === 'portal' ? portalSite(parsed.tokenUrl, 'configured token endpoint') : { kind: resolved, tokenUrl: parsed.tokenUrl, via: 'configured token endpoint' };
  }
  if (kind === 'admin') return { kind: 'admin', tokenUrl: `${root}/admin/generateToken`, via: 'kind admin: the Server Administrator API path' };

  const wantsPortal = kind === 'portal' || (kind === undefined && parsed.hint === 'portal');
  if (!wantsPortal) {
    const info = await probeInfo(`${root}/rest/info?f=json`, http, log);
    if (info !== undefined) {
      const owning = typeof info.owningSystemUrl === 'string' ? info.owningSystemUrl : undefined;
      const auth = info.authInfo as AuthInfo | undefined;
      if (auth?.isTokenBasedSecurity === false) {
        throw new TokenEndpointNotFoundError(configured, attempts, 'The site says isTokenBasedSecurity false: it does not use ArcGIS tokens (it may use web-tier authentication), so there is nothing to vend.');
      }
      if (auth?.tokenServicesUrl !== undefined) {
        const tokenUrl = generateTokenUrl(auth.tokenServicesUrl);
        // ArcGIS Online's hosted servers name www.arcgis.com as owner; its tokens work on them directly.
        if (owning !== undefined && !isArcGisOnlineHost(new URL(owning).hostname)) {
          // The OAuth endpoint sits beside the portal's generateToken that rest/info names (same scheme and host).
          const oauthUrl = PORTAL_TOKEN_PATH.test(tokenUrl) ? `${portalRoot(tokenUrl)}/sharing/rest/oauth2/token` : `${owning.replace(/\/+$/, '')}/sharing/rest/oauth2/token`;
          return { kind: 'federated', tokenUrl, oauthUrl, serverUrl: root, via: `${root}/rest/info: federated with ${owning}` };
        }
        if (kind === 'federated') {
          throw new TokenEndpointNotFoundError(configured, attempts, `The target has kind federated, but ${root}/rest/info names no owning portal (owningSystemUrl): the server is standalone. Use kind server, or federate it with the portal.`);
        }
        if (owning !== undefined) return portalSite(tokenUrl, `${root}/rest/info: hosted by ArcGIS Online`);
        return { kind: 'server', tokenUrl, via: `${root}/rest/info` };
      }
      attempts[attempts.length - 1]!.outcome = 'JSON without authInfo.tokenServicesUrl';
    }
  }
  if (kind === 'federated') {
    throw new TokenEndpointNotFoundError(configured, attempts, 'A federated target needs the server\'s rest/info to name its portal: check the server URL (its web adaptor, e.g. https://HOST/server).');
  }

  const portalInfo = await probeInfo(`${root}/sharing/rest/info?f=json`, http, log);
  const portalAuth = portalInfo?.authInfo as AuthInfo | undefined;
  if (portalInfo !== undefined) {
    return portalSite(portalAuth?.tokenServicesUrl !== undefined ? generateTokenUrl(portalAuth.tokenServicesUrl) : `${root}/sharing/rest/generateToken`, `${root}/sharing/rest/info`);
  }

  const candidates = wantsPortal
    ? [`${root}/sharing/rest/generateToken`, `${root}/sharing/generateToken`, `${root}/tokens/generateToken`]
    : [`${root}/tokens/generateToken`, `${root}/sharing/rest/generateToken`, `${root}/sharing/generateToken`];
  for (const candidate of candidates) {
    // Probed without credentials: no account is involved, so nothing can be locked.
    const answer = await attempt(candidate, () => postForm(candidate, new URLSearchParams({ f: 'json' }), http), log);
    if (answer !== undefined) {
      return /\/sharing\//i.test(candidate) ? portalSite(candidate, `candidate path ${candidate}`) : { kind: 'server', tokenUrl: candidate, via: `candidate path ${candidate}` };
    }
  }

  // When nothing answered at all, the first network error (DNS, TLS, timeout) says more than a list.
  if (log.unreachable !== undefined && attempts.every((a) => a.outcome.startsWith('unreachable'))) throw log.unreachable;
  throw new TokenEndpointNotFoundError(configured, attempts);
}

/** What one discovery tried, and the first network error it met. */
interface Trail {
  attempts: DiscoveryAttempt[];
  unreachable?: ArcGisUnreachableError;
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
      entry.outcome = error.httpStatus >= 300 && error.httpStatus < 400 ? `HTTP ${error.httpStatus} redirect (a login page?)` : `HTTP ${error.httpStatus}, ${error.message.includes('bytes') ? 'oversized body' : 'bad answer'}`;
      return undefined;
    }
    throw error;
  }
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

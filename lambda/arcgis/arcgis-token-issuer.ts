// The TokenIssuer the core uses. For a target it finds the token endpoint (discovery, cached per
// container, a failure remembered for a while), refuses a site that would take credentials in clear,
// and runs the sign-in sequence (sign-in.ts: login, the federated exchange with a portal token kept
// for reuse, the check on the target's serviceUrl); then it reports how the token is bound.
import type { Target } from '../domain/config/schema.js';
import { ArcGisRateLimitedError, ArcGisUnreachableError, ConfigurationError, TokenVendingError } from '../domain/errors.js';
import { credentialIdentity, type IssueRequest, type IssuedBoundToken, type Log, type TokenBinding, type TokenIssuer } from '../domain/ports.js';
import { checkTokenAlive, type TokenVerdict } from './check-token.js';
import { parseSiteUrl } from './discovery.js';
import { PLAIN_HTTP_TOKEN_SERVICE } from './hints.js';
import type { FetchLike } from './http.js';
import { originOf } from './origins.js';
import { PortalTokenMemory } from './portal-token-memory.js';
import { findSite, plainHttpCredentialUrl, signIn } from './sign-in.js';
import type { TokenSite } from './token-site.js';

export interface ArcGisTokenIssuerOptions {
  timeoutMs: number;
  /** Allow http:// token endpoints named by discovery (local simulators only). */
  allowInsecureHttp?: boolean;
  now?: () => number;
  fetch?: FetchLike;
  /** Where each discovered site's credentials will go is logged here (origins only). */
  log?: Log;
}

/**
 * A failed discovery is remembered this long per container (an ArcGisRateLimitedError until its
 * Retry-After instead). Without it every request re-ran every probe: up to five requests to a site
 * that is down or misconfigured, and for a site that stalls the whole request deadline, each time.
 * Half a minute keeps a fixed site (or a corrected DNS entry) from waiting long to be found again.
 */
export const DISCOVERY_FAILURE_MEMORY_MS = 30_000;

interface RememberedFailure {
  error: TokenVendingError;
  at: number;
  until: number;
}

export class ArcGisTokenIssuer implements TokenIssuer {
  private readonly sites = new Map<string, Promise<TokenSite>>();
  /** Discoveries that failed, per site key, while they are remembered. */
  private readonly failures = new Map<string, RememberedFailure>();
  /** Portal tokens behind federated server tokens, per portal, account and binding (portal-token-memory.ts). */
  private readonly portalTokens = new PortalTokenMemory();
  private readonly now: () => number;

  constructor(private readonly options: ArcGisTokenIssuerOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The target's token site, discovered once per container. A failed discovery is remembered for
   * DISCOVERY_FAILURE_MEMORY_MS (a rate limit until its Retry-After): meanwhile the same error is
   * thrown again at once, its message saying so and until when.
   */
  site(target: Target, deadline?: number): Promise<TokenSite> {
    // The credential policy is part of the key: two targets on one URL may allow different origins.
    const key = JSON.stringify([target.kind ?? null, target.url, target.portalUrl ?? null, target.allowedOrigins ?? []]);
    const failed = this.failures.get(key);
    if (failed !== undefined) {
      const t = this.now();
      if (t < failed.until) return Promise.reject(rememberedError(target, failed, t));
      this.failures.delete(key);
    }
    let site = this.sites.get(key);
    if (site === undefined) {
      site = findSite(target.url, target.kind, { portalUrl: target.portalUrl, allowedOrigins: target.allowedOrigins }, { ...this.http(), now: this.now, deadline })
        .then((found) => this.checkHttps(target, found))
        .then((found) => this.logOrigins(target, found));
      site.catch((error: unknown) => {
        this.sites.delete(key);
        this.remember(key, error);
      });
      this.sites.set(key, site);
    }
    return site;
  }

  private remember(key: string, error: unknown): void {
    // An unexpected error (a bug) is not hidden behind a memory; nor is a discovery the request's
    // deadline ended before anything was sent, which says nothing about the site.
    if (!(error instanceof TokenVendingError)) return;
    if (error instanceof ArcGisUnreachableError && error.notSent) return;
    const at = this.now();
    const until = at + (error instanceof ArcGisRateLimitedError ? error.retryAfterMs : DISCOVERY_FAILURE_MEMORY_MS);
    this.failures.set(key, { error, at, until });
  }

  /**
   * The root of the site the credentials go to (the portal for portal and federated targets, the
   * server for standalone and admin ones): its user store is the account a rejection is counted on.
   */
  async loginSite(target: Target, deadline: number): Promise<string> {
    const site = await this.site(target, deadline);
    return parseSiteUrl(site.tokenUrl).root;
  }

  async issue(request: IssueRequest): Promise<IssuedBoundToken> {
    const { target, credentials } = request;
    const site = await this.site(target, request.deadline);
    // App tokens carry no binding; user tokens the client mode they were asked for.
    const binding: TokenBinding = credentials.kind === 'user' ? userBinding(request) : { client: 'none' };
    // A kept portal token is one portal's, for one account and binding (sign-in.ts keeps them for federated sites only).
    const portalKey = JSON.stringify([site.tokenUrl, credentialIdentity(credentials), request.client, request.referer ?? null, request.ip ?? null, target.expirationMinutes]);
    const token = await signIn(
      {
        target: target.name,
        site,
        credentials,
        client: request.client,
        referer: request.referer,
        ip: request.ip,
        expirationMinutes: target.expirationMinutes,
        serviceUrl: target.serviceUrl,
        portalTokens: this.portalTokens.slot(portalKey),
      },
      { ...this.http(), now: this.now, deadline: request.deadline },
    );
    return { ...token, binding };
  }

  /**
   * One authenticated GET that ArcGIS answers 498 to when the token is dead: the target's
   * serviceUrl when it has one, else the portal's portals/self, a server's services directory, or
   * the Administrator API's root. A token bound to an IP address (client ip, caller-ip) is only
   * accepted from that address, so it cannot be checked from here.
   */
  async check(target: Target, token: { token: string; binding: TokenBinding }, deadline: number): Promise<TokenVerdict> {
    if (token.binding.client === 'ip' || token.binding.client === 'unknown') return 'unknown';
    const site = await this.site(target, deadline);
    const url = target.serviceUrl ?? checkUrl(site);
    return checkTokenAlive({ url, token: token.token, referer: token.binding.referer }, { ...this.http(), now: this.now, deadline });
  }

  private http() {
    return { timeoutMs: this.options.timeoutMs, fetch: this.options.fetch, now: this.now };
  }

  /** A site may name an http:// token service in rest/info; the password must not follow it there. */
  private checkHttps(target: Target, site: TokenSite): TokenSite {
    // Both endpoints: whichever credentials the target's secret holds later, neither may go in clear.
    const plain = this.options.allowInsecureHttp ? undefined : plainHttpCredentialUrl(site, 'any');
    if (plain !== undefined) {
      throw new ConfigurationError(
        `The site of target "${target.name}" names ${URL.parse(plain)?.href ?? 'a URL that is not https://'} as its token service: refusing to send credentials over plain http. ${PLAIN_HTTP_TOKEN_SERVICE.message}`,
      );
    }
    return site;
  }

  /** Once per discovered site: the origins that will receive this target's credentials (never a secret). */
  private logOrigins(target: Target, site: TokenSite): TokenSite {
    const origins = [...new Set([site.tokenUrl, site.oauthUrl].filter((url): url is string => url !== undefined).map((url) => originOf(url) ?? url))];
    this.options.log?.info('credentials for this target go only to these origins', { target: target.name, kind: site.kind, credentialOrigins: origins, via: site.via });
    return site;
  }
}

/** The cheapest authenticated resource of the site that issues the target's tokens. */
function checkUrl(site: TokenSite): string {
  const root = parseSiteUrl(site.tokenUrl).root;
  if (site.kind === 'federated' && site.serverUrl !== undefined) return `${site.serverUrl}/rest/services`;
  if (site.kind === 'portal') return `${root}/sharing/rest/portals/self`;
  if (site.kind === 'admin') return `${root}/admin/`;
  return `${root}/rest/services`;
}

/**
 * The remembered discovery failure, thrown again: the same class, status, problem type and fields,
 * with a message that says it was remembered and until when. A copy, so that each request's error
 * has its own message and stack, and a rate limit's Retry-After counts down.
 */
function rememberedError(target: Target, failed: RememberedFailure, now: number): TokenVendingError {
  const { error, at, until } = failed;
  const rateLimited = error instanceof ArcGisRateLimitedError;
  const message =
    `${error.message} (Remembered: finding the token endpoint of target "${target.name}" failed at ${new Date(at).toISOString()}, and this container does not try again until ${new Date(until).toISOString()}` +
    `${rateLimited ? ', as the site\'s Retry-After asked' : ` (${DISCOVERY_FAILURE_MEMORY_MS / 1000} s)`}, so requests are answered at once instead of each re-running the probes.)`;
  if (rateLimited) return new ArcGisRateLimitedError(message, error.url, error.httpStatus, until - now);
  const copy = Object.create(Object.getPrototypeOf(error) as object) as TokenVendingError;
  Object.defineProperties(copy, Object.getOwnPropertyDescriptors(error));
  Object.defineProperty(copy, 'message', { value: message, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(copy, 'stack', { value: `${copy.name}: ${message}\n${new Error().stack?.split('\n').slice(1).join('\n') ?? ''}`, writable: true, configurable: true, enumerable: false });
  return copy;
}

function userBinding(request: IssueRequest): TokenBinding {
  return { client: request.client, ...(request.client === 'referer' ? { referer: request.referer } : {}), ...(request.client === 'ip' ? { ip: request.ip } : {}) };
}

// Doctor's first check: what the site is and where its token endpoint is, found by the sign-in
// sequence's discovery under the deployed function's own credential policy (credentials only to the
// site's origin and the ones named, never in clear), and told in words; and when discovery fails,
// why, read from the typed error and from the requests it made (a login redirect, an IWA challenge).
import {
  ArcGisRateLimitedError,
  ArcGisUnreachableError,
  ForeignTokenOriginError,
  TokenEndpointNotFoundError,
  TokenVendingError,
  describeError,
} from '../../domain/errors.js';
import { isArcGisOnlineHost, parseSiteUrl, portalRoot } from '../../arcgis/discovery.js';
import { ENDPOINT_NOT_FOUND, FOREIGN_TOKEN_ORIGIN, HTTPS_REWRITE, NO_TOKEN_SECURITY, PLAIN_HTTP_TOKEN_SERVICE, SITE_UNREACHABLE, WEB_TIER_LOGIN } from '../../arcgis/hints.js';
import { findSite, plainHttpCredentialUrl, type SignInEvent } from '../../arcgis/sign-in.js';
import type { TokenSite } from '../../arcgis/token-site.js';
import { isPlainHttp, rateLimitFinding, type DoctorOptions, type Finding, type SiteSummary } from './findings.js';
import type { RecordedExchange } from './recording-fetch.js';
import type { DoctorRun } from './run.js';

/** The site as the sign-in sequence needs it, and as the report tells it. */
export interface FoundSite {
  site: TokenSite;
  summary: SiteSummary;
}

export function discoveryCheck(run: DoctorRun, options: DoctorOptions): Promise<FoundSite | undefined> {
  return run.check('discovery', 'What is this site? (discovery)', async () => {
    const report = (event: SignInEvent): void => {
      if (event.step !== 'discovery') return;
      if (event.outcome === 'succeeded') {
        const { site } = event;
        run.add({ verdict: 'ok', summary: `${describeSite(site)}: token endpoint ${site.tokenUrl} (found through ${site.via})` });
      }
      if (event.outcome === 'failed') run.add(discoveryFailure(options.url, event.error, run.requests));
    };
    let site: TokenSite;
    try {
      // The function's own policy (arcgis/origins.ts): credentials only to the site's origin and the ones named.
      site = await findSite(options.url, undefined, { portalUrl: options.portalUrl, allowedOrigins: options.allowedOrigins }, run.http, report);
    } catch (error) {
      if (error instanceof TokenVendingError) return undefined; // reported above
      throw error;
    }
    const insecure = plainHttpCredentialUrl(site, options.credentials.kind);
    if (insecure !== undefined && !isPlainHttp(options.url) && !options.allowInsecureHttp) {
      run.add({
        verdict: 'fail',
        summary: `the site names ${insecure} (plain http) as its token service: doctor will not send the ${options.credentials.kind === 'app' ? 'client secret' : 'password'} there`,
        cause: PLAIN_HTTP_TOKEN_SERVICE.cause,
        fix: PLAIN_HTTP_TOKEN_SERVICE.fix,
      });
      return undefined;
    }
    return { site, summary: summarize(site) };
  });
}

function summarize(site: TokenSite): SiteSummary {
  return { kind: site.kind, description: describeSite(site), tokenUrl: site.tokenUrl, oauthUrl: site.oauthUrl, serverUrl: site.serverUrl, via: site.via };
}

function describeSite(site: TokenSite): string {
  switch (site.kind) {
    case 'portal':
      if (site.found.hostedByArcGisOnline) return 'an ArcGIS Online hosted server (its tokens come from ArcGIS Online)';
      return isArcGisOnlineHost(new URL(site.tokenUrl).hostname) ? 'ArcGIS Online' : 'a portal (Portal for ArcGIS, ArcGIS Enterprise)';
    case 'server':
      return 'a standalone ArcGIS Server';
    case 'admin':
      return 'the ArcGIS Server Administrator API';
    case 'federated':
      return `an ArcGIS Server federated with the portal ${portalRoot(site.tokenUrl)}`;
  }
}

function discoveryFailure(url: string, error: TokenVendingError, requests: readonly RecordedExchange[]): Finding {
  const root = parseSiteUrl(url).root;
  const redirect = requests.find((r) => r.location !== undefined);
  const negotiate = requests.find((r) => r.httpStatus === 401 && /negotiate|ntlm/i.test(r.wwwAuthenticate ?? ''));
  if (negotiate !== undefined || (redirect !== undefined && !isSchemeRewrite(redirect))) {
    const how = negotiate !== undefined ? `requests are answered 401 with WWW-Authenticate: ${negotiate.wwwAuthenticate} (Windows authentication, IWA)` : `requests are redirected to a login page at ${redirect!.location} (SAML or ADFS)`;
    return { verdict: 'fail', summary: `a web-tier login guards ${root}: ${how}`, cause: WEB_TIER_LOGIN.cause, fix: WEB_TIER_LOGIN.fix(root) };
  }
  if (redirect !== undefined) {
    return { verdict: 'fail', summary: `${redirect.url} redirects to ${redirect.location}: the site wants https`, cause: HTTPS_REWRITE.cause, fix: HTTPS_REWRITE.fix(url) };
  }
  if (error instanceof ArcGisUnreachableError) {
    return { verdict: 'fail', summary: `no answer from ${new URL(url).host}`, cause: error.message, fix: SITE_UNREACHABLE.fix };
  }
  if (error instanceof ArcGisRateLimitedError) return rateLimitFinding(error, 'discovery');
  if (error instanceof ForeignTokenOriginError) {
    return {
      verdict: 'fail',
      summary: `the site names a token service on ${error.foreignOrigin}, an origin you did not name: doctor sends no credentials there`,
      cause: error.message,
      fix: error.setting === 'portalUrl' ? FOREIGN_TOKEN_ORIGIN.doctor.federated(error.foreignOrigin) : FOREIGN_TOKEN_ORIGIN.doctor.allowed(error.foreignOrigin, new URL(url).origin),
    };
  }
  if (error instanceof TokenEndpointNotFoundError) {
    if (error.reason === 'no-token-security') {
      return { verdict: 'fail', summary: `${root} does not use ArcGIS tokens (rest/info: isTokenBasedSecurity false)`, cause: NO_TOKEN_SECURITY.cause, fix: NO_TOKEN_SECURITY.fix };
    }
    const all404 = requests.length > 0 && requests.every((r) => r.httpStatus === 404);
    return {
      verdict: 'fail',
      summary: `no token endpoint found from ${url}: ${requests.length} URL(s) tried${all404 ? ', every one answered 404' : ''}`,
      cause: ENDPOINT_NOT_FOUND.cause,
      fix: ENDPOINT_NOT_FOUND.fix,
    };
  }
  return { verdict: 'fail', summary: `discovery failed: ${describeError(error)}` };
}

function isSchemeRewrite(exchange: RecordedExchange): boolean {
  if (exchange.location === undefined) return false;
  const from = new URL(exchange.url);
  const to = new URL(exchange.location);
  return from.protocol === 'http:' && to.protocol === 'https:' && from.hostname === to.hostname;
}

// One catalogue of what ArcGIS's codes and situations mean and what to do about them, worded for
// whoever reads it: `message` ends the service's error (an operator reads it in a problem answer or a
// log, and changes the target's settings or the secret); `cause` and `fix` make doctor's finding, in
// terms of doctor's options; `smoke` is smoke's line about a token the deployed service handed out.
// The protocol modules, doctor and smoke say what happened (URLs, codes, ArcGIS's own words) and take
// the advice from here, so a hint changes in one place for every reader.
import type { ArcGisClientMode, ClientMode, SiteKind } from '../domain/config/settings.js';

/** Where a user of this kind of site signs in to check the account: its own users, or the portal's. */
function signInAt(kind: SiteKind): string {
  return kind === 'server' || kind === 'admin' ? 'the server' : 'the portal';
}

// ── Logging in (generateToken, oauth2/token) ────────────────────────────────────────────────────

/** 401 from a standalone server, 400 "Invalid username or password." from a portal. */
export const INVALID_CREDENTIALS = {
  message:
    'The user name or password in the secret was rejected, or the account is unknown, locked, disabled or not allowed to generate tokens. ' +
    'Put the right credentials of a built-in ArcGIS account in the secret (user names are case-sensitive); accounts that sign in with SAML, ADFS or IWA cannot use generateToken. ' +
    'Logins for this target pause until the secret changes, so a wrong password cannot lock the account.',
  cause:
    'Wrong user name or password (user names are case-sensitive), or an unknown, locked or disabled account, or one not allowed to generate tokens. Accounts that sign in through SAML, ADFS or IWA (enterprise logins) cannot use generateToken at all.',
  fix: (kind: SiteKind) =>
    `Check the user name and password of a built-in ArcGIS account (sign in with it at ${signInAt(kind)} to be sure). For an enterprise login, use app credentials instead (--client-id). Doctor stopped after this one failed login, so the account cannot be locked by it.`,
};

/** oauth2/token answered invalid_client. */
export const INVALID_APP_CREDENTIALS = {
  message:
    "The app's clientId or clientSecret was rejected: copy both from the app item's Credentials in the portal (Content → the app → Settings), or register a new application there, and put them in the secret.",
  cause: 'The client id or client secret is wrong, or the application was deleted or its secret reset.',
  fix: "Copy both from the application item's Settings → Credentials in the portal, and run doctor again with --client-id and ARCGIS_CLIENT_SECRET.",
};

/** 201 "Client id cannot be determined": the binding the token was asked for is unusable. */
export const CLIENT_UNDETERMINED = {
  message: 'ArcGIS could not tell whom to bind the token to: client "ip" needs the ip setting and client "referer" needs the referer setting.',
  doctor: (mode: { client: ArcGisClientMode; referer?: string | undefined; ip?: string | undefined }): { cause: string; fix: string } => {
    switch (mode.client) {
      case 'referer':
        return { cause: `ArcGIS could not bind the token to the referer ${mode.referer}.`, fix: 'Give --referer as a plain https:// base URL (no path, query or fragment), or use client=ip with --ip.' };
      case 'ip':
        return {
          cause: `ArcGIS could not bind the token to the ip ${mode.ip}: client=ip needs ip=ADDRESS, and the site refused it.`,
          fix: 'Check that --ip is the IPv4/IPv6 address of the machine that will use the tokens, or use client=referer.',
        };
      case 'requestip':
        return {
          cause: 'ArcGIS could not determine the address of the machine that asked (a proxy or load balancer in front of the site can hide it), so it cannot bind the token to it.',
          fix: 'Use client=referer with --referer (recommended), or client=ip with --ip ADDRESS of the machine that will use the tokens.',
        };
    }
  },
};

/** 403 from a token endpoint: the account may not generate tokens. */
export const MAY_NOT_GENERATE_TOKENS = {
  message: 'The account may not perform this operation: give it a role that can generate tokens, or use another account.',
  cause: 'The account lacks the privilege to generate tokens.',
  fix: 'Give the account a role that can generate tokens, or use another built-in account.',
};

/** 498 from a token endpoint. */
export const LOGIN_INVALID_TOKEN = {
  message:
    'ArcGIS called a token invalid: expired, bound to another referer or IP, or issued by another dispenser (a standalone server token sent to a portal, or a portal token sent to a federated server without exchange).',
};

/** 499 from a token endpoint. */
export const LOGIN_TOKEN_REQUIRED = {
  message: 'ArcGIS wanted a token where none was sent: the URL is probably a secured resource rather than the token endpoint.',
};

/** Any other ArcGIS error from a token endpoint. */
export const LOGIN_REFUSED = {
  message: "Check the target's url, client and expiration against the site's token settings.",
  fix: "Check the client mode against the site's token settings, or try another mode.",
};

/** App credentials for a site without an OAuth endpoint (a standalone server or its Administrator API). */
export const APP_CREDENTIALS_NEED_PORTAL = {
  message: (target: string, tokenUrl: string, kind: SiteKind) =>
    `Target "${target}" has app credentials (clientId/clientSecret), but ${tokenUrl} is a ${kind === 'admin' ? 'Server Administrator API' : 'standalone ArcGIS Server'}: app credentials need a portal or ArcGIS Online. Use a built-in user's username/password for this target.`,
  cause: 'A standalone ArcGIS Server (or its Administrator API) has no OAuth endpoint: it only issues tokens to its own built-in users.',
  fix: 'Run doctor with --username and a built-in user of this server, or point it at the portal this server is federated with.',
};

// ── Answers that are not ArcGIS JSON ────────────────────────────────────────────────────────────

/** What to check when a token endpoint answered with something other than JSON. */
export function notJsonHint(status: number, html: boolean): string {
  if (status === 404) {
    return 'Nothing is at this path: the web adaptor name is site-specific (arcgis, server, portal or a custom one). Use the token endpoint the site names in https://HOST/ADAPTOR/rest/info?f=json (authInfo.tokenServicesUrl), e.g. …/sharing/rest/generateToken for a portal or …/tokens/generateToken for ArcGIS Server.';
  }
  if (status === 401 || status === 403) {
    return 'The web server itself refused the request (web-tier authentication such as IWA or a firewall rule): generateToken needs anonymous access to the token endpoint and a built-in ArcGIS account.';
  }
  if (status >= 500) return 'The ArcGIS site reported a server error: check its health; the service will try again on the next request or schedule.';
  if (html) return 'ArcGIS answers HTML when the request lacks f=json or the URL is not a token endpoint: check the target\'s url.';
  return 'Check that the target\'s url is an ArcGIS generateToken endpoint.';
}

/** A token endpoint that redirects (a request must not follow it: the target is a login page, not a token). */
export const TOKEN_ENDPOINT_REDIRECTS = {
  message:
    'A token endpoint that redirects is usually behind a web-tier login (SAML, ADFS, IWA) or an http→https/adaptor rewrite: ' +
    'point the target at the exact https:// generateToken URL, and use a built-in ArcGIS account (enterprise logins cannot use generateToken).',
};

/** Requests redirected to a login page, or answered 401 Negotiate: SAML, ADFS or IWA in front of the site. */
export const WEB_TIER_LOGIN = {
  cause: 'Enterprise logins (SAML, ADFS, IWA) cannot use generateToken: only built-in ArcGIS accounts can, and only at a token endpoint that answers without a browser login.',
  fix: (root: string) =>
    `Use app credentials: register an application in the portal (its item's Settings → Credentials), have ${root}/sharing/rest/oauth2/token reachable without the web-tier login, and run doctor with --client-id. Or ask for a built-in account and anonymous access to ${root}/sharing/rest/generateToken.`,
};

/** http:// redirected to https:// on the same host. */
export const HTTPS_REWRITE = {
  cause: 'The web server rewrites http:// to https://, and a token request must not follow a redirect.',
  fix: (url: string) => `Run doctor with ${url.replace(/^http:/i, 'https:')}.`,
};

// ── Finding the token endpoint ──────────────────────────────────────────────────────────────────

/** rest/info says isTokenBasedSecurity false. */
export const NO_TOKEN_SECURITY = {
  message: 'The site says isTokenBasedSecurity false: it does not use ArcGIS tokens (it may use web-tier authentication), so there is nothing to vend.',
  cause: 'The site is secured by its web server (web-tier authentication) or not at all, so there are no tokens to vend.',
  fix: 'Ask the administrator whether the services need tokens at all; a site with token security says isTokenBasedSecurity true.',
};

/** kind federated, but the server's rest/info names no owning portal. */
export const STANDALONE_NOT_FEDERATED = {
  message: (root: string) => `The target has kind federated, but ${root}/rest/info names no owning portal (owningSystemUrl): the server is standalone. Use kind server, or federate it with the portal.`,
};

/** kind federated, and the server's rest/info could not be read. */
export const FEDERATED_WITHOUT_INFO = {
  message: 'A federated target needs the server\'s rest/info to name its portal: check the server URL (its web adaptor, e.g. https://HOST/server).',
};

/** No info resource and no standard path answered like a token endpoint. */
export const ENDPOINT_NOT_FOUND = {
  cause: 'The web adaptor name is per site (arcgis, server, portal or a custom one), so paths that work elsewhere answer 404 here; or the URL is not an ArcGIS site.',
  fix: 'Open a service or layer URL of this site (…/ADAPTOR/rest/services/…) or its portal home (…/ADAPTOR/home) in a browser and run doctor with that URL.',
};

/** Nothing answered discovery at all (DNS, connection, TLS, timeout). */
export const SITE_UNREACHABLE = {
  fix: 'Check the URL, and that this machine reaches the site (VPN, proxy, firewall).',
};

/** rest/info named a token service on an origin the target's configuration does not allow. */
export const FOREIGN_TOKEN_ORIGIN = {
  /** The same path on the configured origin is not a token endpoint either. */
  notRelocatable: (configured: string, foreign: string) =>
    `No credentials were sent. A site names another host when its public URL was never set (the server then names its internal machine): set the public URL on the site (web adaptor), or give the target's url as the token endpoint on ${configured}. ` +
    `If ${foreign} really is where this site's tokens come from, add "${foreign}" to the target's allowedOrigins.`,
  /** The target names a portalUrl on another origin than the portal rest/info names. */
  otherPortal: (portalUrl: string, portalOrigin: string | undefined, portal: string) => ` The target's portalUrl is ${portalUrl}, on ${portalOrigin}: if the server's portal is ${portal}, correct portalUrl.`,
  federated: (portal: string, foreign: string) =>
    `If ${portal} is the portal this server is federated with, set the target's kind to "federated" and its portalUrl to ${portal}, or add "${foreign}" to the target's allowedOrigins.`,
  allowed: (foreign: string) => `If that is where this site's tokens come from, add "${foreign}" to the target's allowedOrigins.`,
  doctor: {
    federated: (foreign: string) =>
      `If that is the portal this server is federated with, run doctor again with --portal-url and the portal's URL (the configuration then gets kind federated and portalUrl), or with --allow-origin ${foreign}.`,
    allowed: (foreign: string, siteOrigin: string) =>
      `If ${foreign} really issues this site's tokens, run doctor again with --allow-origin ${foreign} (the configuration then gets allowedOrigins); otherwise set the site's public URL so rest/info names ${siteOrigin}.`,
  },
};

/** The site names an http:// token service: credentials would cross the network in clear. */
export const PLAIN_HTTP_TOKEN_SERVICE = {
  message: "Configure the site's token service for https, or give the https:// token endpoint as the target's url.",
  cause: 'rest/info advertises an http:// token service, so the credentials would cross the network in clear.',
  fix: "Configure the site's token service for https (its web adaptor or reverse proxy), or run doctor with the https:// token endpoint itself.",
};

/** The token endpoint discovery chose does not answer a probe with ArcGIS JSON. */
export const DISCOVERED_ENDPOINT_SILENT = {
  cause: 'The site names a token service that is not reachable at that address (a proxy or web adaptor in between, or a stale setting).',
  fix: (tokenUrl: string) => `Check ${tokenUrl} with the site administrator; if one of the endpoints listed above answers, run doctor with it.`,
};

// ── The federated exchange ──────────────────────────────────────────────────────────────────────

/** The portal answered 498/499 to its own fresh token in the exchange. */
export const EXCHANGE_TOKEN_REFUSED = {
  message: (referer: string | undefined) =>
    `The portal refused its own fresh token while exchanging it for a server token: check that the portal's token settings and the referer (${referer ?? 'none'}) match.`,
  cause: (referer: string | undefined) => `The exchange sends the portal token back with its Referer (${referer ?? 'none'}); the portal did not accept it.`,
  fix: 'Check the portal\'s token settings, and try --referer with the exact URL your apps use.',
};

/** The portal would not issue a token for the server: it is not federated with (registered with) it. */
export const NOT_FEDERATED = {
  message: (serverUrl: string) =>
    `The portal would not issue a token for ${serverUrl}: that server is not federated with (registered with) this portal. Check Portal → Organization → Settings → Servers, or, for a standalone server, set the target's kind to server and use its own token endpoint.`,
  cause: 'The server names this portal as its owner (owningSystemUrl) but is not federated with (registered with) it.',
  fix: 'Federate the server with the portal (Portal → Organization → Settings → Servers), or, for a standalone server, use its own token endpoint with a user of the server.',
};

// ── The token on a service ──────────────────────────────────────────────────────────────────────

/** How a token is bound, as smoke's 498 hints need it. */
export interface ServedBinding {
  client: ClientMode | 'none' | 'unknown';
  referer?: string | undefined;
  ip?: string | undefined;
}

/** 498 on a fresh token: it came from the wrong dispenser for this service. */
export const WRONG_DISPENSER = {
  message: (tokenUrl: string, referer: string | undefined) =>
    `The service rejected a fresh token from ${tokenUrl}: it came from the wrong dispenser for this service. A server federated with a portal needs a portal token exchanged for a server token (leave the target's kind out to discover it, or set kind federated with the server's URL); a standalone server needs its own token endpoint, not the portal's.${referer !== undefined ? ` The check sent Referer: ${referer}.` : ''}`,
  cause: (site: { tokenUrl: string; description: string }, serviceUrl: string, referer: string | undefined) =>
    `A token issued seconds ago was called invalid, so it is not expired: it came from the wrong dispenser. The token came from ${site.tokenUrl} (${site.description}), whose tokens ${serviceUrl} does not accept: a portal token on a server that is standalone or federated (without exchange), or a standalone server's token on another site.${referer !== undefined ? ` It was sent with Referer ${referer}, as a referer-bound token needs.` : ''}`,
  fix: (serviceRoot: string) => `Run doctor with the site that hosts the service: npx arcgis-token-vending doctor ${serviceRoot} (discovery then finds whether it is standalone or federated).`,
  smoke: (binding: ServedBinding): string[] => [
    "the service rejected the token (Invalid Token). Most often it comes from the wrong dispenser for this service: a portal's token on a standalone ArcGIS Server, a standalone server's token on a portal's services, or a portal token on a federated server without exchange. Point the target at the site that owns the service (or set kind federated with the server's URL).",
    ...(binding.client === 'referer' ? [`or the Referer does not match: the check sent Referer: ${binding.referer ?? '(none)'}, the answer's referer; apps must send exactly that, without a query string.`] : []),
    ...(binding.client === 'ip' || binding.client === 'requestip'
      ? [`or the address does not match: the token is bound to ${binding.client === 'ip' ? binding.ip ?? 'an address' : "the function's egress address"}, and this check ran from this machine; run it from that address.`]
      : []),
  ],
};

/** 499 on the service: the token did not arrive. */
export const TOKEN_NOT_SEEN = {
  message: 'The service did not see the token: a proxy in front of it may strip the X-Esri-Authorization header.',
  cause: 'A proxy in front of the service may strip the X-Esri-Authorization header.',
  fix: 'Have the proxy pass X-Esri-Authorization through.',
  smoke: 'the service did not see the token: a proxy in front of it may strip the X-Esri-Authorization header.',
};

/** 403 on the service: the account may not use it. */
export const SERVICE_NOT_SHARED = {
  message: 'The account behind the token may not access this service: share the service with it or use another account.',
  cause: 'The service is not shared with the account behind the token.',
  fix: 'Share the service with the account (or its group), or use another account.',
  smoke: 'the account behind the token may not access this service: share the service with it, or use another account.',
};

/** Any other ArcGIS error from the service. */
export const SERVICE_REFUSED = {
  message: 'The service refused the new token.',
  smoke: 'the service refused the request; the ArcGIS message above says why.',
};

/** The service answered something that is not ArcGIS JSON. */
export const SERVICE_NOT_ARCGIS = {
  notFound: 'Nothing is at this path: the service name or the web adaptor name in the URL is wrong.',
  redirect: 'The service redirects (a web-tier login or an http→https rewrite in front of it).',
  fix: 'Give --service as the URL of a service or layer of this site, as its REST directory shows it (…/rest/services/NAME/FeatureServer or …/MapServer/0).',
  smoke: "use the service's REST URL (…/rest/services/NAME/FeatureServer/0), not a page",
};

// ── Rate limits, lifetimes, HTTPS, bindings ─────────────────────────────────────────────────────

/** 429, or 503 with Retry-After. */
export const RATE_LIMITED = {
  cause: 'ArcGIS, or a proxy or gateway in front of it, is limiting how often requests may come (often after many requests in a short time).',
  fix: (seconds: number) => `Wait ${seconds} s (the site's Retry-After) and run doctor again; retrying sooner prolongs the limit.`,
};

/** The site granted less than the lifetime asked for, without saying so. */
export const LIFETIME_CAPPED = {
  cause: "The site's maximum token lifetime is lower than what was asked; ArcGIS shortens such requests without saying so.",
  fix: (longest: number) => `Nothing to fix: the service always trusts the expiry ArcGIS returns. Keep expirationMinutes at ${longest} or less (the configuration below does).`,
};

/** http:// URLs, allowed for a local simulator. */
export const PLAIN_HTTP_ALLOWED = {
  cause: 'The password and the tokens cross the network in clear.',
  fix: 'Acceptable for a local simulator only; a real site must be used over https://.',
};

/** ArcGIS marks the tokens ssl:false: the site also accepts them over http. */
export const SSL_FALSE = {
  cause: 'The site allows HTTP as well as HTTPS, so a token sent over http:// by mistake travels in clear and still works.',
  fix: 'Set the site to HTTPS only (ArcGIS Server: Security → Settings; Portal: Organization → Settings → Security → Allow access to the portal through HTTPS only).',
};

/** client=referer worked with doctor's placeholder referer. */
export const DEFAULT_REFERER_USED = {
  cause: (referer: string) => `No --referer was given, so the token was bound to ${referer}.`,
  fix: (referer: string) =>
    `Run doctor with --referer set to the URL your apps send as Referer (e.g. https://apps.example.com); the configuration below uses ${referer} until you do.`,
};

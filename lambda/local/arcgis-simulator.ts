// A simulated ArcGIS site served over real HTTP on loopback: a Portal, a standalone ArcGIS Server
// (with its Administrator API) and, optionally, servers federated with the portal (registered or
// not), each behind its own web adaptor. The local dev server uses it when no real ArcGIS is at
// hand, and the test suite uses it to exercise the token client against the answers real sites
// give, including the awkward ones (HTML pages, HTTP 200 error bodies, real HTTP 498/499 statuses,
// web-tier SAML/IWA logins, redirects, huge bodies, hangs, resets).
//
// Error payloads are byte-for-byte those of real servers (see docs/arcgis-tokens.md): key order and
// spacing matter because fixtures and clients compare them verbatim. The few answers the doc does
// not quote are marked "simulator-chosen" where they are defined.
//
// Layout (URL = http://127.0.0.1:PORT):
//   URL/PORTAL   sharing/rest/generateToken (+ alias sharing/generateToken; password login or token
//                exchange for a federated server), sharing/rest/oauth2/token (+ alias
//                sharing/oauth2/token), sharing/rest/info, sharing/rest/portals/self (secured), home/
//   URL/SERVER   tokens/generateToken (or tokenServicesPath), rest/info, rest/services,
//                rest/services/Demo/FeatureServer/0 (secured), admin/generateToken, admin/ (secured)
//   URL/FED      rest/info (owningSystemUrl = the portal), rest/services,
//                rest/services/Demo/FeatureServer/0 (secured: exchanged server tokens only)
//
// The simulator never logs: requests carry passwords and answers carry tokens.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SimulatorUser {
  username: string;
  password: string;
}

/** An OAuth 2.0 app registered with the portal (app credentials, grant_type=client_credentials). */
export interface SimulatorApp {
  clientId: string;
  clientSecret: string;
}

/** A server federated with the portal; only a registered one gets server tokens by exchange. */
export interface SimulatorFederatedServer {
  /** Web adaptor name (one path segment), distinct from the portal's and the standalone server's. */
  adaptor: string;
  registered: boolean;
}

export type SimulatorFault =
  | { kind: 'html'; status?: number } // HTML page (default status 200)
  | { kind: 'status'; status: number; body?: string; contentType?: string; headers?: Record<string, string> } // arbitrary status/body/headers (e.g. 429 with Retry-After)
  | { kind: 'json'; body: unknown; status?: number } // arbitrary JSON body (JSON.stringify), default 200
  | { kind: 'garbage' } // 200, text/plain, non-JSON bytes
  | { kind: 'huge'; bytes: number } // 200, body of that many bytes, streamed without content-length
  | { kind: 'redirect'; location: string; status?: number } // default 302
  | { kind: 'hang' } // never answers (socket kept open until close())
  | { kind: 'reset' } // destroys the socket without answering
  | { kind: 'delay'; ms: number } // answers normally after ms
  | { kind: 'echo'; status?: number }; // an ArcGIS error quoting the request back (raw body and each field), as a debugging proxy does

/**
 * What a site's rest/info (or a portal's sharing/rest/info) advertises instead of the simulator's
 * own URLs, verbatim: an `HTTP://` scheme, a leading space, another host. Real sites do this when
 * their public URL was never set (the internal machine name) and attackers do it on purpose.
 */
export interface SimulatorAdvertised {
  /** authInfo.tokenServicesUrl, as sent. */
  tokenServicesUrl?: string;
  /** owningSystemUrl, as sent; null leaves it out (a standalone server), a string adds or replaces it. */
  owningSystemUrl?: string | null;
}

export interface ArcGisSimulatorOptions {
  /** Accounts that may log in (on every dispenser, the admin API included); default: DEFAULT_SIMULATOR_USER only. */
  users?: SimulatorUser[];
  /** Web adaptor name of the portal; default 'portal'. */
  portalAdaptor?: string;
  /** Web adaptor name of the standalone server; default 'arcgis'. */
  serverAdaptor?: string;
  /** Longest token lifetime in minutes; a larger requested expiration is silently capped. Default 21600 (15 days). */
  maxExpirationMinutes?: number;
  /** Send "expires" as a numeric string ("expires":"1732312345678"), as some servers do. */
  expiresAsString?: boolean;
  /** Value of "ssl" in token answers; default false (the simulator speaks plain http). */
  ssl?: boolean;
  /** Lock an account after this many consecutive failed logins; default 0 = never. */
  lockAfterFailures?: number;
  /** Servers federated with the portal, each at url + '/' + adaptor; default none. */
  federatedServers?: SimulatorFederatedServer[];
  /**
   * Server roots elsewhere (another simulator's federated server, say) that this portal counts as
   * registered: the token exchange issues tokens for them. No simulator can check another's tokens,
   * so such tokens are only good for showing where the exchange went. Default none.
   */
  externalFederatedServers?: string[];
  /** OAuth apps that may get app tokens at the portal's oauth2/token; default none. */
  apps?: SimulatorApp[];
  /**
   * Secured resources (the layers and portals/self) answer 498/499 with that real HTTP status
   * instead of HTTP 200, and word 498 "Invalid token.", as some servers do. Default false.
   */
  httpStatusErrors?: boolean;
  /**
   * Web-tier authentication in front of the portal: every request to the portal web adaptor
   * (everything under /sharing/, oauth2/token included, and home/) is answered by the web tier.
   * 'saml': HTTP 302 to the identity provider; 'iwa': HTTP 401 with WWW-Authenticate: Negotiate.
   */
  webTierLogin?: 'saml' | 'iwa';
  /**
   * Token service of the standalone server relative to serverUrl, for GeoServices implementations
   * that do not use '/tokens/' (e.g. '/rest/generateToken'). rest/info then advertises
   * serverUrl + tokenServicesPath and /tokens/generateToken answers 404. A path ending in '/' names
   * a service root (generateToken is appended), otherwise the path is the operation itself.
   */
  tokenServicesPath?: string;
  /** Port to listen on; default 0 (a random free port). */
  port?: number;
  /** Clock in ms since 1970; default Date.now. */
  now?: () => number;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string, as sent (not percent-decoded). */
  path: string;
  query: Record<string, string>;
  /** Parsed body when it is application/x-www-form-urlencoded, otherwise empty. */
  form: Record<string, string>;
  rawBody: string;
  headers: Record<string, string | undefined>;
}

export interface ArcGisSimulator {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** url + '/' + portalAdaptor */
  readonly portalUrl: string;
  /** url + '/' + serverAdaptor */
  readonly serverUrl: string;
  /** portalUrl + '/sharing/rest/generateToken' */
  readonly portalTokenUrl: string;
  /** serverUrl + '/tokens/generateToken', or the tokenServicesPath endpoint when that option is set */
  readonly serverTokenUrl: string;
  /** serverUrl + '/admin/generateToken' (Server Administrator API tokens) */
  readonly adminTokenUrl: string;
  /** portalUrl + '/sharing/rest/oauth2/token' */
  readonly oauthTokenUrl: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** url + '/' + adaptor (whether or not such a federated server is configured). */
  federatedServerUrl(adaptor: string): string;
  /**
   * Number of requests received on any generateToken endpoint (portal, standalone server, admin
   * API), whatever the outcome (faults included): password logins, token exchanges and requests
   * carrying neither. oauth2/token requests are not included (see oauthCount).
   */
  loginCount(): number;
  /** generateToken requests (any dispenser) that carry a username or a password, whatever the outcome. */
  passwordLoginCount(): number;
  /** Password logins the simulator refused (wrong password, unknown or locked account): what a lockout policy counts. */
  failedLoginCount(): number;
  /** Portal generateToken requests that carry a token and no username/password (exchanges), whatever the outcome. */
  exchangeCount(): number;
  /** Requests received on the portal's oauth2/token endpoint, whatever the outcome. */
  oauthCount(): number;
  /**
   * The next `times` (default 1) token requests (any generateToken endpoint or oauth2/token) get
   * this fault instead of normal handling (FIFO).
   */
  failNext(fault: SimulatorFault, times?: number): void;
  /**
   * The next `times` (default 1) requests of any kind (rest/info, services, token endpoints) get this
   * fault before anything else looks at them (FIFO, ahead of failNext's queue).
   */
  failNextRequest(fault: SimulatorFault, times?: number): void;
  /**
   * The next `times` (default 1) token requests that carry credentials (a password, a client secret,
   * or a token to exchange) get this fault; probes without credentials pass. Taken before failNext's queue.
   */
  failNextLogin(fault: SimulatorFault, times?: number): void;
  /** Drops every queued fault (failNext, failNextRequest, failNextLogin). */
  clearFaults(): void;
  /**
   * Delay every token request's answer (generateToken and oauth2/token) by ms (default 0); with
   * scope 'all', every request's (rest/info, service checks and portals/self too).
   */
  setLatency(ms: number, scope?: 'token' | 'all'): void;
  /**
   * From now on, the info resource of the site behind this web adaptor (the standalone server's or a
   * federated server's rest/info, the portal's sharing/rest/info) advertises these values instead of
   * its own; undefined restores the real answer.
   */
  advertise(adaptor: string, advertised: SimulatorAdvertised | undefined): void;
  isLocked(username: string): boolean;
  issuedTokens(): number;
  /**
   * Invalidates every token issued so far, as a new token key on the server, a site restored or an
   * administrator's action does: they answer 498 from now on, though not expired.
   */
  revokeAll(): void;
  /** Closes the server and every open socket, hanging ones included. */
  close(): Promise<void>;
}

export const DEFAULT_SIMULATOR_USER: SimulatorUser = Object.freeze({
  username: 'demo',
  password: 'demo-not-a-real-password',
});

/** Who issued a token; a token is only valid where its dispenser's tokens are. */
type Dispenser = 'portal' | 'server' | 'admin' | 'federated';
/** Which product answers: decides the JSON content type. */
type Product = 'portal' | 'server';
/** 'app': an OAuth app token, bound to nothing. */
type ClientMode = 'referer' | 'ip' | 'requestip' | 'app';
type TokenEndpoint = 'portal' | 'server' | 'admin' | 'oauth';

interface IssuedToken {
  /** undefined for OAuth app tokens */
  username: string | undefined;
  dispenser: Dispenser;
  /** For dispenser 'federated': the server the token is for. */
  federatedAdaptor: string | undefined;
  client: ClientMode;
  referer: string | undefined;
  ip: string | undefined;
  expires: number;
}

type TokenCheck = { ok: true; issued: IssuedToken } | { ok: false; code: 498 | 499 };

// Verbatim answers of real servers. Built as objects (key order as written) so f=pjson can
// pretty-print them; JSON.stringify of these reproduces the real bytes exactly.
const SERVER_INVALID_CREDENTIALS = {
  error: { code: 401, message: 'You are not authorized to access this information', details: 'Invalid credentials' },
};
const PORTAL_INVALID_CREDENTIALS = {
  error: { code: 400, message: 'Unable to generate token.', details: ['Invalid username or password.'] },
};
const CLIENT_ID_UNDETERMINED = {
  error: { code: 201, message: 'Exception in generating token', details: 'Client id cannot be determined' },
};
const TOKEN_REQUIRED = { error: { code: 499, message: 'Token Required', details: [] } };
const INVALID_TOKEN = { error: { code: 498, message: 'Invalid Token', details: [] } };
// The other real wording of 498 (portal, and servers that send 498 as the HTTP status).
const INVALID_TOKEN_LOWER = { error: { code: 498, message: 'Invalid token.', details: [] } };
// Server Administrator API shape, verbatim.
const ADMIN_TOKEN_EXPIRED = { status: 'error', messages: ['Token Expired.'], code: 498 };
const ADMIN_TOKEN_NOT_FOUND = {
  status: 'error',
  messages: ["Unauthorized access. Token not found. You can generate a token using the 'generateToken' operation."],
  code: 499,
};
// Simulator-chosen: admin-API wording of a failed admin/generateToken (the shape is the real admin
// shape; the exact messages of real servers are not recorded in docs/arcgis-tokens.md).
const ADMIN_INVALID_CREDENTIALS = { status: 'error', messages: ['Invalid credentials'], code: 401 };
const ADMIN_CLIENT_ID_UNDETERMINED = { status: 'error', messages: ['Client id cannot be determined'], code: 201 };
// Simulator-chosen: a token exchange for a server the portal does not know or has not registered
// (real portals refuse it; their exact wording is not recorded).
const EXCHANGE_REFUSED = {
  error: { code: 400, message: 'Unable to generate token.', details: ['Unable to generate token for this server'] },
};
// Simulator-chosen: OAuth errors (the shape follows ArcGIS' OAuth answers: HTTP 200, an "error"
// object carrying both the OAuth fields and the usual code/message/details).
const OAUTH_INVALID_CLIENT = {
  error: { code: 400, error: 'invalid_client', error_description: 'Invalid client_id', message: 'Invalid client_id', details: [] },
};
const OAUTH_UNSUPPORTED_GRANT = {
  error: {
    code: 400,
    error: 'unsupported_grant_type',
    error_description: 'Unsupported grant type',
    message: 'Unsupported grant type',
    details: [],
  },
};
const DEMO_LAYER = { id: 0, name: 'Demo', type: 'Feature Layer' };
const ADMIN_ROOT = { resources: ['machines', 'clusters', 'services'] };

const DEFAULT_EXPIRATION_MINUTES = 60;
const DEFAULT_MAX_EXPIRATION_MINUTES = 21600;
const OAUTH_DEFAULT_EXPIRATION_MINUTES = 120;
const OAUTH_MAX_EXPIRATION_MINUTES = 20160; // 14 days
const SAML_LOGIN_URL = 'https://idp.example.com/adfs/ls/?SAMLRequest=fake';

// ArcGIS Server answers f=json with `text/plain` (a long-standing quirk kept for old browsers that
// would otherwise offer JSON as a download); the portal's sharing API uses application/json.
// Mirroring both keeps clients honest: they must not insist on a JSON content type.
const SERVER_JSON_TYPE = 'text/plain;charset=utf-8';
const PORTAL_JSON_TYPE = 'application/json;charset=utf-8';
const HTML_TYPE = 'text/html;charset=utf-8';

const GENERATE_TOKEN_PAGE = page(
  'Generate Token',
  '<h2>Generate Token</h2><form method="post"><input name="username"><input name="password" type="password">' +
    '<select name="client"><option>referer</option><option>ip</option><option>requestip</option></select>' +
    '<input name="expiration"><select name="f"><option>html</option><option>json</option><option>pjson</option></select>' +
    '<input type="submit" value="Generate Token"></form>',
);
const NOT_FOUND_PAGE = page('Error 404', '<h1>HTTP Status 404 – Not Found</h1><p>The requested resource is not available.</p>');
const METHOD_NOT_ALLOWED_PAGE = page(
  'Error 405',
  '<h1>HTTP Status 405 – Method Not Allowed</h1><p>generateToken only accepts POST.</p>',
);
const LOGIN_PAGE = page('Sign In', '<h1>Sign in to ArcGIS</h1><form method="post" action="/login"><input name="user"></form>');
const PORTAL_HOME_PAGE = page('ArcGIS Enterprise', '<h1>ArcGIS Enterprise</h1><p>Simulated portal home.</p>');
const ADMIN_LOGIN_PAGE = page(
  'ArcGIS Server Administrator Directory',
  '<h2>ArcGIS Server Administrator Directory</h2><form method="post" action="generateToken"><input name="username">' +
    '<input name="password" type="password"></form>',
);
const IWA_PAGE = page(
  '401 - Unauthorized: Access is denied due to invalid credentials.',
  '<h2>401 - Unauthorized: Access is denied due to invalid credentials.</h2>' +
    '<h3>You do not have permission to view this directory or page using the credentials that you supplied.</h3>',
);
const SAML_REDIRECT_PAGE = page('Object moved', `<h2>Object moved to <a href="${SAML_LOGIN_URL}">here</a>.</h2>`);

function page(title: string, body: string): string {
  return `<html><head><title>${title}</title></head><body>${body}</body></html>`;
}

export async function startArcGisSimulator(options: ArcGisSimulatorOptions = {}): Promise<ArcGisSimulator> {
  const users = (options.users ?? [DEFAULT_SIMULATOR_USER]).map((user) => ({ ...user }));
  const apps = (options.apps ?? []).map((app) => ({ ...app }));
  const federated = (options.federatedServers ?? []).map((fed) => ({ ...fed }));
  const externalFederated = (options.externalFederatedServers ?? []).map((root) => new URL(root).href.replace(/\/+$/, ''));
  const portalAdaptor = options.portalAdaptor ?? 'portal';
  const serverAdaptor = options.serverAdaptor ?? 'arcgis';
  const maxExpirationMinutes = options.maxExpirationMinutes ?? DEFAULT_MAX_EXPIRATION_MINUTES;
  const lockAfterFailures = options.lockAfterFailures ?? 0;
  const ssl = options.ssl ?? false;
  const expiresAsString = options.expiresAsString ?? false;
  const httpStatusErrors = options.httpStatusErrors ?? false;
  const webTierLogin = options.webTierLogin;
  const tokenServicesPath = options.tokenServicesPath;
  const now = options.now ?? Date.now;
  if (!(maxExpirationMinutes > 0)) throw new RangeError('maxExpirationMinutes must be positive');
  if (!Number.isInteger(lockAfterFailures) || lockAfterFailures < 0) {
    throw new RangeError('lockAfterFailures must be a non-negative integer');
  }
  const adaptorsInUse = new Set([portalAdaptor, serverAdaptor]);
  for (const { adaptor } of federated) {
    if (!/^[^/?#\s]+$/.test(adaptor)) throw new RangeError(`federated server adaptor must be one path segment: ${adaptor}`);
    if (adaptorsInUse.has(adaptor)) throw new RangeError(`federated server adaptor already in use: ${adaptor}`);
    adaptorsInUse.add(adaptor);
  }
  if (tokenServicesPath !== undefined && !/^\/[^?#\s]*$/.test(tokenServicesPath)) {
    throw new RangeError('tokenServicesPath must be a path starting with /');
  }

  const portalPath = `/${portalAdaptor}`;
  const serverPath = `/${serverAdaptor}`;
  const portalTokenPaths = new Set([`${portalPath}/sharing/rest/generateToken`, `${portalPath}/sharing/generateToken`]);
  const oauthTokenPaths = new Set([`${portalPath}/sharing/rest/oauth2/token`, `${portalPath}/sharing/oauth2/token`]);
  // The token service as rest/info names it, and the path where generateToken answers.
  const tokenServiceSuffix = tokenServicesPath ?? '/tokens/';
  const serverTokenSuffix = tokenServiceSuffix.endsWith('/') ? `${tokenServiceSuffix}generateToken` : tokenServiceSuffix;
  const serverTokenPath = `${serverPath}${serverTokenSuffix}`;
  const adminTokenPath = `${serverPath}/admin/generateToken`;
  const adminRootPaths = new Set([`${serverPath}/admin`, `${serverPath}/admin/`]);
  const serverInfoPath = `${serverPath}/rest/info`;
  const portalInfoPath = `${portalPath}/sharing/rest/info`;
  const portalSelfPath = `${portalPath}/sharing/rest/portals/self`;
  const portalHomePath = `${portalPath}/home/`;
  const securedLayerPath = `${serverPath}/rest/services/Demo/FeatureServer/0`;

  const requests: RecordedRequest[] = [];
  const faults: SimulatorFault[] = [];
  const requestFaults: SimulatorFault[] = [];
  const loginFaults: SimulatorFault[] = [];
  const tokens = new Map<string, IssuedToken>();
  const revoked = new Set<string>();
  const consecutiveFailures = new Map<string, number>();
  const locked = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let logins = 0;
  let passwordLogins = 0;
  let exchanges = 0;
  let oauthRequests = 0;
  let latencyMs = 0;
  let latencyScope: 'token' | 'all' = 'token';
  let failedLogins = 0;
  let closed = false;
  const advertisedBy = new Map<string, SimulatorAdvertised>();

  /** An info answer with what advertise() set for this adaptor (key order of the real answer kept). */
  function advertisedInfo(adaptor: string, info: Record<string, unknown>): Record<string, unknown> {
    const advertised = advertisedBy.get(adaptor);
    if (advertised === undefined) return info;
    const authInfo = { ...(info.authInfo as Record<string, unknown>) };
    if (advertised.tokenServicesUrl !== undefined) authInfo.tokenServicesUrl = advertised.tokenServicesUrl;
    const { authInfo: _auth, owningSystemUrl: _owning, ...rest } = info;
    const owning = advertised.owningSystemUrl === undefined ? info.owningSystemUrl : advertised.owningSystemUrl;
    return { ...rest, ...(owning === null || owning === undefined ? {} : { owningSystemUrl: owning }), authInfo };
  }

  // URLs are filled in once the server listens; handlers only run after that.
  let url = '';
  let portalUrl = '';
  let serverUrl = '';

  /** A timer that close() cancels, so no answer is written after the simulator closed. */
  function sleep(ms: number): Promise<void> {
    if (closed) return new Promise<void>(() => {}); // never answer once closed
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });
  }

  function tokenEndpointAt(path: string): TokenEndpoint | undefined {
    if (portalTokenPaths.has(path)) return 'portal';
    if (path === serverTokenPath) return 'server';
    if (path === adminTokenPath) return 'admin';
    if (oauthTokenPaths.has(path)) return 'oauth';
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const recorded = await record(req);
    if (recorded === undefined) return; // the client went away while sending its body
    requests.push(recorded);
    const { path } = recorded;
    // Form fields win over query-string parameters, as on real servers.
    const params: Record<string, string> = { ...recorded.query, ...recorded.form };

    const endpoint = tokenEndpointAt(path);
    if (endpoint === undefined && latencyScope === 'all') await sleep(latencyMs);
    if (endpoint !== undefined) {
      if (endpoint === 'oauth') oauthRequests += 1;
      else {
        logins += 1;
        if (carriesPassword(params)) passwordLogins += 1;
        else if (endpoint === 'portal' && isExchange(params)) exchanges += 1;
      }
    }
    // A fault for any request (rest/info included), as a rate-limiting proxy in front of the site gives.
    const anyFault = requestFaults.shift();
    if (anyFault !== undefined) {
      await applyFault(anyFault, req, res, recorded);
      if (anyFault.kind !== 'delay') return;
    }
    if (endpoint !== undefined) {
      await sleep(latencyMs);
      const withCredentials = carriesPassword(params) || params['client_secret'] !== undefined || isExchange(params);
      const fault = (withCredentials ? loginFaults.shift() : undefined) ?? faults.shift();
      if (fault !== undefined) {
        await applyFault(fault, req, res, recorded);
        if (fault.kind !== 'delay') return;
      }
    }
    // The web tier (IIS with IWA, or a SAML-protected adaptor) answers before the portal sees anything.
    if (webTierLogin !== undefined && (path === portalPath || path.startsWith(`${portalPath}/`))) {
      return webTierChallenge(res, webTierLogin);
    }
    if (endpoint === 'oauth') return oauthToken(req, res, params);
    if (endpoint !== undefined) return generateToken(req, res, endpoint, params);

    if (path === serverInfoPath) {
      if (!wantsJson(params)) return send(res, 200, HTML_TYPE, page('ArcGIS REST Services Directory', '<h2>Server Info</h2>'));
      return sendJson(res, 'server', params, advertisedInfo(serverAdaptor, {
        currentVersion: 11.3,
        fullVersion: '11.3.0',
        authInfo: { isTokenBasedSecurity: true, tokenServicesUrl: `${serverUrl}${tokenServiceSuffix}`, shortLivedTokenValidity: 60 },
      }));
    }
    if (path === `${serverPath}/rest/services` || path === `${serverPath}/rest/services/`) return servicesListing(req, res, params, 11.3, (issued) => issued.dispenser === 'server');
    if (path === securedLayerPath) {
      // This service lives on the standalone server: portal, admin and federated tokens are from the wrong dispenser.
      return securedLayer(req, res, params, (issued) => issued.dispenser === 'server');
    }
    if (adminRootPaths.has(path)) return adminRoot(req, res, params);
    if (path === portalInfoPath) {
      if (!wantsJson(params)) return send(res, 200, HTML_TYPE, page('ArcGIS Portal Directory', '<h2>Info</h2>'));
      return sendJson(res, 'portal', params, advertisedInfo(portalAdaptor, {
        owningSystemUrl: portalUrl,
        authInfo: { tokenServicesUrl: `${portalUrl}/sharing/rest/generateToken`, isTokenBasedSecurity: true },
      }));
    }
    if (path === portalSelfPath) return portalSelf(req, res, params);
    if (path === portalHomePath) return send(res, 200, HTML_TYPE, PORTAL_HOME_PAGE);
    if (path === `${portalPath}/home`) {
      res.setHeader('Location', `${portalUrl}/home/`);
      return send(res, 301, HTML_TYPE, '');
    }
    for (const fed of federated) {
      const fedPath = `/${fed.adaptor}`;
      if (path === `${fedPath}/rest/info`) {
        if (!wantsJson(params)) return send(res, 200, HTML_TYPE, page('ArcGIS REST Services Directory', '<h2>Server Info</h2>'));
        // Key order as in the real 10.6.1 answer: a federated server sends its callers to the portal.
        return sendJson(res, 'server', params, advertisedInfo(fed.adaptor, {
          currentVersion: 10.61,
          fullVersion: '10.6.1',
          owningSystemUrl: portalUrl,
          authInfo: { isTokenBasedSecurity: true, tokenServicesUrl: `${portalUrl}/sharing/rest/generateToken` },
        }));
      }
      if (path === `${fedPath}/rest/services` || path === `${fedPath}/rest/services/`) return servicesListing(req, res, params, 10.61, (issued) => issued.dispenser === 'federated' && issued.federatedAdaptor === fed.adaptor);
      if (path === `${fedPath}/rest/services/Demo/FeatureServer/0`) {
        // Only server tokens the portal issued for this very server (by exchange, or by a portal
        // login naming it in serverUrl); a portal token used directly is from the wrong dispenser.
        return securedLayer(req, res, params, (issued) => issued.dispenser === 'federated' && issued.federatedAdaptor === fed.adaptor);
      }
      // Anything else on a federated server, its tokens/generateToken included (token generation
      // is the portal's job), falls through to the 404 page.
    }
    send(res, 404, HTML_TYPE, NOT_FOUND_PAGE);
  }

  function generateToken(
    req: IncomingMessage,
    res: ServerResponse,
    endpoint: Exclude<TokenEndpoint, 'oauth'>,
    params: Record<string, string>,
  ): void {
    if (req.method !== 'POST') {
      // Real servers refuse GET so that credentials never end up in URLs and access logs.
      res.setHeader('Allow', 'POST');
      return send(res, 405, HTML_TYPE, METHOD_NOT_ALLOWED_PAGE);
    }
    // The default output format is html: without f=json a real server answers its HTML form page
    // (with HTTP 200), which naive clients then fail to parse as JSON.
    if (!wantsJson(params)) return send(res, 200, HTML_TYPE, GENERATE_TOKEN_PAGE);
    const product: Product = endpoint === 'portal' ? 'portal' : 'server';

    if (endpoint === 'portal' && isExchange(params)) return exchangeToken(req, res, params);

    // Credentials first, then the client mode (a wrong password with a bad client mode is a 401/400).
    const username = params['username'] ?? '';
    if (!checkCredentials(username, params['password'] ?? '')) {
      // Wrong credentials are HTTP 200 with an error body; the products word it differently.
      const answer =
        endpoint === 'portal' ? PORTAL_INVALID_CREDENTIALS : endpoint === 'admin' ? ADMIN_INVALID_CREDENTIALS : SERVER_INVALID_CREDENTIALS;
      return sendJson(res, product, params, answer);
    }

    const client = clientMode(params);
    if (client === undefined) {
      return sendJson(res, product, params, endpoint === 'admin' ? ADMIN_CLIENT_ID_UNDETERMINED : CLIENT_ID_UNDETERMINED);
    }

    // A portal login may name a federated server in serverUrl: the answer is then a token for that
    // server (only if it is registered with the portal), as the portal's generateToken documents.
    let dispenser: Dispenser = endpoint;
    let federatedAdaptor: string | undefined;
    const serverUrlParam = endpoint === 'portal' ? serverUrlParameter(params) : undefined;
    if (serverUrlParam !== undefined) {
      const fed = federatedServerFor(serverUrlParam);
      if (fed === undefined || !fed.registered) return sendJson(res, product, params, EXCHANGE_REFUSED);
      dispenser = 'federated';
      federatedAdaptor = fed.adaptor;
    }

    // A lifetime beyond the site maximum is silently capped: clients must trust the returned expires.
    const minutes = Math.min(requestedMinutes(params['expiration'], DEFAULT_EXPIRATION_MINUTES), maxExpirationMinutes);
    const expires = now() + Math.floor(minutes * 60_000);
    const token = issue({
      username,
      dispenser,
      federatedAdaptor,
      client,
      referer: client === 'referer' ? params['referer'] : undefined,
      ip: client === 'ip' ? params['ip'] : client === 'requestip' ? req.socket.remoteAddress : undefined,
      expires,
    });
    sendJson(res, product, params, { token, expires: expiresAsString ? String(expires) : expires, ssl });
  }

  /**
   * token=PORTAL_TOKEN&serverUrl=SERVER_URL: a server token for a federated server registered with
   * the portal, bound like the portal token (referer, ip) and expiring exactly when it does.
   */
  function exchangeToken(req: IncomingMessage, res: ServerResponse, params: Record<string, string>): void {
    // Using the portal token here is a use like any other: it must be valid, from the portal, and
    // sent with its Referer if it is referer-bound.
    const check = checkToken(req, params['token'], (issued) => issued.dispenser === 'portal');
    if (!check.ok) return sendJson(res, 'portal', params, INVALID_TOKEN_LOWER);
    const serverUrlParam = serverUrlParameter(params);
    const fed = serverUrlParam === undefined ? undefined : federatedServerFor(serverUrlParam);
    if (fed === undefined || !fed.registered) return sendJson(res, 'portal', params, EXCHANGE_REFUSED);
    const portalToken = check.issued;
    const token = issue({ ...portalToken, dispenser: 'federated', federatedAdaptor: fed.adaptor });
    const { expires } = portalToken;
    sendJson(res, 'portal', params, { token, expires: expiresAsString ? String(expires) : expires, ssl });
  }

  /** OAuth 2.0 client_credentials: an app token, which is a portal token bound to nothing. */
  function oauthToken(req: IncomingMessage, res: ServerResponse, params: Record<string, string>): void {
    if (req.method !== 'POST') {
      // Simulator-chosen strictness: a client secret must never travel in a URL.
      res.setHeader('Allow', 'POST');
      return send(res, 405, HTML_TYPE, METHOD_NOT_ALLOWED_PAGE);
    }
    // The OAuth endpoint answers JSON whatever f says (f=pjson still pretty-prints).
    const app = apps.find((candidate) => candidate.clientId === params['client_id']);
    if (app === undefined || app.clientSecret !== params['client_secret']) return sendJson(res, 'portal', params, OAUTH_INVALID_CLIENT);
    if (params['grant_type'] !== 'client_credentials') return sendJson(res, 'portal', params, OAUTH_UNSUPPORTED_GRANT);
    // expiration in minutes, silently capped at 14 days; expires_in is in SECONDS.
    const minutes = Math.min(requestedMinutes(params['expiration'], OAUTH_DEFAULT_EXPIRATION_MINUTES), OAUTH_MAX_EXPIRATION_MINUTES);
    const expiresIn = Math.floor(minutes * 60);
    const token = issue({
      username: undefined,
      dispenser: 'portal',
      federatedAdaptor: undefined,
      client: 'app',
      referer: undefined,
      ip: undefined,
      expires: now() + expiresIn * 1000,
    });
    sendJson(res, 'portal', params, { access_token: token, expires_in: expiresIn });
  }

  function issue(issued: IssuedToken): string {
    const token = randomBytes(32).toString('base64url');
    tokens.set(token, issued);
    return token;
  }

  function checkCredentials(username: string, password: string): boolean {
    const user = users.find((candidate) => candidate.username === username); // case-sensitive, like ArcGIS
    // A locked account gets the same answer as a wrong password: real servers don't reveal the lock.
    if (user !== undefined && user.password === password && !locked.has(username)) {
      consecutiveFailures.delete(username);
      return true;
    }
    failedLogins += 1;
    const failures = (consecutiveFailures.get(username) ?? 0) + 1;
    consecutiveFailures.set(username, failures);
    if (lockAfterFailures > 0 && failures >= lockAfterFailures) locked.add(username);
    return false;
  }

  /** The federated server a serverUrl points into (its root or any URL under it), if configured. */
  function federatedServerFor(value: string): SimulatorFederatedServer | undefined {
    let parsed: URL;
    try {
      parsed = new URL(value.trim());
    } catch {
      return undefined;
    }
    const root = parsed.href.replace(/[?#].*$/, '').replace(/\/+$/, '');
    const external = externalFederated.find((known) => root === known || root.startsWith(`${known}/`));
    if (external !== undefined) return { adaptor: external, registered: true };
    // URL lower-cases the scheme and host and drops a default port, so the origin compares as-is.
    if (parsed.origin !== new URL(url).origin) return undefined;
    const path = parsed.pathname.replace(/\/+$/, '');
    return federated.find((fed) => path === `/${fed.adaptor}` || path.startsWith(`/${fed.adaptor}/`));
  }

  function checkToken(req: IncomingMessage, token: string | undefined, accepts: (issued: IssuedToken) => boolean): TokenCheck {
    if (!token) return { ok: false, code: 499 };
    const issued = revoked.has(token) ? undefined : tokens.get(token);
    if (
      issued === undefined ||
      issued.expires <= now() ||
      !accepts(issued) ||
      // A referer-bound token needs exactly that Referer header (a missing header fails too).
      (issued.client === 'referer' && req.headers.referer !== issued.referer)
    ) {
      return { ok: false, code: 498 };
    }
    // IP binding (client=ip/requestip) is not enforced: over loopback every caller is 127.0.0.1,
    // so the simulator cannot tell callers apart.
    return { ok: true, issued };
  }

  function presentedToken(req: IncomingMessage, params: Record<string, string>): string | undefined {
    return params['token'] || bearerToken(req.headers['x-esri-authorization']);
  }

  function securedLayer(
    req: IncomingMessage,
    res: ServerResponse,
    params: Record<string, string>,
    accepts: (issued: IssuedToken) => boolean,
  ): void {
    if (!wantsJson(params)) return send(res, 200, HTML_TYPE, page('Layer: Demo (ID: 0)', '<h2>Layer: Demo (ID: 0)</h2>'));
    const check = checkToken(req, presentedToken(req, params), accepts);
    if (!check.ok) return tokenError(res, 'server', params, check.code);
    sendJson(res, 'server', params, DEMO_LAYER);
  }

  /** 498/499: HTTP 200 with the error body, or (httpStatusErrors) the real HTTP status. */
  function tokenError(res: ServerResponse, product: Product, params: Record<string, string>, code: 498 | 499): void {
    if (code === 499) return sendJson(res, product, params, TOKEN_REQUIRED, httpStatusErrors ? 499 : 200);
    if (httpStatusErrors) return sendJson(res, product, params, INVALID_TOKEN_LOWER, 498);
    sendJson(res, product, params, product === 'portal' ? INVALID_TOKEN_LOWER : INVALID_TOKEN);
  }

  /** A secured portal resource (the simulated portal allows no anonymous access): any valid portal token, app tokens included. */
  function portalSelf(req: IncomingMessage, res: ServerResponse, params: Record<string, string>): void {
    if (!wantsJson(params)) return send(res, 200, HTML_TYPE, page('Portal Self', '<h2>Portal Self</h2>'));
    const check = checkToken(req, presentedToken(req, params), (issued) => issued.dispenser === 'portal');
    if (!check.ok) return tokenError(res, 'portal', params, check.code);
    const { username } = check.issued;
    sendJson(res, 'portal', params, {
      id: 'SimPortal0000001',
      name: 'Simulated Portal',
      isPortal: true,
      ...(username === undefined ? {} : { user: { username } }),
    });
  }

  /** Server Administrator API root: admin tokens only, errors in the admin shape (always HTTP 200). */
  function adminRoot(req: IncomingMessage, res: ServerResponse, params: Record<string, string>): void {
    if (!wantsJson(params)) return send(res, 200, HTML_TYPE, ADMIN_LOGIN_PAGE);
    const check = checkToken(req, presentedToken(req, params), (issued) => issued.dispenser === 'admin');
    // Every unusable token (expired, unknown, another dispenser's, wrong referer) gets "Token Expired.".
    if (!check.ok) return sendJson(res, 'server', params, check.code === 499 ? ADMIN_TOKEN_NOT_FOUND : ADMIN_TOKEN_EXPIRED);
    sendJson(res, 'server', params, ADMIN_ROOT);
  }

  /** The services directory is public, but ArcGIS Server checks any token it is given: a dead one gets 498. */
  function servicesListing(req: IncomingMessage, res: ServerResponse, params: Record<string, string>, currentVersion: number, accepts: (issued: IssuedToken) => boolean): void {
    if (!wantsJson(params)) return send(res, 200, HTML_TYPE, page('Folder: /', '<h2>Folder: /</h2><ul><li>Demo (FeatureServer)</li></ul>'));
    const presented = presentedToken(req, params);
    if (presented !== undefined) {
      const check = checkToken(req, presented, accepts);
      if (!check.ok) return tokenError(res, 'server', params, check.code);
    }
    sendJson(res, 'server', params, { currentVersion, folders: [], services: [{ name: 'Demo', type: 'FeatureServer' }] });
  }

  function webTierChallenge(res: ServerResponse, kind: 'saml' | 'iwa'): void {
    if (kind === 'saml') {
      res.setHeader('Location', SAML_LOGIN_URL);
      return send(res, 302, HTML_TYPE, SAML_REDIRECT_PAGE);
    }
    res.setHeader('WWW-Authenticate', 'Negotiate');
    send(res, 401, HTML_TYPE, IWA_PAGE);
  }

  async function applyFault(fault: SimulatorFault, req: IncomingMessage, res: ServerResponse, recorded: RecordedRequest): Promise<void> {
    switch (fault.kind) {
      case 'html':
        return send(res, fault.status ?? 200, HTML_TYPE, LOGIN_PAGE);
      case 'status':
        for (const [name, value] of Object.entries(fault.headers ?? {})) res.setHeader(name, value);
        return send(res, fault.status, fault.contentType ?? 'text/plain;charset=utf-8', fault.body ?? '');
      case 'json':
        return send(res, fault.status ?? 200, PORTAL_JSON_TYPE, JSON.stringify(fault.body));
      case 'garbage':
        return send(res, 200, 'text/plain;charset=utf-8', Buffer.from([0x00, 0xff, 0xfe, 0x7b, 0x3c, 0x21, 0x2d, 0x2d, 0x0a, 0x01]));
      case 'huge':
        return streamBytes(res, fault.bytes);
      case 'redirect':
        res.setHeader('Location', fault.location);
        return send(res, fault.status ?? 302, HTML_TYPE, '');
      case 'hang':
        return; // keep the socket open without answering; close() destroys it
      case 'reset':
        req.socket.destroy();
        return;
      case 'delay':
        return sleep(fault.ms); // the caller then answers normally
      case 'echo': {
        // Simulator-chosen: the ArcGIS error shape, carrying what a careless proxy or debug page repeats.
        const fields = Object.entries(recorded.form).map(([name, value]) => `${name}: ${value}`);
        const body = { error: { code: 400, message: `Unable to generate token for request ${recorded.rawBody}`, details: fields } };
        return send(res, fault.status ?? 200, PORTAL_JSON_TYPE, JSON.stringify(body));
      }
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // No logging (requests carry passwords): answer 500 if still possible, else drop the socket.
      if (!res.headersSent && !res.destroyed) send(res, 500, HTML_TYPE, page('Error 500', '<h1>HTTP Status 500</h1>'));
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  url = `http://127.0.0.1:${port}`;
  portalUrl = `${url}${portalPath}`;
  serverUrl = `${url}${serverPath}`;

  return {
    url,
    portalUrl,
    serverUrl,
    portalTokenUrl: `${portalUrl}/sharing/rest/generateToken`,
    serverTokenUrl: `${serverUrl}${serverTokenSuffix}`,
    adminTokenUrl: `${serverUrl}/admin/generateToken`,
    oauthTokenUrl: `${portalUrl}/sharing/rest/oauth2/token`,
    requests,
    federatedServerUrl: (adaptor: string) => `${url}/${adaptor}`,
    loginCount: () => logins,
    passwordLoginCount: () => passwordLogins,
    failedLoginCount: () => failedLogins,
    exchangeCount: () => exchanges,
    oauthCount: () => oauthRequests,
    failNext(fault: SimulatorFault, times = 1): void {
      for (let i = 0; i < times; i += 1) faults.push(fault);
    },
    failNextRequest(fault: SimulatorFault, times = 1): void {
      for (let i = 0; i < times; i += 1) requestFaults.push(fault);
    },
    failNextLogin(fault: SimulatorFault, times = 1): void {
      for (let i = 0; i < times; i += 1) loginFaults.push(fault);
    },
    clearFaults(): void {
      faults.length = 0;
      requestFaults.length = 0;
      loginFaults.length = 0;
    },
    setLatency(ms: number, scope: 'token' | 'all' = 'token'): void {
      latencyMs = Math.max(0, ms);
      latencyScope = scope;
    },
    advertise(adaptor: string, advertised: SimulatorAdvertised | undefined): void {
      if (!adaptorsInUse.has(adaptor)) throw new RangeError(`no site behind the web adaptor ${adaptor}`);
      if (advertised === undefined) advertisedBy.delete(adaptor);
      else advertisedBy.set(adaptor, { ...advertised });
    },
    isLocked: (username: string) => locked.has(username),
    issuedTokens: () => tokens.size,
    revokeAll(): void {
      for (const token of tokens.keys()) revoked.add(token);
    },
    close(): Promise<void> {
      if (closed) return Promise.resolve();
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hanging, delayed and idle keep-alive sockets would otherwise hold close() open.
        server.closeAllConnections();
      });
    },
  };
}

/** Reads the body and records the request; undefined when the client disconnected mid-body. */
async function record(req: IncomingMessage): Promise<RecordedRequest | undefined> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of req) chunks.push(chunk as Buffer);
  } catch {
    return undefined;
  }
  const rawBody = Buffer.concat(chunks).toString('utf8');
  const target = req.url ?? '/';
  const queryStart = target.indexOf('?');
  const path = queryStart === -1 ? target : target.slice(0, queryStart);
  const query = queryStart === -1 ? {} : toRecord(new URLSearchParams(target.slice(queryStart + 1)));
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  // URLSearchParams decodes &, %, +, =, # and UTF-8 exactly as browsers and URLSearchParams encode them.
  const form = contentType.startsWith('application/x-www-form-urlencoded') ? toRecord(new URLSearchParams(rawBody)) : {};
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return { method: req.method ?? 'GET', path, query, form, rawBody, headers };
}

/** First value wins for repeated names. */
function toRecord(params: URLSearchParams): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of params) if (!Object.hasOwn(result, name)) result[name] = value;
  return result;
}

function wantsJson(params: Record<string, string>): boolean {
  return params['f'] === 'json' || params['f'] === 'pjson';
}

function carriesPassword(params: Record<string, string>): boolean {
  return params['username'] !== undefined || params['password'] !== undefined;
}

/** A portal generateToken request is an exchange when it carries a token and no username/password. */
function isExchange(params: Record<string, string>): boolean {
  return !carriesPassword(params) && Boolean(params['token']);
}

/** serverUrl, spelled serverUrl or serverURL (any case) by clients. */
function serverUrlParameter(params: Record<string, string>): string | undefined {
  const name = Object.keys(params).find((key) => key.toLowerCase() === 'serverurl');
  return name === undefined ? undefined : params[name];
}

/** Missing client means requestip; referer and ip need their companion parameter. */
function clientMode(params: Record<string, string>): ClientMode | undefined {
  const client = params['client'] || 'requestip';
  if (client === 'requestip') return 'requestip';
  if (client === 'referer') return params['referer'] ? 'referer' : undefined;
  if (client === 'ip') return params['ip'] ? 'ip' : undefined;
  return undefined;
}

/** Requested lifetime in minutes; absent, non-numeric or non-positive means the given default. */
function requestedMinutes(value: string | undefined, fallback: number): number {
  const minutes = value === undefined || value.trim() === '' ? Number.NaN : Number(value);
  return Number.isFinite(minutes) && minutes > 0 ? minutes : fallback;
}

function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** JSON in the content type of the product that answers; f=pjson is the same JSON pretty-printed. */
function sendJson(res: ServerResponse, product: Product, params: Record<string, string>, body: unknown, status = 200): void {
  const text = params['f'] === 'pjson' ? JSON.stringify(body, null, 2) : JSON.stringify(body);
  send(res, status, product === 'portal' ? PORTAL_JSON_TYPE : SERVER_JSON_TYPE, text);
}

function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Streams `total` bytes without a content-length, so the client has to count what it reads. */
async function streamBytes(res: ServerResponse, total: number): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'text/plain;charset=utf-8' });
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let left = Math.max(0, Math.floor(total));
  while (left > 0 && !res.destroyed) {
    const size = Math.min(left, chunk.length);
    left -= size;
    if (!res.write(size === chunk.length ? chunk : chunk.subarray(0, size))) {
      // Wait for the client to read, or for it to hang up (a capped reader cancels early).
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  if (!res.destroyed) res.end();
}

// What a simulated site is made of, as a test asks for it: its accounts and apps, web adaptor
// names, federated servers, token lifetimes and the quirks of particular servers; and the checks
// that refuse a site no real deployment could have, before anything listens.

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


export const DEFAULT_SIMULATOR_USER: SimulatorUser = Object.freeze({
  username: 'demo',
  password: 'demo-not-a-real-password',
});

const DEFAULT_MAX_EXPIRATION_MINUTES = 21600;

/** The options with their defaults filled in, copied so a test's later edits change nothing. */
export interface SiteOptions {
  users: SimulatorUser[];
  apps: SimulatorApp[];
  federated: SimulatorFederatedServer[];
  /** externalFederatedServers, normalised (no trailing slash). */
  externalFederated: string[];
  portalAdaptor: string;
  serverAdaptor: string;
  maxExpirationMinutes: number;
  lockAfterFailures: number;
  ssl: boolean;
  expiresAsString: boolean;
  httpStatusErrors: boolean;
  webTierLogin: 'saml' | 'iwa' | undefined;
  tokenServicesPath: string | undefined;
  port: number;
  now: () => number;
}

/** Fills in the defaults; throws a RangeError (TypeError for an unparsable URL) naming the first bad option. */
export function resolveOptions(options: ArcGisSimulatorOptions): SiteOptions {
  const resolved: SiteOptions = {
    users: (options.users ?? [DEFAULT_SIMULATOR_USER]).map((user) => ({ ...user })),
    apps: (options.apps ?? []).map((app) => ({ ...app })),
    federated: (options.federatedServers ?? []).map((fed) => ({ ...fed })),
    externalFederated: (options.externalFederatedServers ?? []).map((root) => new URL(root).href.replace(/\/+$/, '')),
    portalAdaptor: options.portalAdaptor ?? 'portal',
    serverAdaptor: options.serverAdaptor ?? 'arcgis',
    maxExpirationMinutes: options.maxExpirationMinutes ?? DEFAULT_MAX_EXPIRATION_MINUTES,
    lockAfterFailures: options.lockAfterFailures ?? 0,
    ssl: options.ssl ?? false,
    expiresAsString: options.expiresAsString ?? false,
    httpStatusErrors: options.httpStatusErrors ?? false,
    webTierLogin: options.webTierLogin,
    tokenServicesPath: options.tokenServicesPath,
    port: options.port ?? 0,
    now: options.now ?? Date.now,
  };
  const { maxExpirationMinutes, lockAfterFailures, tokenServicesPath } = resolved;
  if (!(maxExpirationMinutes > 0)) throw new RangeError('maxExpirationMinutes must be positive');
  if (!Number.isInteger(lockAfterFailures) || lockAfterFailures < 0) {
    throw new RangeError('lockAfterFailures must be a non-negative integer');
  }
  const adaptorsInUse = new Set([resolved.portalAdaptor, resolved.serverAdaptor]);
  for (const { adaptor } of resolved.federated) {
    if (!/^[^/?#\s]+$/.test(adaptor)) throw new RangeError(`federated server adaptor must be one path segment: ${adaptor}`);
    if (adaptorsInUse.has(adaptor)) throw new RangeError(`federated server adaptor already in use: ${adaptor}`);
    adaptorsInUse.add(adaptor);
  }
  if (tokenServicesPath !== undefined && !/^\/[^?#\s]*$/.test(tokenServicesPath)) {
    throw new RangeError('tokenServicesPath must be a path starting with /');
  }
  return resolved;
}

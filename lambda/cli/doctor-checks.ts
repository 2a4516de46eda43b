// The checks behind `doctor`: what the site is, which token endpoints answer, which client modes
// these credentials get tokens with, whether HTTPS and the ssl flag are in order, the longest
// lifetime the site grants, the federated exchange and the token on a service. Each check records
// the requests it made (through recording-fetch, so nothing secret) and its findings: a verdict,
// and for anything wrong the likely cause and the fix.
//
// It logs in at most once per client mode and stops at the first rejected password: repeated
// failed logins lock ArcGIS accounts, so a run costs at most ONE credential failure.
import type { ArcGisClientMode, SiteKind } from '../config/schema.js';
import {
  ArcGisBadResponseError,
  ArcGisRateLimitedError,
  ArcGisRefusedError,
  ArcGisUnreachableError,
  ForeignTokenOriginError,
  InvalidCredentialsError,
  TokenEndpointNotFoundError,
  describeError,
  quoteArcGisError,
} from '../errors.js';
import { discoverTokenSite, isArcGisOnlineHost, parseSiteUrl, portalRoot, type TokenSite } from '../arcgis/discovery.js';
import { exchangeForServerToken } from '../arcgis/exchange-token.js';
import { generateToken } from '../arcgis/generate-token.js';
import {
  APP_CREDENTIALS_NEED_PORTAL,
  CLIENT_UNDETERMINED,
  DEFAULT_REFERER_USED,
  DISCOVERED_ENDPOINT_SILENT,
  ENDPOINT_NOT_FOUND,
  EXCHANGE_TOKEN_REFUSED,
  FOREIGN_TOKEN_ORIGIN,
  HTTPS_REWRITE,
  INVALID_APP_CREDENTIALS,
  INVALID_CREDENTIALS,
  LIFETIME_CAPPED,
  LOGIN_REFUSED,
  MAY_NOT_GENERATE_TOKENS,
  NO_TOKEN_SECURITY,
  NOT_FEDERATED,
  PLAIN_HTTP_ALLOWED,
  PLAIN_HTTP_TOKEN_SERVICE,
  RATE_LIMITED,
  SERVICE_NOT_ARCGIS,
  SERVICE_NOT_SHARED,
  SITE_UNREACHABLE,
  SSL_FALSE,
  TOKEN_NOT_SEEN,
  WEB_TIER_LOGIN,
  WRONG_DISPENSER,
} from '../arcgis/hints.js';
import { postForm, type FetchLike } from '../arcgis/http.js';
import { appToken, MAX_APP_TOKEN_MINUTES } from '../arcgis/oauth-token.js';
import type { IssuedToken } from '../arcgis/token-response.js';
import { checkTokenOnService } from '../arcgis/validate-token.js';
import { parseJsonOrUndefined } from '../parse-json-or-undefined.js';
import { recordingFetch, type RecordedExchange } from './recording-fetch.js';

/** What doctor asks generateToken for: ArcGIS's documented maximum (15 days); the answer shows the site's cap. */
export const PROBE_EXPIRATION_MINUTES = 21_600;

export type DoctorCredentials =
  | { kind: 'user'; username: string; password: string }
  | { kind: 'app'; clientId: string; clientSecret: string };

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

export interface DoctorListener {
  checkStarted(step: number, title: string): void;
  request(exchange: RecordedExchange): void;
  checkDone(check: Check): void;
}

interface Obtained {
  mode: ModeResult;
  token: IssuedToken;
}

const ORDER: Record<Verdict, number> = { skip: 0, ok: 1, warn: 2, fail: 3 };

export async function diagnose(options: DoctorOptions, deps: DoctorDeps, listener: DoctorListener): Promise<Diagnosis> {
  const checks: Check[] = [];
  let current: RecordedExchange[] = [];
  const fetch = recordingFetch(deps.fetch, (exchange) => {
    current.push(exchange);
    listener.request(exchange);
  });
  const http = { timeoutMs: options.timeoutMs, fetch, now: deps.now };

  async function check<T>(id: CheckId, title: string, body: (findings: Finding[]) => Promise<T>): Promise<T> {
    listener.checkStarted(checks.length + 1, title);
    current = [];
    const findings: Finding[] = [];
    const result = await body(findings);
    const verdict = findings.reduce<Verdict>((worst, f) => (ORDER[f.verdict] > ORDER[worst] ? f.verdict : worst), 'skip');
    const done: Check = { id, title, verdict, requests: current, findings };
    checks.push(done);
    listener.checkDone(done);
    return result;
  }

  const appCredentials = options.credentials.kind === 'app';
  const requestedMinutes = appCredentials ? MAX_APP_TOKEN_MINUTES : PROBE_EXPIRATION_MINUTES;
  const result = (site: SiteSummary | null, clientModes: ModeResult[], longest: number | null, working: WorkingSetup | null): Diagnosis => ({
    site,
    checks,
    clientModes,
    requestedMinutes,
    longestExpirationMinutes: longest,
    working,
  });

  // 1. What is this site?
  const site = await check('discovery', 'What is this site? (discovery)', async (findings) => {
    let found: TokenSite;
    try {
      // The function's own policy (arcgis/origins.ts): credentials only to the site's origin and the ones named.
      found = await discoverTokenSite(options.url, undefined, http, { portalUrl: options.portalUrl, allowedOrigins: options.allowedOrigins });
    } catch (error) {
      findings.push(discoveryFailure(options.url, error, current));
      return undefined;
    }
    const summary = summarize(found);
    findings.push({ verdict: 'ok', summary: `${summary.description}: token endpoint ${found.tokenUrl} (found through ${found.via})` });
    // Parsed, not prefix-matched: fetch reads HTTP://, Http:// and " http://" as plain http.
    const insecure = [found.tokenUrl, appCredentials ? found.oauthUrl : undefined].find((u) => u !== undefined && isPlainHttp(u));
    if (insecure !== undefined && !isPlainHttp(options.url) && !options.allowInsecureHttp) {
      findings.push({
        verdict: 'fail',
        summary: `the site names ${insecure} (plain http) as its token service: doctor will not send the ${appCredentials ? 'client secret' : 'password'} there`,
        cause: PLAIN_HTTP_TOKEN_SERVICE.cause,
        fix: PLAIN_HTTP_TOKEN_SERVICE.fix,
      });
      return undefined;
    }
    return summary;
  });
  if (site === undefined) return result(null, [], null, null);

  // 2. Which token endpoints answer? Probed without credentials: nothing can be locked.
  const endpointOk = await check('endpoints', 'Which token endpoints answer? (probed without credentials)', async (findings) => {
    const found = await probeEndpoints(site, options.url, http);
    findings.push(...found.findings);
    return found.discoveredAnswers;
  });

  // 3. Which client modes work with these credentials?
  const modes: ModeResult[] = [];
  let obtained: Obtained | undefined;
  if (options.credentials.kind === 'user') {
    const user = options.credentials;
    obtained = await check('client-modes', `Which client modes work? (generateToken as "${user.username}", expiration ${PROBE_EXPIRATION_MINUTES})`, async (findings) => {
      const wanted: ModeResult[] = [
        { client: 'referer', referer: options.referer, outcome: 'not-tried' },
        ...(options.ip !== undefined ? [{ client: 'ip' as const, ip: options.ip, outcome: 'not-tried' as const }] : []),
        { client: 'requestip', outcome: 'not-tried' },
      ];
      modes.push(...wanted);
      let stop: Finding | undefined = endpointOk ? undefined : { verdict: 'skip', summary: 'no login tried: the token endpoint did not answer like one (see above), and a password is never sent to a page that is not one' };
      let first: Obtained | undefined;
      for (const mode of wanted) {
        if (stop !== undefined) continue;
        const started = deps.now();
        try {
          const token = await generateToken(
            { tokenUrl: site.tokenUrl, username: user.username, password: user.password, client: mode.client as ArcGisClientMode, referer: mode.referer, ip: mode.ip, expirationMinutes: PROBE_EXPIRATION_MINUTES },
            http,
          );
          mode.outcome = 'works';
          mode.grantedMinutes = minutesBetween(started, token.expires);
          findings.push(modeWorks(mode, options));
          first ??= { mode, token };
        } catch (error) {
          const failure = loginFailure(mode, error, site);
          mode.outcome = failure.outcome;
          if (failure.code !== undefined) mode.arcgisCode = failure.code;
          findings.push(failure.finding);
          // A rejected password is never tried again (lockout); an endpoint that answers no JSON will not start to.
          if (failure.outcome !== 'refused') {
            const why: Partial<Record<ModeOutcome, string>> = {
              'invalid-credentials': 'not tried: the credentials were rejected, and doctor allows one failed login per run so the account cannot be locked',
              'rate-limited': 'not tried: the site is rate limiting, and more requests now would prolong it',
            };
            stop = { verdict: 'skip', summary: why[failure.outcome] ?? 'not tried: the token endpoint gave no usable answer' };
          }
        }
      }
      if (stop !== undefined) {
        const untried = wanted.filter((m) => m.outcome === 'not-tried').map(modeLabel);
        if (untried.length > 0) findings.push({ ...stop, summary: `${untried.join(', ')}: ${stop.summary}` });
      }
      return first;
    });
  } else {
    const app = options.credentials;
    obtained = await check('app-credentials', `Do the app credentials work? (oauth2/token as client_id "${app.clientId}", expiration ${MAX_APP_TOKEN_MINUTES})`, async (findings) => {
      const mode: ModeResult = { client: 'app', outcome: 'not-tried' };
      modes.push(mode);
      if (site.oauthUrl === undefined) {
        findings.push({
          verdict: 'fail',
          summary: `app credentials need a portal or ArcGIS Online, and ${site.tokenUrl} is ${site.description}`,
          cause: APP_CREDENTIALS_NEED_PORTAL.cause,
          fix: APP_CREDENTIALS_NEED_PORTAL.fix,
        });
        return undefined;
      }
      if (!endpointOk) {
        findings.push({ verdict: 'skip', summary: 'no login tried: the token endpoint did not answer like one (see above)' });
        return undefined;
      }
      const started = deps.now();
      try {
        const token = await appToken({ oauthUrl: site.oauthUrl, clientId: app.clientId, clientSecret: app.clientSecret, expirationMinutes: MAX_APP_TOKEN_MINUTES }, http);
        mode.outcome = 'works';
        mode.grantedMinutes = minutesBetween(started, token.expires);
        findings.push({ verdict: 'ok', summary: `app credentials work at ${site.oauthUrl}: app tokens are bound to no referer or IP` });
        return { mode, token };
      } catch (error) {
        const failure = appFailure(error, site.oauthUrl);
        mode.outcome = failure.outcome;
        if (failure.code !== undefined) mode.arcgisCode = failure.code;
        findings.push(failure.finding);
        return undefined;
      }
    });
  }

  // 4. HTTPS and the ssl flag.
  await check('https', 'HTTPS and the ssl flag', async (findings) => {
    findings.push(httpsFinding(site, options, obtained?.token, appCredentials));
  });

  const longest = obtained?.mode.grantedMinutes ?? null;
  // 5. The longest lifetime the site grants.
  await check('lifetime', `Longest token lifetime (asked for ${requestedMinutes} minutes)`, async (findings) => {
    if (longest === null) {
      findings.push({ verdict: 'skip', summary: 'not known: no token was issued' });
    } else if (longest >= requestedMinutes) {
      findings.push({ verdict: 'ok', summary: `the site granted ${minutesText(longest)}, as asked` });
    } else {
      findings.push({
        verdict: 'warn',
        summary: `the site capped the lifetime at ${minutesText(longest)} (asked for ${minutesText(requestedMinutes)})`,
        cause: LIFETIME_CAPPED.cause,
        fix: LIFETIME_CAPPED.fix(longest),
      });
    }
  });

  if (obtained === undefined) return result(site, modes, longest, null);

  // 6. A federated server only takes server tokens, which the portal issues in exchange for its own.
  let token = obtained.token;
  let lifetime = obtained.mode.grantedMinutes ?? 0;
  if (site.kind === 'federated' && site.serverUrl !== undefined) {
    const serverUrl = site.serverUrl;
    const exchanged = await check('exchange', `Token exchange for the federated server ${serverUrl}`, async (findings) => {
      try {
        const server = await exchangeForServerToken({ portalTokenUrl: site.tokenUrl, portalToken: obtained.token, serverUrl, referer: obtained.mode.referer }, http);
        findings.push({ verdict: 'ok', summary: `the portal exchanged its token for a server token for ${serverUrl} (valid ${minutesText(minutesBetween(deps.now(), server.expires))}, never longer than the portal token)` });
        return server;
      } catch (error) {
        findings.push(exchangeFailure(serverUrl, error, obtained.mode));
        return undefined;
      }
    });
    if (exchanged === undefined) return result(site, modes, longest, null);
    token = exchanged;
    // A server token never outlives the portal token it was exchanged for.
    lifetime = Math.min(lifetime, minutesBetween(deps.now(), exchanged.expires));
  }

  // 7. The token on a secured service.
  if (options.serviceUrl !== undefined) {
    const serviceUrl = options.serviceUrl;
    const works = await check('service', `Token on the service ${serviceUrl}`, async (findings) => {
      try {
        await checkTokenOnService({ serviceUrl, token: token.token, tokenUrl: site.tokenUrl, referer: obtained.mode.referer }, http);
        findings.push({ verdict: 'ok', summary: `the token works on ${serviceUrl}${obtained.mode.referer !== undefined ? ` (sent with Referer ${obtained.mode.referer})` : ''}` });
        return true;
      } catch (error) {
        findings.push(serviceFailure(serviceUrl, error, site, obtained.mode));
        return false;
      }
    });
    if (!works) return result(site, modes, longest, null);
  }

  const mode = obtained.mode;
  const working: WorkingSetup = {
    site,
    // App tokens are bound to nothing; the target still needs a valid client setting, which they ignore.
    client: mode.client === 'app' ? 'referer' : mode.client,
    ...(mode.client === 'app' ? { referer: options.referer } : mode.referer !== undefined ? { referer: mode.referer } : {}),
    ...(mode.ip !== undefined ? { ip: mode.ip } : {}),
    defaultReferer: !options.refererGiven,
    grantedMinutes: lifetime,
    ...(options.serviceUrl !== undefined ? { serviceUrl: options.serviceUrl } : {}),
    // portalUrl is a setting of federated targets only (the schema refuses it elsewhere).
    ...(options.portalUrl !== undefined && site.kind === 'federated' ? { portalUrl: options.portalUrl } : {}),
    ...(options.allowedOrigins !== undefined && options.allowedOrigins.length > 0 ? { allowedOrigins: [...options.allowedOrigins] } : {}),
    appCredentials,
  };
  return result(site, modes, longest, working);
}

/** Whether fetch would send to this URL in clear: the scheme as the URL parser reads it. */
export function isPlainHttp(url: string): boolean {
  return URL.parse(url)?.protocol === 'http:';
}

/** A finding for ArcGIS asking us to slow down, wherever it happened. */
function rateLimitFinding(error: ArcGisRateLimitedError, what: string): Finding {
  const seconds = Math.ceil(error.retryAfterMs / 1000);
  return {
    verdict: 'fail',
    summary: `${what}: ${error.url} answered HTTP ${error.httpStatus}: the site is rate limiting requests`,
    cause: RATE_LIMITED.cause,
    fix: RATE_LIMITED.fix(seconds),
  };
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

function discoveryFailure(url: string, error: unknown, requests: RecordedExchange[]): Finding {
  const root = parseSiteUrl(url).root;
  const redirect = requests.find((r) => r.location !== undefined);
  const negotiate = requests.find((r) => r.httpStatus === 401 && /negotiate|ntlm/i.test(r.wwwAuthenticate ?? ''));
  if (negotiate !== undefined || (redirect !== undefined && !isSchemeRewrite(redirect))) {
    const how = negotiate !== undefined ? `requests are answered 401 with WWW-Authenticate: ${negotiate.wwwAuthenticate} (Windows authentication, IWA)` : `requests are redirected to a login page at ${redirect!.location} (SAML or ADFS)`;
    return {
      verdict: 'fail',
      summary: `a web-tier login guards ${root}: ${how}`,
      cause: WEB_TIER_LOGIN.cause,
      fix: WEB_TIER_LOGIN.fix(root),
    };
  }
  if (redirect !== undefined) {
    return {
      verdict: 'fail',
      summary: `${redirect.url} redirects to ${redirect.location}: the site wants https`,
      cause: HTTPS_REWRITE.cause,
      fix: HTTPS_REWRITE.fix(url),
    };
  }
  if (error instanceof ArcGisUnreachableError) {
    return { verdict: 'fail', summary: `no answer from ${new URL(url).host}`, cause: error.message, fix: SITE_UNREACHABLE.fix };
  }
  if (error instanceof ArcGisRateLimitedError) return rateLimitFinding(error, 'discovery');
  if (error instanceof ForeignTokenOriginError) {
    const federated = error.setting === 'portalUrl';
    return {
      verdict: 'fail',
      summary: `the site names a token service on ${error.foreignOrigin}, an origin you did not name: doctor sends no credentials there`,
      cause: error.message,
      fix: federated ? FOREIGN_TOKEN_ORIGIN.doctor.federated(error.foreignOrigin) : FOREIGN_TOKEN_ORIGIN.doctor.allowed(error.foreignOrigin, new URL(url).origin),
    };
  }
  if (error instanceof TokenEndpointNotFoundError) {
    if (error.reason === 'no-token-security') {
      return {
        verdict: 'fail',
        summary: `${root} does not use ArcGIS tokens (rest/info: isTokenBasedSecurity false)`,
        cause: NO_TOKEN_SECURITY.cause,
        fix: NO_TOKEN_SECURITY.fix,
      };
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

const STANDARD_ADAPTORS: ReadonlyArray<[string, string]> = [
  ['arcgis', 'tokens/generateToken'],
  ['server', 'tokens/generateToken'],
  ['portal', 'sharing/rest/generateToken'],
];

/**
 * POSTs f=json without credentials to the discovered endpoint, the other token paths under the
 * site root, and the paths people guess on the host (the usual adaptor names). An ArcGIS JSON
 * answer, even an error, proves a token endpoint; a 404 page proves there is none.
 */
async function probeEndpoints(site: SiteSummary, url: string, http: { timeoutMs: number; fetch: FetchLike }): Promise<{ findings: Finding[]; discoveredAnswers: boolean }> {
  const root = site.serverUrl ?? parseSiteUrl(url).root;
  const origin = new URL(root).origin;
  const onArcGisOnline = isArcGisOnlineHost(new URL(root).hostname);
  const underRoot = [`${root}/tokens/generateToken`, `${root}/sharing/rest/generateToken`, `${root}/admin/generateToken`];
  const guesses = onArcGisOnline ? [] : STANDARD_ADAPTORS.map(([adaptor, path]) => `${origin}/${adaptor}/${path}`);
  const candidates = [...new Set([site.tokenUrl, ...(onArcGisOnline ? [] : underRoot), ...guesses].map((u) => u.toLowerCase()))].map(
    (lower) => [site.tokenUrl, ...underRoot, ...guesses].find((u) => u.toLowerCase() === lower)!,
  );

  const answering: string[] = [];
  const notFound: string[] = [];
  let discoveredAnswers = false;
  for (const candidate of candidates) {
    let exists = false;
    let status: number | undefined;
    try {
      const answer = await postForm(candidate, new URLSearchParams({ f: 'json' }), http);
      status = answer.status;
      exists = answer.status !== 404 && isJson(answer.body);
    } catch {
      exists = false; // a redirect, or no answer: recorded by the wrapper
    }
    if (exists) answering.push(candidate);
    else if (status === 404) notFound.push(candidate);
    if (candidate === site.tokenUrl) discoveredAnswers = exists;
  }

  const findings: Finding[] = [];
  if (!discoveredAnswers) {
    findings.push({
      verdict: 'fail',
      summary: `the token endpoint discovery found, ${site.tokenUrl}, does not answer with ArcGIS JSON`,
      cause: DISCOVERED_ENDPOINT_SILENT.cause,
      fix: DISCOVERED_ENDPOINT_SILENT.fix(site.tokenUrl),
    });
  } else {
    const others = answering.filter((u) => u !== site.tokenUrl);
    findings.push({ verdict: 'ok', summary: `${site.tokenUrl} answers (the endpoint discovery chose)${others.length > 0 ? `; also answering: ${others.join(', ')}` : ''}` });
  }
  if (notFound.length > 0) {
    const adaptor = new URL(root).pathname.replace(/^\/+/, '');
    findings.push({
      verdict: 'ok',
      summary: `${notFound.length} of the usual paths answered 404 (web adaptor names are per site${adaptor ? `; this one is "${adaptor}"` : ''}): ${notFound.join(', ')}`,
    });
  }
  return { findings, discoveredAnswers };
}

function isJson(body: string): boolean {
  return parseJsonOrUndefined(body) !== undefined;
}

function modeLabel(mode: ModeResult): string {
  return mode.client === 'app' ? 'app credentials' : `client=${mode.client}`;
}

function modeWorks(mode: ModeResult, options: DoctorOptions): Finding {
  switch (mode.client) {
    case 'referer':
      return options.refererGiven
        ? { verdict: 'ok', summary: `client=referer works (referer ${mode.referer})` }
        : {
            verdict: 'warn',
            summary: `client=referer works with doctor's default referer ${mode.referer}`,
            cause: DEFAULT_REFERER_USED.cause(mode.referer ?? options.referer),
            fix: DEFAULT_REFERER_USED.fix(mode.referer ?? options.referer),
          };
    case 'ip':
      return { verdict: 'ok', summary: `client=ip works (ip ${mode.ip}): such tokens work only from that address` };
    default:
      return {
        verdict: 'ok',
        summary: 'client=requestip works: the token is bound to the address that asked for it (this machine now; the function\'s egress address once deployed)',
      };
  }
}

function loginFailure(mode: ModeResult, error: unknown, site: SiteSummary): { outcome: ModeOutcome; code?: number; finding: Finding } {
  const label = modeLabel(mode);
  if (error instanceof InvalidCredentialsError) {
    return {
      outcome: 'invalid-credentials',
      code: error.arcgis.code,
      finding: {
        verdict: 'fail',
        summary: `${label}: ArcGIS rejected the credentials (${quoteArcGisError(error.arcgis)})`,
        cause: INVALID_CREDENTIALS.cause,
        fix: INVALID_CREDENTIALS.fix(site.kind),
      },
    };
  }
  if (error instanceof ArcGisRefusedError) {
    const info = error.arcgis;
    const said = quoteArcGisError(info);
    if (info.code === 201 && mode.client !== 'app') {
      return { outcome: 'refused', code: 201, finding: { verdict: 'fail', summary: `${label}: ArcGIS could not determine the client id (${said})`, ...CLIENT_UNDETERMINED.doctor({ ...mode, client: mode.client }) } };
    }
    if (info.code === 403) {
      return {
        outcome: 'refused',
        code: 403,
        finding: { verdict: 'fail', summary: `${label}: the account may not generate tokens (${said})`, cause: MAY_NOT_GENERATE_TOKENS.cause, fix: MAY_NOT_GENERATE_TOKENS.fix },
      };
    }
    return {
      outcome: 'refused',
      code: info.code,
      finding: { verdict: 'fail', summary: `${label}: ArcGIS refused (${said})`, cause: error.message, fix: LOGIN_REFUSED.fix },
    };
  }
  if (error instanceof ArcGisBadResponseError) {
    return { outcome: 'bad-answer', finding: { verdict: 'fail', summary: `${label}: ${site.tokenUrl} answered HTTP ${error.httpStatus} with no token`, cause: error.message } };
  }
  if (error instanceof ArcGisUnreachableError) {
    return { outcome: 'unreachable', finding: { verdict: 'fail', summary: `${label}: no answer from ${site.tokenUrl}`, cause: error.message } };
  }
  if (error instanceof ArcGisRateLimitedError) return { outcome: 'rate-limited', finding: rateLimitFinding(error, label) };
  throw error;
}

function appFailure(error: unknown, oauthUrl: string): { outcome: ModeOutcome; code?: number; finding: Finding } {
  if (error instanceof InvalidCredentialsError) {
    return {
      outcome: 'invalid-credentials',
      code: error.arcgis.code,
      finding: {
        verdict: 'fail',
        summary: `ArcGIS rejected the app credentials (${quoteArcGisError(error.arcgis)})`,
        cause: INVALID_APP_CREDENTIALS.cause,
        fix: INVALID_APP_CREDENTIALS.fix,
      },
    };
  }
  if (error instanceof ArcGisRefusedError) {
    return { outcome: 'refused', code: error.arcgis.code, finding: { verdict: 'fail', summary: `${oauthUrl} refused (error ${error.arcgis.code} "${error.arcgis.message}")`, cause: error.message } };
  }
  if (error instanceof ArcGisBadResponseError) {
    return { outcome: 'bad-answer', finding: { verdict: 'fail', summary: `${oauthUrl} answered HTTP ${error.httpStatus} with no token`, cause: error.message } };
  }
  if (error instanceof ArcGisUnreachableError) {
    return { outcome: 'unreachable', finding: { verdict: 'fail', summary: `no answer from ${oauthUrl}`, cause: error.message } };
  }
  if (error instanceof ArcGisRateLimitedError) return { outcome: 'rate-limited', finding: rateLimitFinding(error, 'app credentials') };
  throw error;
}

function httpsFinding(site: SiteSummary, options: DoctorOptions, token: IssuedToken | undefined, appCredentials: boolean): Finding {
  const urls = [options.url, site.tokenUrl, appCredentials ? site.oauthUrl : undefined, options.serviceUrl].filter((u): u is string => u !== undefined);
  const plain = [...new Set(urls.filter(isPlainHttp))];
  if (plain.length > 0) {
    return {
      verdict: 'warn',
      summary: `plain http:// (allowed by --allow-insecure-http): ${plain.join(', ')}`,
      cause: PLAIN_HTTP_ALLOWED.cause,
      fix: PLAIN_HTTP_ALLOWED.fix,
    };
  }
  if (token === undefined) return { verdict: 'ok', summary: 'every URL is https:// (the ssl flag is unknown: no token was issued)' };
  if (appCredentials) return { verdict: 'ok', summary: 'every URL is https:// (app tokens carry no ssl flag)' };
  if (token.ssl) return { verdict: 'ok', summary: 'every URL is https://, and ArcGIS marks the tokens ssl:true (HTTPS only)' };
  return {
    verdict: 'warn',
    summary: 'ArcGIS marks the tokens ssl:false: the site also accepts them over plain http',
    cause: SSL_FALSE.cause,
    fix: SSL_FALSE.fix,
  };
}

function exchangeFailure(serverUrl: string, error: unknown, mode: ModeResult): Finding {
  if (error instanceof ArcGisRefusedError) {
    const info = error.arcgis;
    const said = quoteArcGisError(info);
    if (info.code === 498 || info.code === 499) {
      return {
        verdict: 'fail',
        summary: `the portal refused its own fresh token in the exchange (${said})`,
        cause: EXCHANGE_TOKEN_REFUSED.cause(mode.referer),
        fix: EXCHANGE_TOKEN_REFUSED.fix,
      };
    }
    return {
      verdict: 'fail',
      summary: `the portal would not issue a token for ${serverUrl} (${said})`,
      cause: NOT_FEDERATED.cause,
      fix: NOT_FEDERATED.fix,
    };
  }
  if (error instanceof ArcGisRateLimitedError) return rateLimitFinding(error, `the exchange for ${serverUrl}`);
  return { verdict: 'fail', summary: `the exchange for ${serverUrl} failed`, cause: describeError(error) };
}

function serviceFailure(serviceUrl: string, error: unknown, site: SiteSummary, mode: ModeResult): Finding {
  const serviceRoot = parseSiteUrl(serviceUrl).root;
  if (error instanceof ArcGisRefusedError) {
    const info = error.arcgis;
    const said = quoteArcGisError(info);
    if (info.code === 498) {
      return {
        verdict: 'fail',
        summary: `the service refused the token (${said}): wrong dispenser`,
        cause: WRONG_DISPENSER.cause(site, serviceUrl, mode.referer),
        fix: WRONG_DISPENSER.fix(serviceRoot),
      };
    }
    if (info.code === 499) {
      return { verdict: 'fail', summary: `the service did not see the token (${said})`, cause: TOKEN_NOT_SEEN.cause, fix: TOKEN_NOT_SEEN.fix };
    }
    if (info.code === 403) {
      return { verdict: 'fail', summary: `the account may not use the service (${said})`, cause: SERVICE_NOT_SHARED.cause, fix: SERVICE_NOT_SHARED.fix };
    }
    return { verdict: 'fail', summary: `the service refused the token (${said})`, cause: error.message };
  }
  if (error instanceof ArcGisBadResponseError) {
    const cause = error.httpStatus === 404 ? SERVICE_NOT_ARCGIS.notFound : error.kind === 'redirect' ? SERVICE_NOT_ARCGIS.redirect : error.message;
    return { verdict: 'fail', summary: `${serviceUrl} answered HTTP ${error.httpStatus} with no ArcGIS JSON`, cause, fix: SERVICE_NOT_ARCGIS.fix };
  }
  if (error instanceof ArcGisUnreachableError) {
    return { verdict: 'fail', summary: `no answer from ${serviceUrl}`, cause: error.message };
  }
  if (error instanceof ArcGisRateLimitedError) return rateLimitFinding(error, `the token on ${serviceUrl}`);
  return { verdict: 'fail', summary: `checking the service failed: ${describeError(error)}` };
}

export function minutesBetween(from: number, to: number): number {
  return Math.max(0, Math.round((to - from) / 60_000));
}

export function minutesText(minutes: number): string {
  if (minutes >= 1440 && minutes % 1440 === 0) return `${minutes} minutes (${minutes / 1440} days)`;
  if (minutes >= 60 && minutes % 60 === 0) return `${minutes} minutes (${minutes / 60} hours)`;
  return `${minutes} minutes`;
}

// The one ArcGIS sign-in sequence: find where the site issues tokens (discovery), log in (a user's
// password at generateToken, or an app's credentials at oauth2/token), exchange the portal token for
// a server token when the server is federated with a portal, and try the token on the target's
// service before anyone relies on it. The issuer runs it for the Lambda with no listener; doctor runs
// the same steps, one client mode at a time, and builds its report from the events each step emits
// (its URL, when it started, how long it took and how it ended: never a password, secret or token).
//
// Doctor logs in with every client mode before it exchanges or checks anything (its report shows the
// modes side by side, and each step's requests under it), so the sequence comes in two halves:
// logIn, and the LoggedIn's complete() (exchange, then check). signIn is both, back to back.
import type { ArcGisClientMode, SiteKind } from '../domain/config/settings.js';
import { ConfigurationError, TokenVendingError } from '../domain/errors.js';
import { discoverTokenSite } from './discovery.js';
import { exchangeForServerToken } from './exchange-token.js';
import { generateToken } from './generate-token.js';
import { APP_CREDENTIALS_NEED_PORTAL } from './hints.js';
import type { HttpOptions } from './http.js';
import { appToken } from './oauth-token.js';
import type { CredentialPolicy } from './origins.js';
import type { PortalTokenSlot } from './portal-token-memory.js';
import type { TokenSite } from './token-site.js';
import type { IssuedToken } from './token-response.js';
import { checkTokenOnService } from './validate-token.js';

export type LoginCredentials = { kind: 'user'; username: string; password: string } | { kind: 'app'; clientId: string; clientSecret: string };

/** How a sign-in talks HTTP: each request's timeout, the sequence's deadline, the clock, the fetch. */
export type SignInContext = HttpOptions & { now: () => number };

export type SignInStep = 'discovery' | 'login' | 'exchange' | 'check';

/** How the login is bound: a user's client mode, or 'app' for app credentials (bound to nothing). */
export type LoginClient = ArcGisClientMode | 'app';

/** What each step adds to all its events. */
interface StepDetails {
  discovery: object;
  login: { client: LoginClient };
  exchange: { serverUrl: string };
  check: object;
}

/** What a step adds when it succeeds. */
interface StepResults {
  discovery: { site: TokenSite };
  login: { expires: number; ssl: boolean };
  exchange: { expires: number };
  check: { httpStatus: number };
}

type StepEvent<S extends SignInStep> =
  | ({ step: S; outcome: 'attempted'; url: string; startedAt: number } & StepDetails[S])
  | ({ step: S; outcome: 'succeeded'; url: string; startedAt: number; ms: number } & StepDetails[S] & StepResults[S])
  | ({ step: S; outcome: 'failed'; url: string; startedAt: number; ms: number; error: TokenVendingError } & StepDetails[S]);

/**
 * One step of the sequence, as it starts and as it ends. `url` is where the step's request goes:
 * the configured URL (discovery), the token or OAuth endpoint (login), the portal's token endpoint
 * (exchange), the service (check). A login that reuses a kept portal token is `reused`, not attempted.
 */
export type SignInEvent =
  | StepEvent<'discovery'>
  | StepEvent<'login'>
  | StepEvent<'exchange'>
  | StepEvent<'check'>
  | { step: 'login'; outcome: 'reused'; url: string; startedAt: number; client: LoginClient; expires: number };

export type SignInListener = (event: SignInEvent) => void;

/** Runs one step, telling the listener it started and how it ended (errors that are not the service's own pass by untold). */
async function step<S extends SignInStep, T>(
  step: S,
  url: string,
  details: StepDetails[S],
  work: () => Promise<T>,
  result: (value: T) => StepResults[S],
  context: SignInContext,
  listener: SignInListener | undefined,
): Promise<T> {
  // TypeScript cannot tell that an object built for a generic S is one member of the SignInEvent
  // union (it does not distribute the indexed types over S), so each event is asserted once here.
  const emit = (event: object): void => listener?.(event as SignInEvent);
  const startedAt = context.now();
  emit({ step, outcome: 'attempted', url, startedAt, ...details });
  try {
    const value = await work();
    emit({ step, outcome: 'succeeded', url, startedAt, ms: context.now() - startedAt, ...details, ...result(value) });
    return value;
  } catch (error) {
    if (error instanceof TokenVendingError) emit({ step, outcome: 'failed', url, startedAt, ms: context.now() - startedAt, ...details, error });
    throw error;
  }
}

/** Discovery (discovery.ts): where the site at `url` issues tokens, within the credential policy. */
export function findSite(url: string, kind: SiteKind | undefined, policy: CredentialPolicy, context: SignInContext, listener?: SignInListener): Promise<TokenSite> {
  return step('discovery', url, {}, () => discoverTokenSite(url, kind, context, policy), (site) => ({ site }), context, listener);
}

/**
 * The first URL of the site that would receive these credentials in clear (not https://): the login
 * endpoint, and the OAuth endpoint for app credentials ('any': both, whoever signs in later).
 * Parsed, not prefix-matched: fetch reads `HTTP://`, `Http://` and ` http://` as plain http.
 */
export function plainHttpCredentialUrl(site: TokenSite, credentials: LoginCredentials['kind'] | 'any'): string | undefined {
  const urls = [site.tokenUrl, credentials === 'user' ? undefined : site.oauthUrl];
  return urls.find((url) => url !== undefined && URL.parse(url)?.protocol !== 'https:');
}

export interface SignInRequest {
  /** The target's name, for messages. */
  target: string;
  site: TokenSite;
  credentials: LoginCredentials;
  /** The binding asked for; app tokens are bound to nothing whatever it says. */
  client: ArcGisClientMode;
  referer?: string | undefined;
  ip?: string | undefined;
  expirationMinutes: number;
  /** A secured resource the new token is tried on before it is used (the target's serviceUrl). */
  serviceUrl?: string | undefined;
  /** Where a federated site's portal token is kept for reuse; without it every sign-in logs in. */
  portalTokens?: PortalTokenSlot | undefined;
}

export interface LoggedIn {
  /** What the login returned: for a federated server, the portal token to exchange. */
  readonly token: IssuedToken;
  /** The Referer the token is bound to (client referer), which the exchange and the check send. */
  readonly referer: string | undefined;
  /** The rest of the sequence: the exchange for a federated server, then the check on serviceUrl (told to `listener`, by default logIn's). */
  complete(listener?: SignInListener): Promise<IssuedToken>;
}

/** The first half of the sequence: a token from the site's login endpoint, or a portal token kept from an earlier login. */
export async function logIn(request: SignInRequest, context: SignInContext, listener?: SignInListener): Promise<LoggedIn> {
  const { site, credentials } = request;
  const referer = credentials.kind === 'user' && request.client === 'referer' ? request.referer : undefined;
  // Only a federated server's portal token is worth keeping: it buys further exchanges without a login.
  const kept = site.kind === 'federated' ? request.portalTokens : undefined;
  const reusable = kept?.reusable(context.now());
  let token: IssuedToken;
  if (reusable !== undefined) {
    listener?.({ step: 'login', outcome: 'reused', url: site.tokenUrl, startedAt: context.now(), client: credentials.kind === 'user' ? request.client : 'app', expires: reusable.expires });
    token = reusable;
  } else {
    token = await login(request, context, listener);
    kept?.keep(token, context.now());
  }
  return { token, referer, complete: (then = listener) => complete(request, token, referer, kept, context, then) };
}

/** The whole sequence: log in, exchange for a federated server, check on serviceUrl. */
export async function signIn(request: SignInRequest, context: SignInContext, listener?: SignInListener): Promise<IssuedToken> {
  return (await logIn(request, context, listener)).complete();
}

async function login(request: SignInRequest, context: SignInContext, listener: SignInListener | undefined): Promise<IssuedToken> {
  const { site, credentials } = request;
  const outcome = (token: IssuedToken) => ({ expires: token.expires, ssl: token.ssl });
  if (credentials.kind === 'user') {
    const { username, password } = credentials;
    const form = { tokenUrl: site.tokenUrl, username, password, client: request.client, referer: request.referer, ip: request.ip, expirationMinutes: request.expirationMinutes };
    return step('login', site.tokenUrl, { client: request.client }, () => generateToken(form, context), outcome, context, listener);
  }
  const oauthUrl = site.oauthUrl;
  if (oauthUrl === undefined) throw new ConfigurationError(APP_CREDENTIALS_NEED_PORTAL.message(request.target, site.tokenUrl, site.kind));
  const app = { oauthUrl, clientId: credentials.clientId, clientSecret: credentials.clientSecret, expirationMinutes: request.expirationMinutes };
  return step('login', oauthUrl, { client: 'app' }, () => appToken(app, context), outcome, context, listener);
}

async function complete(
  request: SignInRequest,
  loggedIn: IssuedToken,
  referer: string | undefined,
  kept: PortalTokenSlot | undefined,
  context: SignInContext,
  listener: SignInListener | undefined,
): Promise<IssuedToken> {
  const { site, serviceUrl } = request;
  let token = loggedIn;
  if (site.kind === 'federated' && site.serverUrl !== undefined) {
    const exchange = { portalTokenUrl: site.tokenUrl, portalToken: loggedIn, serverUrl: site.serverUrl, referer };
    try {
      token = await step('exchange', site.tokenUrl, { serverUrl: site.serverUrl }, () => exchangeForServerToken(exchange, context), (server) => ({ expires: server.expires }), context, listener);
    } catch (error) {
      // A refused exchange may mean a revoked portal token: the next sign-in logs in afresh.
      kept?.forget();
      throw error;
    }
  }
  if (serviceUrl !== undefined) {
    const check = { serviceUrl, token: token.token, tokenUrl: site.tokenUrl, referer };
    await step('check', serviceUrl, {}, () => checkTokenOnService(check, context), (answer) => ({ httpStatus: answer.httpStatus }), context, listener);
  }
  return token;
}

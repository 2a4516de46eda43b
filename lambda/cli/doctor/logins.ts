// Doctor's login check: which client modes get a token with these credentials (a user's password,
// each mode once), or whether the app credentials do. Each login is the sign-in sequence's first
// half (logIn), and its events make the findings. It stops at the first rejected password: repeated
// failed logins lock ArcGIS accounts, so a run costs at most ONE credential failure.
import {
  ArcGisBadResponseError,
  ArcGisRateLimitedError,
  ArcGisRefusedError,
  ArcGisUnreachableError,
  InvalidCredentialsError,
  TokenVendingError,
  quoteArcGisError,
} from '../../domain/errors.js';
import { APP_CREDENTIALS_NEED_PORTAL, CLIENT_UNDETERMINED, DEFAULT_REFERER_USED, INVALID_APP_CREDENTIALS, INVALID_CREDENTIALS, LOGIN_REFUSED, MAY_NOT_GENERATE_TOKENS } from '../../arcgis/hints.js';
import { MAX_APP_TOKEN_MINUTES } from '../../arcgis/oauth-token.js';
import { logIn, type LoggedIn, type LoginCredentials, type SignInEvent } from '../../arcgis/sign-in.js';
import { DOCTOR_TARGET_NAME } from './deploy-advice.js';
import type { FoundSite } from './discovery-report.js';
import { minutesBetween, rateLimitFinding, type DoctorOptions, type Finding, type ModeOutcome, type ModeResult, type SiteSummary } from './findings.js';
import type { DoctorRun } from './run.js';

/** What doctor asks generateToken for: ArcGIS's documented maximum (15 days); the answer shows the site's cap. */
export const PROBE_EXPIRATION_MINUTES = 21_600;

/** The first login that worked: the rest of the sequence (exchange, check) continues from it. */
export interface Obtained {
  mode: ModeResult;
  loggedIn: LoggedIn;
}

interface Failure {
  outcome: ModeOutcome;
  code?: number;
  finding: Finding;
}

/** Why the modes after a failure are not tried: a rejected password never again (lockout), a rate limit not now. */
const NOT_TRIED: Partial<Record<ModeOutcome, string>> = {
  'invalid-credentials': 'not tried: the credentials were rejected, and doctor allows one failed login per run so the account cannot be locked',
  'rate-limited': 'not tried: the site is rate limiting, and more requests now would prolong it',
};

export function userLoginCheck(run: DoctorRun, found: FoundSite, options: DoctorOptions, endpointOk: boolean, modes: ModeResult[]): Promise<Obtained | undefined> {
  const user = options.credentials;
  if (user.kind !== 'user') throw new TypeError('doctor: userLoginCheck needs a user (a doctor bug)');
  return run.check('client-modes', `Which client modes work? (generateToken as "${user.username}", expiration ${PROBE_EXPIRATION_MINUTES})`, async () => {
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
      const loggedIn = await tryLogin(run, found, options, user, mode);
      if (loggedIn !== undefined) first ??= { mode, loggedIn };
      // A rejected password is never tried again (lockout); an endpoint that answers no JSON will not start to.
      else if (mode.outcome !== 'refused') stop = { verdict: 'skip', summary: NOT_TRIED[mode.outcome] ?? 'not tried: the token endpoint gave no usable answer' };
    }
    if (stop !== undefined) {
      const untried = wanted.filter((m) => m.outcome === 'not-tried').map(modeLabel);
      if (untried.length > 0) run.add({ ...stop, summary: `${untried.join(', ')}: ${stop.summary}` });
    }
    return first;
  });
}

export function appLoginCheck(run: DoctorRun, found: FoundSite, options: DoctorOptions, endpointOk: boolean, modes: ModeResult[]): Promise<Obtained | undefined> {
  const app = options.credentials;
  if (app.kind !== 'app') throw new TypeError('doctor: appLoginCheck needs app credentials (a doctor bug)');
  return run.check('app-credentials', `Do the app credentials work? (oauth2/token as client_id "${app.clientId}", expiration ${MAX_APP_TOKEN_MINUTES})`, async () => {
    const mode: ModeResult = { client: 'app', outcome: 'not-tried' };
    modes.push(mode);
    const site = found.summary;
    if (site.oauthUrl === undefined) {
      run.add({
        verdict: 'fail',
        summary: `app credentials need a portal or ArcGIS Online, and ${site.tokenUrl} is ${site.description}`,
        cause: APP_CREDENTIALS_NEED_PORTAL.cause,
        fix: APP_CREDENTIALS_NEED_PORTAL.fix,
      });
      return undefined;
    }
    if (!endpointOk) {
      run.add({ verdict: 'skip', summary: 'no login tried: the token endpoint did not answer like one (see above)' });
      return undefined;
    }
    const loggedIn = await tryLogin(run, found, options, app, mode);
    return loggedIn === undefined ? undefined : { mode, loggedIn };
  });
}

/** One login (the sequence's first half) for one mode; its events fill in the mode and the findings. Undefined when it failed. */
async function tryLogin(run: DoctorRun, found: FoundSite, options: DoctorOptions, credentials: LoginCredentials, mode: ModeResult): Promise<LoggedIn | undefined> {
  const report = (event: SignInEvent): void => {
    if (event.step !== 'login') return;
    if (event.outcome === 'succeeded') {
      mode.outcome = 'works';
      mode.grantedMinutes = minutesBetween(event.startedAt, event.expires);
      run.add(modeWorks(mode, options, event.url));
    }
    if (event.outcome === 'failed') {
      const failure = loginFailure(mode, event.error, event.url, found.summary);
      if (failure === undefined) return; // not a failure doctor knows: thrown on below
      mode.outcome = failure.outcome;
      if (failure.code !== undefined) mode.arcgisCode = failure.code;
      run.add(failure.finding);
    }
  };
  const client = mode.client === 'app' ? 'referer' : mode.client; // app tokens are bound to nothing whatever it says
  const request = {
    target: DOCTOR_TARGET_NAME,
    site: found.site,
    credentials,
    client,
    referer: mode.referer,
    ip: mode.ip,
    expirationMinutes: credentials.kind === 'app' ? MAX_APP_TOKEN_MINUTES : PROBE_EXPIRATION_MINUTES,
    serviceUrl: options.serviceUrl,
  };
  try {
    return await logIn(request, run.http, report);
  } catch (error) {
    if (error instanceof TokenVendingError && mode.outcome !== 'not-tried') return undefined;
    throw error;
  }
}

function modeLabel(mode: ModeResult): string {
  return mode.client === 'app' ? 'app credentials' : `client=${mode.client}`;
}

function modeWorks(mode: ModeResult, options: DoctorOptions, url: string): Finding {
  switch (mode.client) {
    case 'app':
      return { verdict: 'ok', summary: `app credentials work at ${url}: app tokens are bound to no referer or IP` };
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

/** The finding for a failed login at `url` (the token endpoint, or the OAuth endpoint for app credentials). */
function loginFailure(mode: ModeResult, error: TokenVendingError, url: string, site: SiteSummary): Failure | undefined {
  const app = mode.client === 'app';
  const label = app ? '' : `${modeLabel(mode)}: `;
  if (error instanceof InvalidCredentialsError) {
    const hint = app ? INVALID_APP_CREDENTIALS : { cause: INVALID_CREDENTIALS.cause, fix: INVALID_CREDENTIALS.fix(site.kind) };
    const summary = `${label}ArcGIS rejected the ${app ? 'app ' : ''}credentials (${quoteArcGisError(error.arcgis)})`;
    return { outcome: 'invalid-credentials', code: error.arcgis.code, finding: { verdict: 'fail', summary, cause: hint.cause, fix: hint.fix } };
  }
  if (error instanceof ArcGisRefusedError) return { outcome: 'refused', code: error.arcgis.code, finding: refusedFinding(mode, error, url) };
  if (error instanceof ArcGisBadResponseError) {
    return { outcome: 'bad-answer', finding: { verdict: 'fail', summary: `${label}${url} answered HTTP ${error.httpStatus} with no token`, cause: error.message } };
  }
  if (error instanceof ArcGisUnreachableError) return { outcome: 'unreachable', finding: { verdict: 'fail', summary: `${label}no answer from ${url}`, cause: error.message } };
  if (error instanceof ArcGisRateLimitedError) return { outcome: 'rate-limited', finding: rateLimitFinding(error, modeLabel(mode)) };
  return undefined;
}

function refusedFinding(mode: ModeResult, error: ArcGisRefusedError, url: string): Finding {
  const info = error.arcgis;
  if (mode.client === 'app') return { verdict: 'fail', summary: `${url} refused (error ${info.code} "${info.message}")`, cause: error.message };
  const label = modeLabel(mode);
  const said = quoteArcGisError(info);
  if (info.code === 201) return { verdict: 'fail', summary: `${label}: ArcGIS could not determine the client id (${said})`, ...CLIENT_UNDETERMINED.doctor({ ...mode, client: mode.client }) };
  if (info.code === 403) return { verdict: 'fail', summary: `${label}: the account may not generate tokens (${said})`, cause: MAY_NOT_GENERATE_TOKENS.cause, fix: MAY_NOT_GENERATE_TOKENS.fix };
  return { verdict: 'fail', summary: `${label}: ArcGIS refused (${said})`, cause: error.message, fix: LOGIN_REFUSED.fix };
}

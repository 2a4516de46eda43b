// Doctor's last checks: the rest of the sign-in sequence (complete()) for the first login that
// worked. A federated server only takes server tokens, which the portal issues in exchange for its
// own; then the token is tried on --service. Each step opens its check when the sequence attempts
// it, so its requests are shown under it, and its outcome makes the finding.
import { ArcGisBadResponseError, ArcGisRateLimitedError, ArcGisRefusedError, ArcGisUnreachableError, TokenVendingError, describeError, quoteArcGisError } from '../../domain/errors.js';
import { parseSiteUrl } from '../../arcgis/discovery.js';
import { EXCHANGE_TOKEN_REFUSED, NOT_FEDERATED, SERVICE_NOT_ARCGIS, SERVICE_NOT_SHARED, TOKEN_NOT_SEEN, WRONG_DISPENSER } from '../../arcgis/hints.js';
import type { SignInEvent } from '../../arcgis/sign-in.js';
import type { IssuedToken } from '../../arcgis/token-response.js';
import { minutesBetween, minutesText, rateLimitFinding, type DoctorDeps, type Finding, type SiteSummary } from './findings.js';
import type { Obtained } from './logins.js';
import type { DoctorRun } from './run.js';

/** The token apps would use (the server token for a federated server), or undefined when a step failed. */
export async function exchangeAndServiceChecks(run: DoctorRun, site: SiteSummary, obtained: Obtained, deps: Pick<DoctorDeps, 'now'>): Promise<IssuedToken | undefined> {
  const { referer } = obtained.loggedIn;
  const report = (event: SignInEvent): void => {
    if (event.step === 'exchange') {
      if (event.outcome === 'attempted') return run.start('exchange', `Token exchange for the federated server ${event.serverUrl}`);
      if (event.outcome === 'succeeded') {
        run.add({ verdict: 'ok', summary: `the portal exchanged its token for a server token for ${event.serverUrl} (valid ${minutesText(minutesBetween(deps.now(), event.expires))}, never longer than the portal token)` });
      }
      if (event.outcome === 'failed') run.add(exchangeFailure(event.serverUrl, event.error, referer));
      run.finish();
    }
    if (event.step === 'check') {
      if (event.outcome === 'attempted') return run.start('service', `Token on the service ${event.url}`);
      if (event.outcome === 'succeeded') run.add({ verdict: 'ok', summary: `the token works on ${event.url}${referer !== undefined ? ` (sent with Referer ${referer})` : ''}` });
      if (event.outcome === 'failed') run.add(serviceFailure(event.url, event.error, site, referer));
      run.finish();
    }
  };
  try {
    return await obtained.loggedIn.complete(report);
  } catch (error) {
    if (error instanceof TokenVendingError) return undefined; // reported above
    throw error;
  }
}

function exchangeFailure(serverUrl: string, error: TokenVendingError, referer: string | undefined): Finding {
  if (error instanceof ArcGisRefusedError) {
    const said = quoteArcGisError(error.arcgis);
    if (error.arcgis.code === 498 || error.arcgis.code === 499) {
      return { verdict: 'fail', summary: `the portal refused its own fresh token in the exchange (${said})`, cause: EXCHANGE_TOKEN_REFUSED.cause(referer), fix: EXCHANGE_TOKEN_REFUSED.fix };
    }
    return { verdict: 'fail', summary: `the portal would not issue a token for ${serverUrl} (${said})`, cause: NOT_FEDERATED.cause, fix: NOT_FEDERATED.fix };
  }
  if (error instanceof ArcGisRateLimitedError) return rateLimitFinding(error, `the exchange for ${serverUrl}`);
  return { verdict: 'fail', summary: `the exchange for ${serverUrl} failed`, cause: describeError(error) };
}

function serviceFailure(serviceUrl: string, error: TokenVendingError, site: SiteSummary, referer: string | undefined): Finding {
  if (error instanceof ArcGisRefusedError) {
    const said = quoteArcGisError(error.arcgis);
    switch (error.arcgis.code) {
      case 498:
        return { verdict: 'fail', summary: `the service refused the token (${said}): wrong dispenser`, cause: WRONG_DISPENSER.cause(site, serviceUrl, referer), fix: WRONG_DISPENSER.fix(parseSiteUrl(serviceUrl).root) };
      case 499:
        return { verdict: 'fail', summary: `the service did not see the token (${said})`, cause: TOKEN_NOT_SEEN.cause, fix: TOKEN_NOT_SEEN.fix };
      case 403:
        return { verdict: 'fail', summary: `the account may not use the service (${said})`, cause: SERVICE_NOT_SHARED.cause, fix: SERVICE_NOT_SHARED.fix };
      default:
        return { verdict: 'fail', summary: `the service refused the token (${said})`, cause: error.message };
    }
  }
  if (error instanceof ArcGisBadResponseError) {
    const cause = error.httpStatus === 404 ? SERVICE_NOT_ARCGIS.notFound : error.kind === 'redirect' ? SERVICE_NOT_ARCGIS.redirect : error.message;
    return { verdict: 'fail', summary: `${serviceUrl} answered HTTP ${error.httpStatus} with no ArcGIS JSON`, cause, fix: SERVICE_NOT_ARCGIS.fix };
  }
  if (error instanceof ArcGisUnreachableError) return { verdict: 'fail', summary: `no answer from ${serviceUrl}`, cause: error.message };
  if (error instanceof ArcGisRateLimitedError) return rateLimitFinding(error, `the token on ${serviceUrl}`);
  return { verdict: 'fail', summary: `checking the service failed: ${describeError(error)}` };
}

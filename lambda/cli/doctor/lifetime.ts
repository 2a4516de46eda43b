// Doctor's checks on what the login returned, which need no further request: whether every URL is
// https:// and ArcGIS marks its tokens ssl:true (HTTPS only), and the longest lifetime the site
// grants (ArcGIS shortens a request beyond its maximum without saying so).
import { LIFETIME_CAPPED, PLAIN_HTTP_ALLOWED, SSL_FALSE } from '../../arcgis/hints.js';
import type { IssuedToken } from '../../arcgis/token-response.js';
import { isPlainHttp, minutesText, type DoctorOptions, type Finding, type SiteSummary } from './findings.js';
import type { DoctorRun } from './run.js';

export function httpsCheck(run: DoctorRun, site: SiteSummary, options: DoctorOptions, token: IssuedToken | undefined): Promise<void> {
  return run.check('https', 'HTTPS and the ssl flag', async () => run.add(httpsFinding(site, options, token, options.credentials.kind === 'app')));
}

function httpsFinding(site: SiteSummary, options: DoctorOptions, token: IssuedToken | undefined, appCredentials: boolean): Finding {
  const urls = [options.url, site.tokenUrl, appCredentials ? site.oauthUrl : undefined, options.serviceUrl].filter((u): u is string => u !== undefined);
  const plain = [...new Set(urls.filter(isPlainHttp))];
  if (plain.length > 0) {
    return { verdict: 'warn', summary: `plain http:// (allowed by --allow-insecure-http): ${plain.join(', ')}`, cause: PLAIN_HTTP_ALLOWED.cause, fix: PLAIN_HTTP_ALLOWED.fix };
  }
  if (token === undefined) return { verdict: 'ok', summary: 'every URL is https:// (the ssl flag is unknown: no token was issued)' };
  if (appCredentials) return { verdict: 'ok', summary: 'every URL is https:// (app tokens carry no ssl flag)' };
  if (token.ssl) return { verdict: 'ok', summary: 'every URL is https://, and ArcGIS marks the tokens ssl:true (HTTPS only)' };
  return { verdict: 'warn', summary: 'ArcGIS marks the tokens ssl:false: the site also accepts them over plain http', cause: SSL_FALSE.cause, fix: SSL_FALSE.fix };
}

/** `longest`: the lifetime the first working login was granted, in minutes; null when none worked. */
export function lifetimeCheck(run: DoctorRun, longest: number | null, requestedMinutes: number): Promise<void> {
  return run.check('lifetime', `Longest token lifetime (asked for ${requestedMinutes} minutes)`, async () => {
    if (longest === null) {
      run.add({ verdict: 'skip', summary: 'not known: no token was issued' });
    } else if (longest >= requestedMinutes) {
      run.add({ verdict: 'ok', summary: `the site granted ${minutesText(longest)}, as asked` });
    } else {
      run.add({
        verdict: 'warn',
        summary: `the site capped the lifetime at ${minutesText(longest)} (asked for ${minutesText(requestedMinutes)})`,
        cause: LIFETIME_CAPPED.cause,
        fix: LIFETIME_CAPPED.fix(longest),
      });
    }
  });
}

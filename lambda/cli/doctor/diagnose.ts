// The checks behind `doctor`, in the order the report shows them: what the site is (discovery),
// which token endpoints answer, which client modes these credentials get tokens with, HTTPS and the
// ssl flag, the longest lifetime the site grants, the federated exchange and the token on a service.
// Discovery, the logins, the exchange and the check are the sign-in sequence's own steps
// (arcgis/sign-in.ts), whose events make the findings; each check records the requests it made
// (through recording-fetch, so nothing secret).
//
// It logs in at most once per client mode and stops at the first rejected password: repeated
// failed logins lock ArcGIS accounts, so a run costs at most ONE credential failure.
import { MAX_APP_TOKEN_MINUTES } from '../../arcgis/oauth-token.js';
import { discoveryCheck } from './discovery-report.js';
import { endpointsCheck } from './endpoints.js';
import { exchangeAndServiceChecks } from './exchange.js';
import { minutesBetween, type Diagnosis, type DoctorDeps, type DoctorListener, type DoctorOptions, type ModeResult, type SiteSummary, type WorkingSetup } from './findings.js';
import { httpsCheck, lifetimeCheck } from './lifetime.js';
import { appLoginCheck, PROBE_EXPIRATION_MINUTES, userLoginCheck } from './logins.js';
import { DoctorRun } from './run.js';

export async function diagnose(options: DoctorOptions, deps: DoctorDeps, listener: DoctorListener): Promise<Diagnosis> {
  const run = new DoctorRun(options, deps, listener);
  const appCredentials = options.credentials.kind === 'app';
  const requestedMinutes = appCredentials ? MAX_APP_TOKEN_MINUTES : PROBE_EXPIRATION_MINUTES;
  const result = (site: SiteSummary | null, clientModes: ModeResult[], longest: number | null, working: WorkingSetup | null): Diagnosis => ({
    site,
    checks: run.checks,
    clientModes,
    requestedMinutes,
    longestExpirationMinutes: longest,
    working,
  });

  // 1. What is this site?
  const found = await discoveryCheck(run, options);
  if (found === undefined) return result(null, [], null, null);
  const site = found.summary;

  // 2. Which token endpoints answer? Probed without credentials: nothing can be locked.
  const endpointOk = await endpointsCheck(run, site, options.url);

  // 3. Which client modes work with these credentials?
  const modes: ModeResult[] = [];
  const obtained = await (appCredentials ? appLoginCheck : userLoginCheck)(run, found, options, endpointOk, modes);

  // 4. HTTPS and the ssl flag; 5. the longest lifetime the site grants.
  await httpsCheck(run, site, options, obtained?.loggedIn.token);
  const longest = obtained?.mode.grantedMinutes ?? null;
  await lifetimeCheck(run, longest, requestedMinutes);
  if (obtained === undefined) return result(site, modes, longest, null);

  // 6. The exchange for a federated server; 7. the token on --service.
  const token = await exchangeAndServiceChecks(run, site, obtained, deps);
  if (token === undefined) return result(site, modes, longest, null);
  // A server token never outlives the portal token it was exchanged for.
  const lifetime = token === obtained.loggedIn.token ? (obtained.mode.grantedMinutes ?? 0) : Math.min(obtained.mode.grantedMinutes ?? 0, minutesBetween(deps.now(), token.expires));

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

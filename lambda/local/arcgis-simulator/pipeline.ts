// The order every request goes through: recorded and counted, then the fault knobs (a proxy's
// fault for any request, latency and the token faults), then the web tier in front of the portal,
// then its route (or the 404 page). Faults come first: they stand for what is in front of ArcGIS (a
// proxy, a load balancer, the network), which answers before ArcGIS's own web tier would.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyFault, type FaultKnobs, type Pauses } from './faults.js';
import { carriesCredentials, carriesPassword, isExchange, paramsOf, record, type Params, type RecordedRequest } from './requests.js';
import { webTierChallenge } from './responses.js';
import type { Resources } from './resources.js';
import type { Route, TokenEndpoint } from './routes.js';
import type { Site } from './site.js';

/** Every request received, and the token requests by kind, whatever their outcome (faults included). */
export class Traffic {
  readonly requests: RecordedRequest[] = [];
  private logins = 0;
  private passwordLogins = 0;
  private exchanges = 0;
  private oauthRequests = 0;

  countTokenRequest(endpoint: TokenEndpoint, params: Params): void {
    if (endpoint === 'oauth') {
      this.oauthRequests += 1;
      return;
    }
    this.logins += 1;
    if (carriesPassword(params)) this.passwordLogins += 1;
    else if (endpoint === 'portal' && isExchange(params)) this.exchanges += 1;
  }

  /** generateToken requests (portal, standalone server, admin API). */
  loginCount(): number {
    return this.logins;
  }

  /** generateToken requests carrying a username or a password. */
  passwordLoginCount(): number {
    return this.passwordLogins;
  }

  /** Portal generateToken requests carrying a token and no username/password. */
  exchangeCount(): number {
    return this.exchanges;
  }

  oauthCount(): number {
    return this.oauthRequests;
  }
}

export interface Pipeline {
  site: Site;
  routes: ReadonlyMap<string, Route>;
  resources: Resources;
  knobs: FaultKnobs;
  pauses: Pauses;
  traffic: Traffic;
}

export async function answerRequest(req: IncomingMessage, res: ServerResponse, pipeline: Pipeline): Promise<void> {
  const { site, routes, resources, knobs, pauses, traffic } = pipeline;
  const recorded = await record(req);
  if (recorded === undefined) return; // the client went away while sending its body
  traffic.requests.push(recorded);
  const { path } = recorded;
  const params = paramsOf(recorded);

  const route = routes.get(path);
  const endpoint = route?.endpoint;
  const otherLatency = knobs.otherLatencyMs();
  if (endpoint === undefined && otherLatency !== undefined) await pauses.sleep(otherLatency);
  if (endpoint !== undefined) traffic.countTokenRequest(endpoint, params);
  // A fault for any request (rest/info included), as a rate-limiting proxy in front of the site gives.
  const anyFault = knobs.takeRequestFault();
  if (anyFault !== undefined && (await applyFault(anyFault, req, res, recorded, pauses))) return;
  if (endpoint !== undefined) {
    await pauses.sleep(knobs.tokenLatencyMs());
    const fault = knobs.takeTokenFault(carriesCredentials(params));
    if (fault !== undefined && (await applyFault(fault, req, res, recorded, pauses))) return;
  }
  // The web tier (IIS with IWA, or a SAML-protected adaptor) answers before the portal sees anything.
  const { webTierLogin } = site.options;
  if (webTierLogin !== undefined && site.onPortal(path)) return webTierChallenge(res, webTierLogin);
  if (route === undefined) return resources.notFound(res);
  route.handle(req, res, params);
}

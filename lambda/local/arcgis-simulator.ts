// A simulated ArcGIS site served over real HTTP on loopback: a Portal, a standalone ArcGIS Server
// (with its Administrator API) and, optionally, servers federated with the portal (registered or
// not), each behind its own web adaptor. The local dev server uses it when no real ArcGIS is at
// hand, and the test suite uses it to exercise the token client against the answers real sites
// give, including the awkward ones (HTML pages, HTTP 200 error bodies, real HTTP 498/499 statuses,
// web-tier SAML/IWA logins, redirects, huge bodies, hangs, resets).
//
// This file composes the parts in arcgis-simulator/ and is the only one importers use:
//   options.ts     what a test may ask for, its defaults and checks
//   site.ts        where the portal, the server and the federated servers live; advertise()
//   payloads.ts    every answer, verbatim where real servers' answers are on record
//                  (test/fixtures/arcgis-payloads.ts); the others are marked "simulator-chosen"
//   routes.ts      the route table (path → handler) and the site's layout
//   dispensers.ts  the token endpoints (generateToken, the token exchange, oauth2/token)
//   resources.ts   info, services directories, the secured layer, portals/self, the admin root
//   tokens.ts      issuing, checking and revoking tokens
//   accounts.ts    users, apps, lockout
//   faults.ts      the fault kinds, their queues, latency, and the timers close() cancels
//   pipeline.ts    the order a request goes through (record, count, faults, web tier, route)
//   requests.ts, responses.ts  reading parameters as ArcGIS does, writing answers as it does
//
// The simulator never logs: requests carry passwords and answers carry tokens.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Accounts } from './arcgis-simulator/accounts.js';
import { Dispensers } from './arcgis-simulator/dispensers.js';
import { FaultKnobs, Pauses, type SimulatorFault } from './arcgis-simulator/faults.js';
import { resolveOptions, type ArcGisSimulatorOptions, type SimulatorAdvertised } from './arcgis-simulator/options.js';
import { HTML_TYPE, INTERNAL_ERROR_PAGE } from './arcgis-simulator/payloads.js';
import { answerRequest, Traffic } from './arcgis-simulator/pipeline.js';
import type { RecordedRequest } from './arcgis-simulator/requests.js';
import { Resources } from './arcgis-simulator/resources.js';
import { send } from './arcgis-simulator/responses.js';
import { routeTable } from './arcgis-simulator/routes.js';
import { Site } from './arcgis-simulator/site.js';
import { TokenLedger } from './arcgis-simulator/tokens.js';

export type { SimulatorFault } from './arcgis-simulator/faults.js';
export {
  DEFAULT_SIMULATOR_USER,
  type ArcGisSimulatorOptions,
  type SimulatorAdvertised,
  type SimulatorApp,
  type SimulatorFederatedServer,
  type SimulatorUser,
} from './arcgis-simulator/options.js';
export type { RecordedRequest } from './arcgis-simulator/requests.js';

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

export async function startArcGisSimulator(options: ArcGisSimulatorOptions = {}): Promise<ArcGisSimulator> {
  const site = new Site(resolveOptions(options));
  const ledger = new TokenLedger(site.options.now);
  const accounts = new Accounts(site.options.users, site.options.apps, site.options.lockAfterFailures);
  const resources = new Resources(site, ledger);
  const knobs = new FaultKnobs();
  const pauses = new Pauses();
  const traffic = new Traffic();
  const pipeline = { site, routes: routeTable(site, new Dispensers(site, ledger, accounts), resources), resources, knobs, pauses, traffic };

  const server: Server = createServer((req, res) => {
    answerRequest(req, res, pipeline).catch(() => {
      // No logging (requests carry passwords): answer 500 if still possible, else drop the socket.
      if (!res.headersSent && !res.destroyed) send(res, 500, HTML_TYPE, INTERNAL_ERROR_PAGE);
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(site.options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  site.listening((server.address() as AddressInfo).port);
  const { url, portalUrl, serverUrl } = site;

  return {
    url,
    portalUrl,
    serverUrl,
    portalTokenUrl: `${portalUrl}/sharing/rest/generateToken`,
    serverTokenUrl: `${serverUrl}${site.serverTokenSuffix}`,
    adminTokenUrl: `${serverUrl}/admin/generateToken`,
    oauthTokenUrl: `${portalUrl}/sharing/rest/oauth2/token`,
    requests: traffic.requests,
    federatedServerUrl: (adaptor: string) => `${url}/${adaptor}`,
    loginCount: () => traffic.loginCount(),
    passwordLoginCount: () => traffic.passwordLoginCount(),
    failedLoginCount: () => accounts.failedLogins(),
    exchangeCount: () => traffic.exchangeCount(),
    oauthCount: () => traffic.oauthCount(),
    failNext: (fault: SimulatorFault, times?: number) => knobs.failNext(fault, times),
    failNextRequest: (fault: SimulatorFault, times?: number) => knobs.failNextRequest(fault, times),
    failNextLogin: (fault: SimulatorFault, times?: number) => knobs.failNextLogin(fault, times),
    clearFaults: () => knobs.clearFaults(),
    setLatency: (ms: number, scope?: 'token' | 'all') => knobs.setLatency(ms, scope),
    advertise: (adaptor: string, advertised: SimulatorAdvertised | undefined) => site.advertise(adaptor, advertised),
    isLocked: (username: string) => accounts.isLocked(username),
    issuedTokens: () => ledger.issuedCount(),
    revokeAll: () => ledger.revokeAll(),
    close(): Promise<void> {
      if (!pauses.stop()) return Promise.resolve();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hanging, delayed and idle keep-alive sockets would otherwise hold close() open.
        server.closeAllConnections();
      });
    },
  };
}

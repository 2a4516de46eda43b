// The route table: each path the simulated site answers (as sent, not percent-decoded), and what
// answers it. Every other path gets the 404 page, as on real web adaptors.
//
// Layout (URL = http://127.0.0.1:PORT):
//   URL/PORTAL   sharing/rest/generateToken (+ alias sharing/generateToken; password login or token
//                exchange for a federated server), sharing/rest/oauth2/token (+ alias
//                sharing/oauth2/token), sharing/rest/info, sharing/rest/portals/self (secured), home/
//   URL/SERVER   tokens/generateToken (or tokenServicesPath), rest/info, rest/services,
//                rest/services/Demo/FeatureServer/0 (secured), admin/generateToken, admin/ (secured)
//   URL/FED      rest/info (owningSystemUrl = the portal), rest/services,
//                rest/services/Demo/FeatureServer/0 (secured: exchanged server tokens only)
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispensers, PasswordDispenser } from './dispensers.js';
import type { Params } from './requests.js';
import type { Resources } from './resources.js';
import type { Site } from './site.js';
import { forFederatedServer, fromDispenser } from './tokens.js';

export type TokenEndpoint = PasswordDispenser | 'oauth';

export interface Route {
  /** Set on the token endpoints: they are counted, delayed by setLatency and take failNext's and failNextLogin's faults. */
  endpoint?: TokenEndpoint;
  handle(req: IncomingMessage, res: ServerResponse, params: Params): void;
}

export function routeTable(site: Site, dispensers: Dispensers, resources: Resources): ReadonlyMap<string, Route> {
  const routes = new Map<string, Route>();
  // tokenServicesPath may name a path a resource also has (say /rest/info): the first route added
  // for a path wins, so token endpoints come first, then the portal's, the server's, the federated ones.
  const add = (paths: string[], route: Route): void => {
    for (const path of paths) if (!routes.has(path)) routes.set(path, route);
  };
  const { portalPath, serverPath } = site;
  const password = (endpoint: PasswordDispenser): Route => ({
    endpoint,
    handle: (req, res, params) => dispensers.generateToken(req, res, endpoint, params),
  });

  add([`${portalPath}/sharing/rest/generateToken`, `${portalPath}/sharing/generateToken`], password('portal'));
  add([`${serverPath}${site.serverTokenSuffix}`], password('server'));
  add([`${serverPath}/admin/generateToken`], password('admin'));
  add([`${portalPath}/sharing/rest/oauth2/token`, `${portalPath}/sharing/oauth2/token`], {
    endpoint: 'oauth',
    handle: (req, res, params) => dispensers.oauthToken(req, res, params),
  });

  add([`${serverPath}/rest/info`], { handle: (_req, res, params) => resources.standaloneServerInfo(res, params) });
  add([`${serverPath}/rest/services`, `${serverPath}/rest/services/`], {
    handle: (req, res, params) => resources.servicesListing(req, res, params, 11.3, fromDispenser('server')),
  });
  // This service lives on the standalone server: portal, admin and federated tokens are from the wrong dispenser.
  add([`${serverPath}/rest/services/Demo/FeatureServer/0`], {
    handle: (req, res, params) => resources.securedLayer(req, res, params, fromDispenser('server')),
  });
  add([`${serverPath}/admin`, `${serverPath}/admin/`], { handle: (req, res, params) => resources.adminRoot(req, res, params) });
  add([`${portalPath}/sharing/rest/info`], { handle: (_req, res, params) => resources.portalInfo(res, params) });
  add([`${portalPath}/sharing/rest/portals/self`], { handle: (req, res, params) => resources.portalSelf(req, res, params) });
  add([`${portalPath}/home/`], { handle: (_req, res) => resources.portalHome(res) });
  add([`${portalPath}/home`], { handle: (_req, res) => resources.portalHomeRedirect(res) });

  for (const { adaptor } of site.federated) {
    const fedPath = `/${adaptor}`;
    // Only server tokens the portal issued for this very server; a portal token used directly is
    // from the wrong dispenser.
    const accepts = forFederatedServer(adaptor);
    add([`${fedPath}/rest/info`], { handle: (_req, res, params) => resources.federatedServerInfo(res, params, adaptor) });
    add([`${fedPath}/rest/services`, `${fedPath}/rest/services/`], {
      handle: (req, res, params) => resources.servicesListing(req, res, params, 10.61, accepts),
    });
    add([`${fedPath}/rest/services/Demo/FeatureServer/0`], { handle: (req, res, params) => resources.securedLayer(req, res, params, accepts) });
    // Anything else on a federated server, its tokens/generateToken included (token generation is
    // the portal's job), gets the 404 page.
  }
  return routes;
}

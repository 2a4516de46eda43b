// The resources a client reads besides the token endpoints: each site's info (where discovery
// starts), the services directories, the secured demo layer, the portal's portals/self and home
// page, and the Server Administrator API root. The secured ones check tokens as ArcGIS does.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ADMIN_LOGIN_PAGE,
  ADMIN_ROOT,
  ADMIN_TOKEN_EXPIRED,
  ADMIN_TOKEN_NOT_FOUND,
  DEMO_LAYER,
  DEMO_LAYER_PAGE,
  federatedServerInfo,
  HTML_TYPE,
  INVALID_TOKEN,
  INVALID_TOKEN_LOWER,
  NOT_FOUND_PAGE,
  PORTAL_HOME_PAGE,
  PORTAL_INFO_PAGE,
  PORTAL_SELF_PAGE,
  portalInfo,
  portalSelfAnswer,
  SERVER_INFO_PAGE,
  servicesDirectory,
  SERVICES_DIRECTORY_PAGE,
  standaloneServerInfo,
  TOKEN_REQUIRED,
} from './payloads.js';
import { presentedToken, wantsJson, type Params } from './requests.js';
import { send, sendJson, type Product } from './responses.js';
import type { Site } from './site.js';
import { fromDispenser, type Accepts, type TokenLedger } from './tokens.js';

export class Resources {
  constructor(
    private readonly site: Site,
    private readonly ledger: TokenLedger,
  ) {}

  standaloneServerInfo(res: ServerResponse, params: Params): void {
    if (!wantsJson(params)) return send(res, 200, HTML_TYPE, SERVER_INFO_PAGE);
    const { site } = this;
    const info = standaloneServerInfo(`${site.serverUrl}${site.tokenServiceSuffix}`);
    sendJson(res, 'server', params, site.advertisedInfo(site.options.serverAdaptor, info));
  }

  /** A federated server's rest/info sends its callers to the portal for tokens. */
  federatedServerInfo(res: ServerResponse, params: Params, adaptor: string): void {
    if (!wantsJson(params)) return send(res, 200, HTML_TYPE, SERVER_INFO_PAGE);
    sendJson(res, 'server', params, this.site.advertisedInfo(adaptor, federatedServerInfo(this.site.portalUrl)));
  }

  portalInfo(res: ServerResponse, params: Params): void {
    if (!wantsJson(params)) return send(res, 200, HTML_TYPE, PORTAL_INFO_PAGE);
    sendJson(res, 'portal', params, this.site.advertisedInfo(this.site.options.portalAdaptor, portalInfo(this.site.portalUrl)));
  }

  /** The services directory is public, but ArcGIS Server checks any token it is given: a dead one gets 498. */
  servicesListing(req: IncomingMessage, res: ServerResponse, params: Params, currentVersion: number, accepts: Accepts): void {
    if (!wantsJson(params)) return send(res, 200, HTML_TYPE, SERVICES_DIRECTORY_PAGE);
    const presented = presentedToken(req, params);
    if (presented !== undefined) {
      const check = this.ledger.check(req.headers.referer, presented, accepts);
      if (!check.ok) return this.tokenError(res, 'server', params, check.code);
    }
    sendJson(res, 'server', params, servicesDirectory(currentVersion));
  }

  /** The demo layer, answering only tokens `accepts` takes (a token from another dispenser gets 498). */
  securedLayer(req: IncomingMessage, res: ServerResponse, params: Params, accepts: Accepts): void {
    if (!wantsJson(params)) return send(res, 200, HTML_TYPE, DEMO_LAYER_PAGE);
    const check = this.ledger.check(req.headers.referer, presentedToken(req, params), accepts);
    if (!check.ok) return this.tokenError(res, 'server', params, check.code);
    sendJson(res, 'server', params, DEMO_LAYER);
  }

  /** A secured portal resource (the simulated portal allows no anonymous access): any valid portal token, app tokens included. */
  portalSelf(req: IncomingMessage, res: ServerResponse, params: Params): void {
    if (!wantsJson(params)) return send(res, 200, HTML_TYPE, PORTAL_SELF_PAGE);
    const check = this.ledger.check(req.headers.referer, presentedToken(req, params), fromDispenser('portal'));
    if (!check.ok) return this.tokenError(res, 'portal', params, check.code);
    sendJson(res, 'portal', params, portalSelfAnswer(check.issued.username));
  }

  /** Server Administrator API root: admin tokens only, errors in the admin shape (always HTTP 200). */
  adminRoot(req: IncomingMessage, res: ServerResponse, params: Params): void {
    if (!wantsJson(params)) return send(res, 200, HTML_TYPE, ADMIN_LOGIN_PAGE);
    const check = this.ledger.check(req.headers.referer, presentedToken(req, params), fromDispenser('admin'));
    // Every unusable token (expired, unknown, another dispenser's, wrong referer) gets "Token Expired.".
    if (!check.ok) return sendJson(res, 'server', params, check.code === 499 ? ADMIN_TOKEN_NOT_FOUND : ADMIN_TOKEN_EXPIRED);
    sendJson(res, 'server', params, ADMIN_ROOT);
  }

  portalHome(res: ServerResponse): void {
    send(res, 200, HTML_TYPE, PORTAL_HOME_PAGE);
  }

  /** home without its slash: the web server's redirect to home/. */
  portalHomeRedirect(res: ServerResponse): void {
    res.setHeader('Location', `${this.site.portalUrl}/home/`);
    send(res, 301, HTML_TYPE, '');
  }

  notFound(res: ServerResponse): void {
    send(res, 404, HTML_TYPE, NOT_FOUND_PAGE);
  }

  /** 498/499: HTTP 200 with the error body, or (httpStatusErrors) the real HTTP status. */
  private tokenError(res: ServerResponse, product: Product, params: Params, code: 498 | 499): void {
    const { httpStatusErrors } = this.site.options;
    if (code === 499) return sendJson(res, product, params, TOKEN_REQUIRED, httpStatusErrors ? 499 : 200);
    if (httpStatusErrors) return sendJson(res, product, params, INVALID_TOKEN_LOWER, 498);
    sendJson(res, product, params, product === 'portal' ? INVALID_TOKEN_LOWER : INVALID_TOKEN);
  }
}

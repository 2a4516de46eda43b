// The token endpoints: generateToken on the portal, the standalone server and its Administrator
// API (password logins, and the portal's token exchange for a federated server), and the portal's
// OAuth 2.0 oauth2/token (app credentials).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Accounts } from './accounts.js';
import {
  ADMIN_CLIENT_ID_UNDETERMINED,
  ADMIN_INVALID_CREDENTIALS,
  appTokenAnswer,
  CLIENT_ID_UNDETERMINED,
  EXCHANGE_REFUSED,
  GENERATE_TOKEN_PAGE,
  HTML_TYPE,
  INVALID_TOKEN_LOWER,
  OAUTH_INVALID_CLIENT,
  OAUTH_UNSUPPORTED_GRANT,
  PORTAL_INVALID_CREDENTIALS,
  SERVER_INVALID_CREDENTIALS,
  tokenAnswer,
} from './payloads.js';
import { clientMode, isExchange, requestedMinutes, serverUrlParameter, wantsJson, type Params } from './requests.js';
import { methodNotAllowed, send, sendJson, type Product } from './responses.js';
import type { Site } from './site.js';
import { fromDispenser, type Dispenser, type TokenLedger } from './tokens.js';

/** The generateToken endpoints, by who answers them. */
export type PasswordDispenser = 'portal' | 'server' | 'admin';

const DEFAULT_EXPIRATION_MINUTES = 60;
const OAUTH_DEFAULT_EXPIRATION_MINUTES = 120;
const OAUTH_MAX_EXPIRATION_MINUTES = 20160; // 14 days

export class Dispensers {
  constructor(
    private readonly site: Site,
    private readonly ledger: TokenLedger,
    private readonly accounts: Accounts,
  ) {}

  generateToken(req: IncomingMessage, res: ServerResponse, endpoint: PasswordDispenser, params: Params): void {
    // Real servers refuse GET so that credentials never end up in URLs and access logs.
    if (req.method !== 'POST') return methodNotAllowed(res);
    // The default output format is html: without f=json a real server answers its HTML form page
    // (with HTTP 200), which naive clients then fail to parse as JSON.
    if (!wantsJson(params)) return send(res, 200, HTML_TYPE, GENERATE_TOKEN_PAGE);
    const product: Product = endpoint === 'portal' ? 'portal' : 'server';

    if (endpoint === 'portal' && isExchange(params)) return this.exchangeToken(req, res, params);

    // Credentials first, then the client mode (a wrong password with a bad client mode is a 401/400).
    const username = params['username'] ?? '';
    if (!this.accounts.checkPassword(username, params['password'] ?? '')) {
      // Wrong credentials are HTTP 200 with an error body; the products word it differently.
      const answer =
        endpoint === 'portal' ? PORTAL_INVALID_CREDENTIALS : endpoint === 'admin' ? ADMIN_INVALID_CREDENTIALS : SERVER_INVALID_CREDENTIALS;
      return sendJson(res, product, params, answer);
    }

    const client = clientMode(params);
    if (client === undefined) {
      return sendJson(res, product, params, endpoint === 'admin' ? ADMIN_CLIENT_ID_UNDETERMINED : CLIENT_ID_UNDETERMINED);
    }

    // A portal login may name a federated server in serverUrl: the answer is then a token for that
    // server (only if it is registered with the portal), as the portal's generateToken documents.
    let dispenser: Dispenser = endpoint;
    let federatedAdaptor: string | undefined;
    const serverUrlParam = endpoint === 'portal' ? serverUrlParameter(params) : undefined;
    if (serverUrlParam !== undefined) {
      const fed = this.site.federatedServerFor(serverUrlParam);
      if (fed === undefined || !fed.registered) return sendJson(res, product, params, EXCHANGE_REFUSED);
      dispenser = 'federated';
      federatedAdaptor = fed.adaptor;
    }

    const { maxExpirationMinutes, expiresAsString, ssl, now } = this.site.options;
    // A lifetime beyond the site maximum is silently capped: clients must trust the returned expires.
    const minutes = Math.min(requestedMinutes(params['expiration'], DEFAULT_EXPIRATION_MINUTES), maxExpirationMinutes);
    const expires = now() + Math.floor(minutes * 60_000);
    const token = this.ledger.issue({
      username,
      dispenser,
      federatedAdaptor,
      client,
      referer: client === 'referer' ? params['referer'] : undefined,
      ip: client === 'ip' ? params['ip'] : client === 'requestip' ? req.socket.remoteAddress : undefined,
      expires,
    });
    sendJson(res, product, params, tokenAnswer(token, expires, expiresAsString, ssl));
  }

  /**
   * token=PORTAL_TOKEN&serverUrl=SERVER_URL: a server token for a federated server registered with
   * the portal, bound like the portal token (referer, ip) and expiring exactly when it does.
   */
  private exchangeToken(req: IncomingMessage, res: ServerResponse, params: Params): void {
    // Using the portal token here is a use like any other: it must be valid, from the portal, and
    // sent with its Referer if it is referer-bound.
    const check = this.ledger.check(req.headers.referer, params['token'], fromDispenser('portal'));
    if (!check.ok) return sendJson(res, 'portal', params, INVALID_TOKEN_LOWER);
    const serverUrlParam = serverUrlParameter(params);
    const fed = serverUrlParam === undefined ? undefined : this.site.federatedServerFor(serverUrlParam);
    if (fed === undefined || !fed.registered) return sendJson(res, 'portal', params, EXCHANGE_REFUSED);
    const portalToken = check.issued;
    const token = this.ledger.issue({ ...portalToken, dispenser: 'federated', federatedAdaptor: fed.adaptor });
    const { expiresAsString, ssl } = this.site.options;
    sendJson(res, 'portal', params, tokenAnswer(token, portalToken.expires, expiresAsString, ssl));
  }

  /** OAuth 2.0 client_credentials: an app token, which is a portal token bound to nothing. */
  oauthToken(req: IncomingMessage, res: ServerResponse, params: Params): void {
    // Simulator-chosen strictness: a client secret must never travel in a URL.
    if (req.method !== 'POST') return methodNotAllowed(res);
    // The OAuth endpoint answers JSON whatever f says (f=pjson still pretty-prints).
    if (!this.accounts.checkApp(params['client_id'], params['client_secret'])) return sendJson(res, 'portal', params, OAUTH_INVALID_CLIENT);
    if (params['grant_type'] !== 'client_credentials') return sendJson(res, 'portal', params, OAUTH_UNSUPPORTED_GRANT);
    // expiration in minutes, silently capped at 14 days; expires_in is in SECONDS.
    const minutes = Math.min(requestedMinutes(params['expiration'], OAUTH_DEFAULT_EXPIRATION_MINUTES), OAUTH_MAX_EXPIRATION_MINUTES);
    const expiresIn = Math.floor(minutes * 60);
    const token = this.ledger.issue({
      username: undefined,
      dispenser: 'portal',
      federatedAdaptor: undefined,
      client: 'app',
      referer: undefined,
      ip: undefined,
      expires: this.site.options.now() + expiresIn * 1000,
    });
    sendJson(res, 'portal', params, appTokenAnswer(token, expiresIn));
  }
}

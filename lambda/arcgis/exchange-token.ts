// A federated ArcGIS Server accepts only server tokens, which the portal issues in exchange for a
// portal token (POST generateToken with token + serverUrl). The server token keeps the portal
// token's referer and never outlives it.
import { ArcGisRefusedError } from '../domain/errors.js';
import { EXCHANGE_TOKEN_REFUSED, NOT_FEDERATED } from './hints.js';
import { postForm, type HttpOptions } from './http.js';
import { withoutSecrets } from './redaction.js';
import { parseTokenAnswer, type IssuedToken } from './token-response.js';

export interface ExchangeRequest {
  portalTokenUrl: string;
  portalToken: IssuedToken;
  serverUrl: string;
  /** The referer the portal token is bound to: presenting it needs that Referer header. */
  referer?: string | undefined;
}

export async function exchangeForServerToken(request: ExchangeRequest, options: HttpOptions & { now: () => number }): Promise<IssuedToken> {
  try {
    return await exchange(request, options);
  } catch (error) {
    throw withoutSecrets(error, [request.portalToken.token]);
  }
}

async function exchange(request: ExchangeRequest, options: HttpOptions & { now: () => number }): Promise<IssuedToken> {
  const form = new URLSearchParams({ token: request.portalToken.token, serverUrl: request.serverUrl, f: 'json' });
  if (request.referer !== undefined) form.set('referer', request.referer);
  const answer = await postForm(request.portalTokenUrl, form, { ...options, headers: { ...options.headers, ...(request.referer !== undefined ? { referer: request.referer } : {}) } });
  let server: IssuedToken;
  try {
    server = parseTokenAnswer(answer, options.now());
  } catch (error) {
    if (error instanceof ArcGisRefusedError && (error.arcgis.code === 498 || error.arcgis.code === 499)) {
      throw new ArcGisRefusedError(error.arcgis, EXCHANGE_TOKEN_REFUSED.message(request.referer));
    }
    if (error instanceof ArcGisRefusedError) throw new ArcGisRefusedError(error.arcgis, NOT_FEDERATED.message(request.serverUrl));
    throw error;
  }
  return { ...server, expires: Math.min(server.expires, request.portalToken.expires) };
}

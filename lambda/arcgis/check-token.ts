// Is a cached token still alive? ArcGIS can invalidate tokens before `expires` (a new token key on
// the server, a site restored or recreated, an account disabled), and the only sign is a 498 when
// the token is used. One cheap authenticated GET tells: ArcGIS checks a token on any request that
// carries one, public resources included.
import { ArcGisRefusedError, TokenVendingError } from '../errors.js';
import { getJson, type HttpOptions } from './http.js';
import { errorInfo, parseJson } from './token-response.js';

/** `revoked`: ArcGIS answered 498; `unknown`: the check could not tell (no answer, not JSON, 499). */
export type TokenVerdict = 'alive' | 'revoked' | 'unknown';

export interface TokenCheckRequest {
  /** A resource that needs a token: the target's serviceUrl, the portal's portals/self, a server's services directory. */
  url: string;
  token: string;
  /** A referer-bound token needs exactly this Referer. */
  referer?: string | undefined;
}

export async function checkTokenAlive(request: TokenCheckRequest, options: HttpOptions): Promise<TokenVerdict> {
  const url = new URL(request.url);
  url.searchParams.set('f', 'json');
  let json: unknown;
  try {
    const answer = await getJson(url.href, {
      ...options,
      headers: { 'x-esri-authorization': `Bearer ${request.token}`, ...(request.referer !== undefined ? { referer: request.referer } : {}) },
    });
    // Some servers send 498 as the real HTTP status; errorInfo reads either.
    json = parseJson({ ...answer, url: `${url.origin}${url.pathname}` });
    const info = errorInfo(json, answer);
    if (info === undefined) return 'alive';
    if (info.code === 498) return 'revoked';
    // 403: the token is known and valid, the account may just not read this resource.
    if (info.code === 403) return 'alive';
    return 'unknown';
  } catch (error) {
    // An HTTP 498 with no JSON body is ArcGIS saying Invalid Token all the same.
    if (error instanceof ArcGisRefusedError && error.arcgis.code === 498) return 'revoked';
    // No answer, not JSON, a redirect, rate limiting: the check cannot tell, and says so.
    if (error instanceof TokenVendingError) return 'unknown';
    throw error;
  }
}

// Is a cached token still alive? ArcGIS can invalidate tokens before `expires` (a new token key on
// the server, a site restored or recreated, an account disabled), and the only sign is a 498 when
// the token is used. One cheap authenticated GET tells: ArcGIS checks a token on any request that
// carries one, public resources included.
import { ArcGisRefusedError, TokenVendingError } from '../domain/errors.js';
import type { HttpOptions } from './http.js';
import { presentToken, type Presentation } from './present-token.js';

/** `revoked`: ArcGIS answered 498; `unknown`: the check could not tell (no answer, not JSON, 499). */
export type TokenVerdict = 'alive' | 'revoked' | 'unknown';

export type TokenCheckRequest = Presentation;

export async function checkTokenAlive(request: TokenCheckRequest, options: HttpOptions): Promise<TokenVerdict> {
  try {
    // Some servers send 498 as the real HTTP status; presentToken reads either.
    const { arcgis } = await presentToken(request, options);
    if (arcgis === undefined) return 'alive';
    if (arcgis.code === 498) return 'revoked';
    // 403: the token is known and valid, the account may just not read this resource.
    if (arcgis.code === 403) return 'alive';
    return 'unknown';
  } catch (error) {
    // An HTTP 498 with no JSON body is ArcGIS saying Invalid Token all the same.
    if (error instanceof ArcGisRefusedError && error.arcgis.code === 498) return 'revoked';
    // No answer, not JSON, a redirect, rate limiting: the check cannot tell, and says so.
    if (error instanceof TokenVendingError) return 'unknown';
    throw error;
  }
}

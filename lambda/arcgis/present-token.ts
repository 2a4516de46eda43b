// Presents a token to a secured resource the way an app does (GET ?f=json with
// X-Esri-Authorization: Bearer, and the Referer a referer-bound token needs) and reads what ArcGIS
// says. ArcGIS checks a token on any request that carries one, public resources included, and
// reports most refusals with HTTP 200 and an `error` body (some servers send 498/499 as the real
// status). The sign-in sequence's check (validate-token.ts), the revocation check (check-token.ts)
// and smoke all present tokens through here, each drawing its own conclusion from the answer.
import type { ArcGisErrorInfo } from '../domain/errors.js';
import { getJson, type HttpOptions } from './http.js';
import { arcgisTextWithout, withoutSecrets } from './redaction.js';
import { errorInfo, parseJson } from './token-response.js';

export interface Presentation {
  /** A resource that needs a token: a service or layer, the portal's portals/self, a server's services directory. */
  url: string;
  token: string;
  /** A referer-bound token needs exactly this Referer. */
  referer?: string | undefined;
}

export interface PresentationAnswer {
  /** The resource, without its query string. */
  url: string;
  httpStatus: number;
  /** ArcGIS's error, when the answer is one. */
  arcgis?: ArcGisErrorInfo | undefined;
}

/**
 * What the resource answered. Throws (the token taken out of the message) when no ArcGIS JSON came:
 * ArcGisUnreachableError, ArcGisRateLimitedError, ArcGisBadResponseError (a redirect, an oversized
 * body, an HTML page or other text), or ArcGisRefusedError for an HTTP 498/499 without a JSON body.
 */
export async function presentToken(request: Presentation, options: HttpOptions): Promise<PresentationAnswer> {
  try {
    return await present(request, options);
  } catch (error) {
    throw withoutSecrets(error, [request.token]);
  }
}

async function present(request: Presentation, options: HttpOptions): Promise<PresentationAnswer> {
  const url = new URL(request.url);
  url.searchParams.set('f', 'json');
  const answer = await getJson(url.href, {
    ...options,
    headers: { 'x-esri-authorization': `Bearer ${request.token}`, ...(request.referer !== undefined ? { referer: request.referer } : {}) },
  });
  const shown = { ...answer, url: `${url.origin}${url.pathname}` };
  const arcgis = errorInfo(parseJson(shown), shown);
  // A resource may echo the request back in its error, and the error is quoted onwards.
  return { url: shown.url, httpStatus: answer.status, arcgis: arcgis === undefined ? undefined : arcgisTextWithout(arcgis, [request.token]) };
}

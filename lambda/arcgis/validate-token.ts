// Tries a new token on a secured service before it is cached. A 498 there almost always means the
// token came from the wrong dispenser (a standalone server token on a portal's service, a portal
// token on a federated server without exchange), and saying so here saves the user a day.
import { ArcGisBadResponseError, ArcGisRefusedError } from '../domain/errors.js';
import { SERVICE_NOT_SHARED, SERVICE_REFUSED, TOKEN_NOT_SEEN, WRONG_DISPENSER } from './hints.js';
import type { HttpOptions } from './http.js';
import { presentToken, type PresentationAnswer } from './present-token.js';

export interface ValidationRequest {
  serviceUrl: string;
  token: string;
  tokenUrl: string;
  referer?: string | undefined;
}

/** Resolves with the service's answer when it holds no ArcGIS error; throws a typed error saying why otherwise. */
export async function checkTokenOnService(request: ValidationRequest, options: HttpOptions): Promise<PresentationAnswer> {
  let answer: PresentationAnswer;
  try {
    answer = await presentToken({ url: request.serviceUrl, token: request.token, referer: request.referer }, options);
  } catch (error) {
    // The transport's own errors (a redirect, an oversized body) already say where; a page that is
    // not JSON is said to come from the check, so it is not taken for the login's answer.
    if (error instanceof ArcGisBadResponseError && error.kind !== 'redirect' && error.kind !== 'oversized') {
      throw new ArcGisBadResponseError(`Checking the new token on serviceUrl failed: ${error.message}`, error.httpStatus, error.kind);
    }
    throw error;
  }
  const info = answer.arcgis;
  if (info === undefined) return answer;
  const hint =
    info.code === 498 ? WRONG_DISPENSER.message(request.tokenUrl, request.referer) : info.code === 499 ? TOKEN_NOT_SEEN.message : info.code === 403 ? SERVICE_NOT_SHARED.message : SERVICE_REFUSED.message;
  throw new ArcGisRefusedError(info, `${hint} The token was not cached.`);
}

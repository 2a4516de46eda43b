// Tries a new token on a secured service before it is cached. A 498 there almost always means the
// token came from the wrong dispenser (a standalone server token on a portal's service, a portal
// token on a federated server without exchange), and saying so here saves the user a day.
import { ArcGisBadResponseError, ArcGisRefusedError } from '../errors.js';
import { SERVICE_NOT_SHARED, SERVICE_REFUSED, TOKEN_NOT_SEEN, WRONG_DISPENSER } from './hints.js';
import { getJson, type HttpOptions } from './http.js';
import { withoutSecrets } from './redaction.js';
import { errorInfo, parseJson } from './token-response.js';

export interface ValidationRequest {
  serviceUrl: string;
  token: string;
  tokenUrl: string;
  referer?: string | undefined;
}

export async function checkTokenOnService(request: ValidationRequest, options: HttpOptions): Promise<void> {
  try {
    await check(request, options);
  } catch (error) {
    throw withoutSecrets(error, [request.token]);
  }
}

async function check(request: ValidationRequest, options: HttpOptions): Promise<void> {
  const url = new URL(request.serviceUrl);
  url.searchParams.set('f', 'json');
  const answer = await getJson(url.href, {
    ...options,
    headers: { 'x-esri-authorization': `Bearer ${request.token}`, ...(request.referer !== undefined ? { referer: request.referer } : {}) },
  });
  const service = `${url.origin}${url.pathname}`;
  let json: unknown;
  try {
    json = parseJson({ ...answer, url: service });
  } catch (error) {
    if (error instanceof ArcGisBadResponseError) {
      throw new ArcGisBadResponseError(`Checking the new token on serviceUrl failed: ${error.message}`, error.httpStatus, error.kind);
    }
    throw error;
  }
  const info = errorInfo(json, { ...answer, url: service });
  if (info === undefined) return;
  const hint =
    info.code === 498 ? WRONG_DISPENSER.message(request.tokenUrl, request.referer) : info.code === 499 ? TOKEN_NOT_SEEN.message : info.code === 403 ? SERVICE_NOT_SHARED.message : SERVICE_REFUSED.message;
  throw new ArcGisRefusedError(info, `${hint} The token was not cached.`);
}

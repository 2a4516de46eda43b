// Tries a new token on a secured service before it is cached. A 498 there almost always means the
// token came from the wrong dispenser (a standalone server token on a portal's service, a portal
// token on a federated server without exchange), and saying so here saves the user a day.
import { ArcGisBadResponseError, ArcGisRefusedError } from '../errors.js';
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
  const hints: Record<number, string> = {
    498: `The service rejected a fresh token from ${request.tokenUrl}: it came from the wrong dispenser for this service. A server federated with a portal needs a portal token exchanged for a server token (leave the target's kind out to discover it, or set kind federated with the server's URL); a standalone server needs its own token endpoint, not the portal's.${request.referer !== undefined ? ` The check sent Referer: ${request.referer}.` : ''}`,
    499: 'The service did not see the token: a proxy in front of it may strip the X-Esri-Authorization header.',
    403: 'The account behind the token may not access this service: share the service with it or use another account.',
  };
  throw new ArcGisRefusedError(info, `${hints[info.code] ?? 'The service refused the new token.'} The token was not cached.`);
}

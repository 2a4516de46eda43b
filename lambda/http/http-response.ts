// The response shape shared by the Lambda proxy integration and the local server.
export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Tokens and errors about tokens must never be stored by a browser, proxy or CDN. */
export const NO_STORE = 'no-store';

export function jsonResponse(statusCode: number, body: unknown, contentType = 'application/json'): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': contentType, 'cache-control': NO_STORE, 'x-content-type-options': 'nosniff' },
    body: JSON.stringify(body),
  };
}

// Writing answers the way each ArcGIS product does: its JSON content type, f=pjson pretty-printing,
// the web tier's SAML/IWA challenges, and bodies streamed without a length.
import type { ServerResponse } from 'node:http';
import { HTML_TYPE, IWA_PAGE, METHOD_NOT_ALLOWED_PAGE, PORTAL_JSON_TYPE, SAML_LOGIN_URL, SAML_REDIRECT_PAGE, SERVER_JSON_TYPE, TEXT_TYPE } from './payloads.js';
import type { Params } from './requests.js';

/** Which product answers: decides the JSON content type. */
export type Product = 'portal' | 'server';

/** JSON in the content type of the product that answers; f=pjson is the same JSON pretty-printed. */
export function sendJson(res: ServerResponse, product: Product, params: Params, body: unknown, status = 200): void {
  const text = params['f'] === 'pjson' ? JSON.stringify(body, null, 2) : JSON.stringify(body);
  send(res, status, product === 'portal' ? PORTAL_JSON_TYPE : SERVER_JSON_TYPE, text);
}

export function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** HTTP 405 with Allow: POST, for token endpoints asked with GET. */
export function methodNotAllowed(res: ServerResponse): void {
  res.setHeader('Allow', 'POST');
  send(res, 405, HTML_TYPE, METHOD_NOT_ALLOWED_PAGE);
}

/** The web tier (IIS with IWA, or a SAML-protected adaptor) answering before the portal sees the request. */
export function webTierChallenge(res: ServerResponse, kind: 'saml' | 'iwa'): void {
  if (kind === 'saml') {
    res.setHeader('Location', SAML_LOGIN_URL);
    return send(res, 302, HTML_TYPE, SAML_REDIRECT_PAGE);
  }
  res.setHeader('WWW-Authenticate', 'Negotiate');
  send(res, 401, HTML_TYPE, IWA_PAGE);
}

/** Streams `total` bytes without a content-length, so the client has to count what it reads. */
export async function streamBytes(res: ServerResponse, total: number): Promise<void> {
  res.writeHead(200, { 'Content-Type': TEXT_TYPE });
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let left = Math.max(0, Math.floor(total));
  while (left > 0 && !res.destroyed) {
    const size = Math.min(left, chunk.length);
    left -= size;
    if (!res.write(size === chunk.length ? chunk : chunk.subarray(0, size))) {
      // Wait for the client to read, or for it to hang up (a capped reader cancels early).
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  if (!res.destroyed) res.end();
}

// Wraps the fetch the ArcGIS protocol functions use, so doctor can show every request they make and
// what came back (HTTP status, ArcGIS code and message) without changing them. What it records is
// safe to print: form fields and headers pass through an allow-list (a password, client secret or
// token becomes "(hidden)" or its length), and a token answer is reduced to its length and expiry.
import type { FetchLike } from '../../arcgis/http.js';
import { MAX_RESPONSE_BYTES, readBodyUpTo } from '../../arcgis/http.js';
import { errorCode, isTimeout } from '../../domain/fetch-failure.js';
import { redact } from '../../arcgis/redaction.js';
import { errorInfo, looksLikeHtml } from '../../arcgis/token-response.js';
import { parseJsonOrUndefined } from '../../domain/parse-json-or-undefined.js';

export interface RecordedExchange {
  method: string;
  /** Scheme, host and path; the query parameters are in `sent`. */
  url: string;
  /** Form fields (POST) or query parameters (GET); secrets replaced by a description. */
  sent: Record<string, string>;
  /** The headers that matter to ArcGIS: Referer, and X-Esri-Authorization as its length. */
  headers: Record<string, string>;
  /** Absent when no answer came (DNS, connection, TLS, timeout). */
  httpStatus?: number;
  /** What came back, in one line. */
  answer: string;
  arcgisCode?: number;
  arcgisMessage?: string;
  arcgisDetails?: string[];
  /** A redirect's target, without its query string. */
  location?: string;
  /** WWW-Authenticate of a 401 (Negotiate, NTLM: IWA in front of the site). */
  wwwAuthenticate?: string;
}

/** Fields shown as sent; any other field is hidden, so a new secret field can never leak. */
const VISIBLE_FIELDS = new Set(['username', 'client', 'referer', 'ip', 'expiration', 'f', 'serverurl', 'client_id', 'grant_type']);
const TOKEN_FIELDS = new Set(['token', 'access_token']);

export function recordingFetch(base: FetchLike, onExchange: (exchange: RecordedExchange) => void): FetchLike {
  return async (input, init) => {
    const target = new URL(input);
    const sent: Record<string, string> = {};
    for (const [name, value] of target.searchParams) sent[name] = describeField(name, value);
    if (typeof init.body === 'string') for (const [name, value] of new URLSearchParams(init.body)) sent[name] = describeField(name, value);
    const exchange: RecordedExchange = { method: init.method ?? 'GET', url: `${target.origin}${target.pathname}`, sent, headers: visibleHeaders(init.headers), answer: '' };
    // What this request sent that is not shown: a site that echoes the request back must not print it here.
    const secrets = sentSecrets(target, init);
    const report = (): void => onExchange(withoutSent(exchange, secrets));

    let response: Response;
    try {
      response = await base(input, init);
    } catch (error) {
      exchange.answer = `no answer (${failureReason(error)})`;
      report();
      throw error;
    }
    exchange.httpStatus = response.status;
    try {
      exchange.answer = `HTTP ${response.status}, ${await describeResponse(response, exchange)}`;
    } catch (error) {
      exchange.answer = `HTTP ${response.status}, body not read (${failureReason(error)})`;
    }
    report();
    return response;
  };
}

/** The values of every field and header this request carried that describeField or visibleHeaders hide. */
function sentSecrets(target: URL, init: RequestInit): string[] {
  const values: string[] = [];
  const fields = [...target.searchParams, ...(typeof init.body === 'string' ? new URLSearchParams(init.body) : [])];
  for (const [name, value] of fields) if (!VISIBLE_FIELDS.has(name.toLowerCase())) values.push(value);
  for (const [name, value] of Object.entries((init.headers ?? {}) as Record<string, string>)) {
    if (name.toLowerCase() === 'x-esri-authorization') values.push(value.replace(/^Bearer\s+/i, ''));
  }
  return values.filter((value) => value.length > 0);
}

function withoutSent(exchange: RecordedExchange, secrets: string[]): RecordedExchange {
  if (secrets.length === 0) return exchange;
  exchange.answer = redact(exchange.answer, secrets);
  if (exchange.arcgisMessage !== undefined) exchange.arcgisMessage = redact(exchange.arcgisMessage, secrets);
  if (exchange.arcgisDetails !== undefined) exchange.arcgisDetails = exchange.arcgisDetails.map((detail) => redact(detail, secrets));
  if (exchange.location !== undefined) exchange.location = redact(exchange.location, secrets);
  return exchange;
}

function describeField(name: string, value: string): string {
  const key = name.toLowerCase();
  if (TOKEN_FIELDS.has(key)) return `(token, ${value.length} chars)`;
  return VISIBLE_FIELDS.has(key) ? value : '(hidden)';
}

function visibleHeaders(headers: RequestInit['headers']): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const [name, value] of Object.entries((headers ?? {}) as Record<string, string>)) {
    const key = name.toLowerCase();
    if (key === 'referer') shown.Referer = value;
    if (key === 'x-esri-authorization') shown['X-Esri-Authorization'] = `Bearer (token, ${value.replace(/^Bearer\s+/i, '').length} chars)`;
  }
  return shown;
}

async function describeResponse(response: Response, exchange: RecordedExchange): Promise<string> {
  if (response.status >= 300 && response.status < 400) {
    const location = response.headers.get('location');
    if (location === null) return 'redirect without a Location';
    const to = new URL(location, exchange.url);
    exchange.location = `${to.origin}${to.pathname}`; // a login redirect's query is state, not information
    return `redirect to ${exchange.location}`;
  }
  const challenge = response.headers.get('www-authenticate');
  if (response.status === 401 && challenge !== null) exchange.wwwAuthenticate = challenge;

  // Read a copy: the protocol function still gets the untouched answer.
  const body = await readBodyUpTo(response.clone(), MAX_RESPONSE_BYTES);
  if (body === undefined) return `a body of more than ${MAX_RESPONSE_BYTES} bytes`;
  const json = parseJsonOrUndefined(body);
  if (json === undefined) {
    if (looksLikeHtml(body, response.headers.get('content-type') ?? '')) {
      const title = /<title>([^<]{1,80})<\/title>/i.exec(body)?.[1]?.trim();
      return title ? `HTML page "${title}"` : 'HTML page';
    }
    return body.trim().length === 0 ? 'empty body' : `not JSON (${Buffer.byteLength(body)} bytes)`;
  }
  const error = errorInfo(json, { url: exchange.url, status: response.status, contentType: '', body: '' });
  if (error !== undefined) {
    exchange.arcgisCode = error.code;
    exchange.arcgisMessage = error.message;
    exchange.arcgisDetails = error.details;
    return `ArcGIS error ${error.code}${error.message ? ` "${error.message}"` : ''}${error.details.length > 0 ? ` (${error.details.join(' / ')})` : ''}`;
  }
  return describeJson(json);
}

function describeJson(json: unknown): string {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return 'JSON that is not an object';
  const record = json as Record<string, unknown>;
  if (typeof record.token === 'string') {
    const expires = Number(record.expires);
    return `token (${record.token.length} chars), expires ${Number.isFinite(expires) && expires > 0 ? new Date(expires).toISOString() : String(record.expires)}, ssl ${String(record.ssl ?? 'not given')}`;
  }
  if (typeof record.access_token === 'string') return `app token (${record.access_token.length} chars), expires_in ${String(record.expires_in)} s`;
  const auth = record.authInfo as Record<string, unknown> | undefined;
  if (auth !== null && typeof auth === 'object') {
    const parts = [
      typeof auth.tokenServicesUrl === 'string' ? `tokenServicesUrl ${auth.tokenServicesUrl}` : undefined,
      typeof record.owningSystemUrl === 'string' ? `owningSystemUrl ${record.owningSystemUrl}` : undefined,
      auth.isTokenBasedSecurity === false ? 'isTokenBasedSecurity false' : undefined,
    ].filter((part) => part !== undefined);
    return `ArcGIS JSON: ${parts.length > 0 ? parts.join(', ') : 'authInfo without tokenServicesUrl'}`;
  }
  return 'ArcGIS JSON';
}

function failureReason(error: unknown): string {
  if (isTimeout(error)) return 'timed out';
  // Not a library's own text, which may quote what was sent (as arcgis/http.ts does not either).
  return errorCode(error) ?? (error instanceof Error ? (error.message === 'fetch failed' ? 'fetch failed' : error.name) : 'unknown error');
}

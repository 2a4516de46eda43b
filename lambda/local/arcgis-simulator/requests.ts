// Reading a request as ArcGIS does: the body and query recorded for tests, and the parameters a
// token endpoint looks at (f, credentials, client mode, expiration, serverUrl, a presented token).
import type { IncomingMessage } from 'node:http';

export interface RecordedRequest {
  method: string;
  /** Path without the query string, as sent (not percent-decoded). */
  path: string;
  query: Record<string, string>;
  /** Parsed body when it is application/x-www-form-urlencoded, otherwise empty. */
  form: Record<string, string>;
  rawBody: string;
  headers: Record<string, string | undefined>;
}

/** Query and form fields of one request, form fields winning (as on real servers). */
export type Params = Record<string, string>;

/** How a login asks its token to be bound; 'app' (an OAuth app token, bound to nothing) is not asked for. */
export type RequestedClient = 'referer' | 'ip' | 'requestip';

/** Reads the body and records the request; undefined when the client disconnected mid-body. */
export async function record(req: IncomingMessage): Promise<RecordedRequest | undefined> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of req) chunks.push(chunk as Buffer);
  } catch {
    return undefined;
  }
  const rawBody = Buffer.concat(chunks).toString('utf8');
  const target = req.url ?? '/';
  const queryStart = target.indexOf('?');
  const path = queryStart === -1 ? target : target.slice(0, queryStart);
  const query = queryStart === -1 ? {} : toRecord(new URLSearchParams(target.slice(queryStart + 1)));
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  // URLSearchParams decodes &, %, +, =, # and UTF-8 exactly as browsers and URLSearchParams encode them.
  const form = contentType.startsWith('application/x-www-form-urlencoded') ? toRecord(new URLSearchParams(rawBody)) : {};
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return { method: req.method ?? 'GET', path, query, form, rawBody, headers };
}

/** Form fields win over query-string parameters, as on real servers. */
export function paramsOf(recorded: RecordedRequest): Params {
  return { ...recorded.query, ...recorded.form };
}

/** First value wins for repeated names. */
function toRecord(params: URLSearchParams): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of params) if (!Object.hasOwn(result, name)) result[name] = value;
  return result;
}

export function wantsJson(params: Params): boolean {
  return params['f'] === 'json' || params['f'] === 'pjson';
}

export function carriesPassword(params: Params): boolean {
  return params['username'] !== undefined || params['password'] !== undefined;
}

/** A portal generateToken request is an exchange when it carries a token and no username/password. */
export function isExchange(params: Params): boolean {
  return !carriesPassword(params) && Boolean(params['token']);
}

/** A password, a client secret or a token to exchange: what failNextLogin's faults wait for. */
export function carriesCredentials(params: Params): boolean {
  return carriesPassword(params) || params['client_secret'] !== undefined || isExchange(params);
}

/** serverUrl, spelled serverUrl or serverURL (any case) by clients. */
export function serverUrlParameter(params: Params): string | undefined {
  const name = Object.keys(params).find((key) => key.toLowerCase() === 'serverurl');
  return name === undefined ? undefined : params[name];
}

/** Missing client means requestip; referer and ip need their companion parameter. */
export function clientMode(params: Params): RequestedClient | undefined {
  const client = params['client'] || 'requestip';
  if (client === 'requestip') return 'requestip';
  if (client === 'referer') return params['referer'] ? 'referer' : undefined;
  if (client === 'ip') return params['ip'] ? 'ip' : undefined;
  return undefined;
}

/** Requested lifetime in minutes; absent, non-numeric or non-positive means the given default. */
export function requestedMinutes(value: string | undefined, fallback: number): number {
  const minutes = value === undefined || value.trim() === '' ? Number.NaN : Number(value);
  return Number.isFinite(minutes) && minutes > 0 ? minutes : fallback;
}

/** The token a request presents: the token parameter, else an X-Esri-Authorization bearer token. */
export function presentedToken(req: IncomingMessage, params: Params): string | undefined {
  return params['token'] || bearerToken(req.headers['x-esri-authorization']);
}

function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

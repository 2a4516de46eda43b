// A simulated ArcGIS site (a Portal and a standalone ArcGIS Server behind web adaptors) served over
// real HTTP on loopback. The local dev server uses it when no real ArcGIS is at hand, and the test
// suite uses it to exercise the token client against the answers real sites give, including the
// awkward ones (HTML pages, HTTP 200 error bodies, redirects, huge bodies, hangs, resets).
//
// Error payloads are byte-for-byte those of real servers (see docs/arcgis-tokens.md): key order and
// spacing matter because fixtures and clients compare them verbatim.
//
// The simulator never logs: requests carry passwords and answers carry tokens.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SimulatorUser {
  username: string;
  password: string;
}

export type SimulatorFault =
  | { kind: 'html'; status?: number } // HTML page (default status 200)
  | { kind: 'status'; status: number; body?: string; contentType?: string } // arbitrary status/body
  | { kind: 'json'; body: unknown; status?: number } // arbitrary JSON body (JSON.stringify), default 200
  | { kind: 'garbage' } // 200, text/plain, non-JSON bytes
  | { kind: 'huge'; bytes: number } // 200, body of that many bytes, streamed without content-length
  | { kind: 'redirect'; location: string; status?: number } // default 302
  | { kind: 'hang' } // never answers (socket kept open until close())
  | { kind: 'reset' } // destroys the socket without answering
  | { kind: 'delay'; ms: number }; // answers normally after ms

export interface ArcGisSimulatorOptions {
  /** Accounts that may log in; default: DEFAULT_SIMULATOR_USER only. */
  users?: SimulatorUser[];
  /** Web adaptor name of the portal; default 'portal'. */
  portalAdaptor?: string;
  /** Web adaptor name of the standalone server; default 'arcgis'. */
  serverAdaptor?: string;
  /** Longest token lifetime in minutes; a larger requested expiration is silently capped. Default 21600 (15 days). */
  maxExpirationMinutes?: number;
  /** Send "expires" as a numeric string ("expires":"1732312345678"), as some servers do. */
  expiresAsString?: boolean;
  /** Value of "ssl" in token answers; default false (the simulator speaks plain http). */
  ssl?: boolean;
  /** Lock an account after this many consecutive failed logins; default 0 = never. */
  lockAfterFailures?: number;
  /** Port to listen on; default 0 (a random free port). */
  port?: number;
  /** Clock in ms since 1970; default Date.now. */
  now?: () => number;
}

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

export interface ArcGisSimulator {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** url + '/' + portalAdaptor */
  readonly portalUrl: string;
  /** url + '/' + serverAdaptor */
  readonly serverUrl: string;
  /** portalUrl + '/sharing/rest/generateToken' */
  readonly portalTokenUrl: string;
  /** serverUrl + '/tokens/generateToken' */
  readonly serverTokenUrl: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Number of generateToken requests received (all outcomes, including faults). */
  loginCount(): number;
  /** The next `times` (default 1) generateToken requests get this fault instead of normal handling (FIFO). */
  failNext(fault: SimulatorFault, times?: number): void;
  /** Delay every generateToken answer by ms (default 0). */
  setLatency(ms: number): void;
  isLocked(username: string): boolean;
  issuedTokens(): number;
  /** Closes the server and every open socket, hanging ones included. */
  close(): Promise<void>;
}

export const DEFAULT_SIMULATOR_USER: SimulatorUser = Object.freeze({
  username: 'demo',
  password: 'demo-not-a-real-password',
});

type Dispenser = 'portal' | 'server';
type ClientMode = 'referer' | 'ip' | 'requestip';

interface IssuedToken {
  username: string;
  dispenser: Dispenser;
  client: ClientMode;
  referer: string | undefined;
  ip: string | undefined;
  expires: number;
}

// Verbatim answers of real servers. Built as objects (key order as written) so f=pjson can
// pretty-print them; JSON.stringify of these reproduces the real bytes exactly.
const SERVER_INVALID_CREDENTIALS = {
  error: { code: 401, message: 'You are not authorized to access this information', details: 'Invalid credentials' },
};
const PORTAL_INVALID_CREDENTIALS = {
  error: { code: 400, message: 'Unable to generate token.', details: ['Invalid username or password.'] },
};
const CLIENT_ID_UNDETERMINED = {
  error: { code: 201, message: 'Exception in generating token', details: 'Client id cannot be determined' },
};
const TOKEN_REQUIRED = { error: { code: 499, message: 'Token Required', details: [] } };
const INVALID_TOKEN = { error: { code: 498, message: 'Invalid Token', details: [] } };
const DEMO_LAYER = { id: 0, name: 'Demo', type: 'Feature Layer' };

const DEFAULT_EXPIRATION_MINUTES = 60;
const DEFAULT_MAX_EXPIRATION_MINUTES = 21600;

// ArcGIS Server answers f=json with `text/plain` (a long-standing quirk kept for old browsers that
// would otherwise offer JSON as a download); the portal's sharing API uses application/json.
// Mirroring both keeps clients honest: they must not insist on a JSON content type.
const SERVER_JSON_TYPE = 'text/plain;charset=utf-8';
const PORTAL_JSON_TYPE = 'application/json;charset=utf-8';
const HTML_TYPE = 'text/html;charset=utf-8';

const GENERATE_TOKEN_PAGE = page(
  'Generate Token',
  '<h2>Generate Token</h2><form method="post"><input name="username"><input name="password" type="password">' +
    '<select name="client"><option>referer</option><option>ip</option><option>requestip</option></select>' +
    '<input name="expiration"><select name="f"><option>html</option><option>json</option><option>pjson</option></select>' +
    '<input type="submit" value="Generate Token"></form>',
);
const NOT_FOUND_PAGE = page('Error 404', '<h1>HTTP Status 404 – Not Found</h1><p>The requested resource is not available.</p>');
const METHOD_NOT_ALLOWED_PAGE = page(
  'Error 405',
  '<h1>HTTP Status 405 – Method Not Allowed</h1><p>generateToken only accepts POST.</p>',
);
const LOGIN_PAGE = page('Sign In', '<h1>Sign in to ArcGIS</h1><form method="post" action="/login"><input name="user"></form>');

function page(title: string, body: string): string {
  return `<html><head><title>${title}</title></head><body>${body}</body></html>`;
}

export async function startArcGisSimulator(options: ArcGisSimulatorOptions = {}): Promise<ArcGisSimulator> {
  const users = (options.users ?? [DEFAULT_SIMULATOR_USER]).map((user) => ({ ...user }));
  const portalAdaptor = options.portalAdaptor ?? 'portal';
  const serverAdaptor = options.serverAdaptor ?? 'arcgis';
  const maxExpirationMinutes = options.maxExpirationMinutes ?? DEFAULT_MAX_EXPIRATION_MINUTES;
  const lockAfterFailures = options.lockAfterFailures ?? 0;
  const ssl = options.ssl ?? false;
  const expiresAsString = options.expiresAsString ?? false;
  const now = options.now ?? Date.now;
  if (!(maxExpirationMinutes > 0)) throw new RangeError('maxExpirationMinutes must be positive');
  if (!Number.isInteger(lockAfterFailures) || lockAfterFailures < 0) {
    throw new RangeError('lockAfterFailures must be a non-negative integer');
  }

  const portalPath = `/${portalAdaptor}`;
  const serverPath = `/${serverAdaptor}`;
  const portalTokenPaths = new Set([`${portalPath}/sharing/rest/generateToken`, `${portalPath}/sharing/generateToken`]);
  const serverTokenPath = `${serverPath}/tokens/generateToken`;
  const serverInfoPath = `${serverPath}/rest/info`;
  const portalInfoPath = `${portalPath}/sharing/rest/info`;
  const securedLayerPath = `${serverPath}/rest/services/Demo/FeatureServer/0`;

  const requests: RecordedRequest[] = [];
  const faults: SimulatorFault[] = [];
  const tokens = new Map<string, IssuedToken>();
  const consecutiveFailures = new Map<string, number>();
  const locked = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let logins = 0;
  let latencyMs = 0;
  let closed = false;

  // URLs are filled in once the server listens; handlers only run after that.
  let url = '';
  let portalUrl = '';
  let serverUrl = '';

  /** A timer that close() cancels, so no answer is written after the simulator closed. */
  function sleep(ms: number): Promise<void> {
    if (closed) return new Promise<void>(() => {}); // never answer once closed
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const recorded = await record(req);
    if (recorded === undefined) return; // the client went away while sending its body
    requests.push(recorded);
    const { path } = recorded;
    // Form fields win over query-string parameters, as on real servers.
    const params: Record<string, string> = { ...recorded.query, ...recorded.form };

    const isPortalToken = portalTokenPaths.has(path);
    if (isPortalToken || path === serverTokenPath) {
      logins += 1;
      await sleep(latencyMs);
      const fault = faults.shift();
      if (fault !== undefined) {
        await applyFault(fault, req, res);
        if (fault.kind !== 'delay') return;
      }
      generateToken(req, res, isPortalToken ? 'portal' : 'server', params);
      return;
    }
    if (path === serverInfoPath) {
      if (!wantsJson(params)) return send(res, 200, HTML_TYPE, page('ArcGIS REST Services Directory', '<h2>Server Info</h2>'));
      return sendJson(res, 'server', params, {
        currentVersion: 11.3,
        fullVersion: '11.3.0',
        authInfo: { isTokenBasedSecurity: true, tokenServicesUrl: `${serverUrl}/tokens/`, shortLivedTokenValidity: 60 },
      });
    }
    if (path === portalInfoPath) {
      if (!wantsJson(params)) return send(res, 200, HTML_TYPE, page('ArcGIS Portal Directory', '<h2>Info</h2>'));
      return sendJson(res, 'portal', params, {
        owningSystemUrl: portalUrl,
        authInfo: { tokenServicesUrl: `${portalUrl}/sharing/rest/generateToken`, isTokenBasedSecurity: true },
      });
    }
    if (path === securedLayerPath) return securedLayer(req, res, params);
    send(res, 404, HTML_TYPE, NOT_FOUND_PAGE);
  }

  function generateToken(req: IncomingMessage, res: ServerResponse, dispenser: Dispenser, params: Record<string, string>): void {
    if (req.method !== 'POST') {
      // Real servers refuse GET so that credentials never end up in URLs and access logs.
      res.setHeader('Allow', 'POST');
      return send(res, 405, HTML_TYPE, METHOD_NOT_ALLOWED_PAGE);
    }
    // The default output format is html: without f=json a real server answers its HTML form page
    // (with HTTP 200), which naive clients then fail to parse as JSON.
    if (!wantsJson(params)) return send(res, 200, HTML_TYPE, GENERATE_TOKEN_PAGE);

    // Credentials first, then the client mode (a wrong password with a bad client mode is a 401/400).
    const username = params['username'] ?? '';
    if (!checkCredentials(username, params['password'] ?? '')) {
      // Wrong credentials are HTTP 200 with an error body; the two products word it differently.
      return sendJson(res, dispenser, params, dispenser === 'portal' ? PORTAL_INVALID_CREDENTIALS : SERVER_INVALID_CREDENTIALS);
    }

    const client = clientMode(params);
    if (client === undefined) return sendJson(res, dispenser, params, CLIENT_ID_UNDETERMINED);

    // A lifetime beyond the site maximum is silently capped: clients must trust the returned expires.
    const minutes = Math.min(requestedMinutes(params['expiration']), maxExpirationMinutes);
    const expires = now() + Math.floor(minutes * 60_000);
    const token = randomBytes(32).toString('base64url');
    tokens.set(token, {
      username,
      dispenser,
      client,
      referer: client === 'referer' ? params['referer'] : undefined,
      ip: client === 'ip' ? params['ip'] : client === 'requestip' ? req.socket.remoteAddress : undefined,
      expires,
    });
    sendJson(res, dispenser, params, { token, expires: expiresAsString ? String(expires) : expires, ssl });
  }

  function checkCredentials(username: string, password: string): boolean {
    const user = users.find((candidate) => candidate.username === username); // case-sensitive, like ArcGIS
    // A locked account gets the same answer as a wrong password: real servers don't reveal the lock.
    if (user !== undefined && user.password === password && !locked.has(username)) {
      consecutiveFailures.delete(username);
      return true;
    }
    const failures = (consecutiveFailures.get(username) ?? 0) + 1;
    consecutiveFailures.set(username, failures);
    if (lockAfterFailures > 0 && failures >= lockAfterFailures) locked.add(username);
    return false;
  }

  function securedLayer(req: IncomingMessage, res: ServerResponse, params: Record<string, string>): void {
    if (!wantsJson(params)) return send(res, 200, HTML_TYPE, page('Layer: Demo (ID: 0)', '<h2>Layer: Demo (ID: 0)</h2>'));
    const token = params['token'] || bearerToken(req.headers['x-esri-authorization']);
    // Token errors are HTTP 200 with an error body, like the credential errors.
    if (!token) return sendJson(res, 'server', params, TOKEN_REQUIRED);
    const issued = tokens.get(token);
    if (
      issued === undefined ||
      issued.expires <= now() ||
      // This service lives on the standalone server: a portal token is from the wrong dispenser.
      issued.dispenser !== 'server' ||
      // A referer-bound token needs exactly that Referer header (a missing header fails too).
      (issued.client === 'referer' && req.headers.referer !== issued.referer)
    ) {
      return sendJson(res, 'server', params, INVALID_TOKEN);
    }
    // IP binding (client=ip/requestip) is not enforced: over loopback every caller is 127.0.0.1,
    // so the simulator cannot tell callers apart.
    sendJson(res, 'server', params, DEMO_LAYER);
  }

  async function applyFault(fault: SimulatorFault, req: IncomingMessage, res: ServerResponse): Promise<void> {
    switch (fault.kind) {
      case 'html':
        return send(res, fault.status ?? 200, HTML_TYPE, LOGIN_PAGE);
      case 'status':
        return send(res, fault.status, fault.contentType ?? 'text/plain;charset=utf-8', fault.body ?? '');
      case 'json':
        return send(res, fault.status ?? 200, PORTAL_JSON_TYPE, JSON.stringify(fault.body));
      case 'garbage':
        return send(res, 200, 'text/plain;charset=utf-8', Buffer.from([0x00, 0xff, 0xfe, 0x7b, 0x3c, 0x21, 0x2d, 0x2d, 0x0a, 0x01]));
      case 'huge':
        return streamBytes(res, fault.bytes);
      case 'redirect':
        res.setHeader('Location', fault.location);
        return send(res, fault.status ?? 302, HTML_TYPE, '');
      case 'hang':
        return; // keep the socket open without answering; close() destroys it
      case 'reset':
        req.socket.destroy();
        return;
      case 'delay':
        return sleep(fault.ms); // the caller then answers normally
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // No logging (requests carry passwords): answer 500 if still possible, else drop the socket.
      if (!res.headersSent && !res.destroyed) send(res, 500, HTML_TYPE, page('Error 500', '<h1>HTTP Status 500</h1>'));
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  url = `http://127.0.0.1:${port}`;
  portalUrl = `${url}${portalPath}`;
  serverUrl = `${url}${serverPath}`;

  return {
    url,
    portalUrl,
    serverUrl,
    portalTokenUrl: `${portalUrl}/sharing/rest/generateToken`,
    serverTokenUrl: `${serverUrl}/tokens/generateToken`,
    requests,
    loginCount: () => logins,
    failNext(fault: SimulatorFault, times = 1): void {
      for (let i = 0; i < times; i += 1) faults.push(fault);
    },
    setLatency(ms: number): void {
      latencyMs = Math.max(0, ms);
    },
    isLocked: (username: string) => locked.has(username),
    issuedTokens: () => tokens.size,
    close(): Promise<void> {
      if (closed) return Promise.resolve();
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hanging, delayed and idle keep-alive sockets would otherwise hold close() open.
        server.closeAllConnections();
      });
    },
  };
}

/** Reads the body and records the request; undefined when the client disconnected mid-body. */
async function record(req: IncomingMessage): Promise<RecordedRequest | undefined> {
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

/** First value wins for repeated names. */
function toRecord(params: URLSearchParams): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of params) if (!Object.hasOwn(result, name)) result[name] = value;
  return result;
}

function wantsJson(params: Record<string, string>): boolean {
  return params['f'] === 'json' || params['f'] === 'pjson';
}

/** Missing client means requestip; referer and ip need their companion parameter. */
function clientMode(params: Record<string, string>): ClientMode | undefined {
  const client = params['client'] || 'requestip';
  if (client === 'requestip') return 'requestip';
  if (client === 'referer') return params['referer'] ? 'referer' : undefined;
  if (client === 'ip') return params['ip'] ? 'ip' : undefined;
  return undefined;
}

/** Requested lifetime in minutes; absent, non-numeric or non-positive means the default of 60. */
function requestedMinutes(value: string | undefined): number {
  const minutes = value === undefined || value.trim() === '' ? Number.NaN : Number(value);
  return Number.isFinite(minutes) && minutes > 0 ? minutes : DEFAULT_EXPIRATION_MINUTES;
}

function bearerToken(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** JSON in the content type of the product that answers; f=pjson is the same JSON pretty-printed. */
function sendJson(res: ServerResponse, product: Dispenser, params: Record<string, string>, body: unknown): void {
  const text = params['f'] === 'pjson' ? JSON.stringify(body, null, 2) : JSON.stringify(body);
  send(res, 200, product === 'portal' ? PORTAL_JSON_TYPE : SERVER_JSON_TYPE, text);
}

function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Streams `total` bytes without a content-length, so the client has to count what it reads. */
async function streamBytes(res: ServerResponse, total: number): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'text/plain;charset=utf-8' });
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

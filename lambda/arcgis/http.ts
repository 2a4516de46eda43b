// The one way this service talks HTTP to ArcGIS: a POSTed form, a deadline for the whole exchange,
// no redirects followed (a redirect from a token endpoint is a login page, not a token), a cap
// on the body so a misrouted request that returns a huge page cannot exhaust the function's memory,
// and rate limiting (429, or 503 with Retry-After) recognised before the body is read: such
// answers are usually a proxy's HTML page, and what matters is when to try again.
import { MAX_DEADLINE_MS } from '../domain/config/settings.js';
import { ArcGisBadResponseError, ArcGisRateLimitedError, ArcGisUnreachableError, ConfigurationError } from '../domain/errors.js';
import { errorCode, isTimeout } from '../domain/fetch-failure.js';
import { TOKEN_ENDPOINT_REDIRECTS } from './hints.js';

/** Real token answers are a few hundred bytes; error pages a few KB. */
export const MAX_RESPONSE_BYTES = 256 * 1024;

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpAnswer {
  url: string;
  status: number;
  contentType: string;
  body: string;
  /** The server's clock when it answered (HTTP Date header, 1 s resolution), if it sent one. */
  serverDate?: number | undefined;
}

export interface HttpOptions {
  /** The longest one request may take. */
  timeoutMs: number;
  /**
   * When the whole sequence this request belongs to must end (ms since epoch, by `now`): a request
   * gets whichever is shorter, its timeout or what is left, so discovery, login, exchange and check
   * together fit the API request's deadline.
   */
  deadline?: number | undefined;
  /** The service's clock: for the deadline, and for an HTTP-date Retry-After when the answer has no Date header. */
  now?: (() => number) | undefined;
  fetch?: FetchLike | undefined;
  headers?: Record<string, string>;
}

/** Retry-After assumed on a 429 that sends none (or an unreadable one). */
export const DEFAULT_RETRY_AFTER_MS = 60_000;
/**
 * Retry-After is kept within [1 s, 1 h]. Below a second a retry is immediate, which is what got the
 * service limited (proxies do send `Retry-After: 0`); above an hour a broken or hostile header would
 * hold logins back for longer than a token lives (60 minutes by default), while the schedule tries
 * again within its own interval anyway.
 */
export const MIN_RETRY_AFTER_MS = 1_000;
export const MAX_RETRY_AFTER_MS = 3_600_000;

/**
 * How long a Retry-After value asks us to wait: delta-seconds, or an HTTP-date counted from the
 * answer's own Date header when it has one (the server's clock, as the date is), else from `now`.
 * `why` says where the number came from, for the message.
 */
export function retryAfterMs(value: string | null, serverDate: number | undefined, now: number): { ms: number; why: string } {
  const clamp = (ms: number, said: string): { ms: number; why: string } => {
    const seconds = Math.round(ms / 1000);
    if (ms < MIN_RETRY_AFTER_MS) return { ms: MIN_RETRY_AFTER_MS, why: `its Retry-After of ${seconds} s, raised to ${MIN_RETRY_AFTER_MS / 1000} s` };
    if (ms > MAX_RETRY_AFTER_MS) return { ms: MAX_RETRY_AFTER_MS, why: `its Retry-After of ${seconds} s, capped at ${MAX_RETRY_AFTER_MS / 1000} s` };
    return { ms, why: said };
  };
  if (value === null) return { ms: DEFAULT_RETRY_AFTER_MS, why: `no Retry-After was sent; ${DEFAULT_RETRY_AFTER_MS / 1000} s assumed` };
  const text = value.trim();
  if (/^\d+$/.test(text)) return clamp(Number(text) * 1000, 'its Retry-After');
  // An HTTP-date starts with the day's name in all three forms RFC 9110 accepts ("Wed, 21 Oct 2015
  // 07:28:00 GMT", "Wednesday, 21-Oct-15 …", "Wed Oct 21 …"); Date.parse alone would read "1.5" as a date.
  const date = /^[A-Za-z]{3,9},? /.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isFinite(date)) return clamp(date - (serverDate ?? now), 'its Retry-After');
  const shown = /^[\x20-\x7e]{1,40}$/.test(text) ? `"${text}"` : 'value';
  return { ms: DEFAULT_RETRY_AFTER_MS, why: `its Retry-After ${shown} is neither seconds nor a date; ${DEFAULT_RETRY_AFTER_MS / 1000} s assumed` };
}

/** The time this request may take: its own timeout, or less when the sequence's deadline is nearer. */
export function requestBudgetMs(options: HttpOptions): number {
  if (options.deadline === undefined) return options.timeoutMs;
  return Math.min(options.timeoutMs, options.deadline - (options.now ?? Date.now)());
}

export function postForm(url: string, form: URLSearchParams, options: HttpOptions): Promise<HttpAnswer> {
  // URLSearchParams encodes &, %, +, =, # and non-ASCII correctly, which hand-built bodies don't.
  return exchange(url, { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers } }, options);
}

export function getJson(url: string, options: HttpOptions): Promise<HttpAnswer> {
  return exchange(url, { method: 'GET', headers: { ...options.headers } }, options);
}

/** What an HTTP header value may hold: tab, visible ASCII, space and Latin-1 (RFC 9110 field-value). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

async function exchange(url: string, init: { method: string; body?: string; headers: Record<string, string> }, options: HttpOptions): Promise<HttpAnswer> {
  // Checked here rather than left to fetch: undici refuses such a value with an error that quotes it,
  // and the value is usually a token.
  for (const [name, value] of Object.entries(init.headers)) {
    if (!HEADER_VALUE.test(value)) {
      throw new ConfigurationError(`A request to ${url} would carry an ${name} header holding characters HTTP headers cannot carry (CR, LF, NUL or beyond Latin-1); it was not sent, and the value is not shown.`);
    }
  }
  const doFetch = options.fetch ?? fetch;
  const budget = requestBudgetMs(options);
  if (budget <= 0) {
    const notSent = new ArcGisUnreachableError(`${url} was not asked: the request's deadline had passed before it (deadlineMs). ArcGIS answered too slowly for discovery and login to fit; check the site's responsiveness, or raise deadlineMs (at most ${MAX_DEADLINE_MS}).`);
    notSent.notSent = true;
    throw notSent;
  }
  const signal = AbortSignal.timeout(budget);
  let response: Response;
  try {
    response = await doFetch(url, {
      method: init.method,
      ...(init.body !== undefined ? { body: init.body } : {}),
      headers: { accept: 'application/json', ...init.headers },
      redirect: 'manual',
      signal,
    });
  } catch (error) {
    throw unreachable(url, error, budget, budget < options.timeoutMs);
  }

  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    const location = response.headers.get('location');
    throw new ArcGisBadResponseError(
      `${url} answered HTTP ${response.status} redirecting to ${describeLocation(location, url)} instead of issuing a token. ${TOKEN_ENDPOINT_REDIRECTS.message}`,
      response.status,
      'redirect',
    );
  }

  const date = Date.parse(response.headers.get('date') ?? '');
  const serverDate = Number.isFinite(date) ? date : undefined;
  if (response.status === 429 || (response.status === 503 && response.headers.has('retry-after'))) {
    // The body (typically a proxy's HTML page) says nothing the status and Retry-After do not.
    await response.body?.cancel();
    const wait = retryAfterMs(response.headers.get('retry-after'), serverDate, (options.now ?? Date.now)());
    throw new ArcGisRateLimitedError(
      `${url} answered HTTP ${response.status}: ArcGIS (or a proxy in front of it) is rate limiting token requests. Try again in ${Math.ceil(wait.ms / 1000)} s (${wait.why}); retrying sooner only prolongs the limit.`,
      url,
      response.status,
      wait.ms,
    );
  }

  let body: string;
  try {
    body = await readCapped(response, url, MAX_RESPONSE_BYTES);
  } catch (error) {
    if (error instanceof ArcGisBadResponseError) throw error;
    throw unreachable(url, error, budget, budget < options.timeoutMs);
  }
  return { url, status: response.status, contentType: response.headers.get('content-type') ?? '', body, serverDate };
}

async function readCapped(response: Response, url: string, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  const body = await readBodyUpTo(response, maxBytes);
  if (body === undefined) throw tooLarge(url, response.status, Number.isFinite(declared) && declared > maxBytes ? `${declared} bytes` : `more than ${maxBytes} bytes`);
  return body;
}

/**
 * The body as text, or undefined (and the rest of the body discarded) when it is, or says it is,
 * larger than `maxBytes`: read chunk by chunk, so a huge answer is never held in memory.
 */
export async function readBodyUpTo(response: Response, maxBytes: number): Promise<string | undefined> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    return undefined;
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(url: string, status: number, size: string): ArcGisBadResponseError {
  return new ArcGisBadResponseError(
    `${url} answered HTTP ${status} with ${size}, far more than a token answer: the URL is probably not a token endpoint. Check the target's url.`,
    status,
    'oversized',
  );
}

function describeLocation(location: string | null, base: string): string {
  if (location === null) return 'nowhere (no Location header)';
  try {
    const target = new URL(location, base);
    return `${target.origin}${target.pathname}`; // the query of a login redirect is noise (and may carry state)
  } catch {
    return 'an unparseable Location';
  }
}

const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Maps a fetch failure (undici puts the system error on `cause`) to an actionable message. */
/** Failures after which the request may have been received: the connection was made and then lost. */
const AFTER_CONNECT_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED']);

/** `cutByDeadline`: the request had less than requestTimeoutMs, what was left of the sequence's deadline. */
function unreachable(url: string, error: unknown, timeoutMs: number, cutByDeadline: boolean): ArcGisUnreachableError {
  const failure = describeUnreachable(url, error, timeoutMs, cutByDeadline);
  const code = errorCode(error);
  failure.requestMayHaveArrived = isTimeout(error) || (code !== undefined && AFTER_CONNECT_CODES.has(code));
  return failure;
}

function describeUnreachable(url: string, error: unknown, timeoutMs: number, cutByDeadline: boolean): ArcGisUnreachableError {
  const host = safeHost(url);
  if (isTimeout(error) && cutByDeadline) {
    // Raising requestTimeoutMs would not help here: the deadline, not the request's own timeout, ended it.
    return new ArcGisUnreachableError(
      `${url} did not answer within the ${timeoutMs} ms left before the request's deadline (deadlineMs): each step gets what the steps before it left. Check that ${host} is up and answers promptly: discovery, login, exchange and check together must fit in deadlineMs (at most ${MAX_DEADLINE_MS}).`,
      { cause: error },
    );
  }
  if (isTimeout(error)) {
    return new ArcGisUnreachableError(`${url} did not answer within ${timeoutMs} ms. Check that ${host} is up and reachable from the function (VPC, firewall), or raise requestTimeoutMs.`, { cause: error });
  }
  const code = errorCode(error);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new ArcGisUnreachableError(`The name ${host} could not be resolved (${code}). Check the host name in the target's url, and DNS from the function's network.`, { cause: error });
  }
  if (code !== undefined && TLS_CODES.has(code)) {
    return new ArcGisUnreachableError(
      `The TLS certificate of ${host} was rejected (${code}). If the site uses a certificate from a private CA, give the CA bundle to the function with NODE_EXTRA_CA_CERTS; never switch certificate checks off.`,
      { cause: error },
    );
  }
  // Only a system error code, or undici's own fixed "fetch failed", is quoted: any other error's text
  // is a library's, and may hold what was being sent (undici quotes a refused header value). Such an
  // error is not kept as the cause either, so nothing that serialises causes can print it.
  if (code !== undefined || (error instanceof TypeError && error.message === 'fetch failed')) {
    return new ArcGisUnreachableError(`${url} could not be reached (${code ?? 'fetch failed'}). Check that ${host} is up and reachable from the function.`, { cause: error });
  }
  const kind = error instanceof Error ? error.name : typeof error;
  return new ArcGisUnreachableError(`${url} could not be reached (the HTTP client failed with a ${kind}; its text is not shown, as it may quote what was sent). Check that ${host} is up and reachable from the function.`);
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

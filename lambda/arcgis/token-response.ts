// Reads what generateToken answered. ArcGIS reports most failures with HTTP 200 and a JSON
// `error` body, sometimes with the real HTTP status (498/499), `expires` as a number or a numeric
// string, `details` as a string or an array, and the Server Administrator API with its own
// `{"status":"error","messages":[…],"code":…}` shape. Everything ends here in either an
// IssuedToken or a typed error whose message says what to change.
import * as z from 'zod/mini';
import '../domain/config/zod-locale.js';
import { lazySchema } from '../domain/config/lazy-schema.js';
import {
  ArcGisBadResponseError,
  ArcGisRefusedError,
  InvalidCredentialsError,
  type ArcGisErrorInfo,
} from '../domain/errors.js';
import { parseJsonOrUndefined } from '../domain/parse-json-or-undefined.js';
import {
  CLIENT_UNDETERMINED,
  INVALID_CREDENTIALS,
  LOGIN_INVALID_TOKEN,
  LOGIN_REFUSED,
  LOGIN_TOKEN_REQUIRED,
  MAY_NOT_GENERATE_TOKENS,
  notJsonHint,
} from './hints.js';
import type { HttpAnswer } from './http.js';

import type { IssuedToken } from '../domain/ports.js';
export type { IssuedToken };

// Only digit strings that Number() reads exactly: a longer one would be silently rounded, whereas
// the numeric form above it is refused (zod's int() accepts safe integers only).
const numericString = lazySchema(() =>
  z.pipe(
    z.pipe(z.string().check(z.regex(/^\d{1,16}$/)), z.transform((digits) => Number(digits))),
    z.number().check(z.int()),
  ),
);

const TokenAnswer = lazySchema(() =>
  z.object({
    token: z.string().check(z.minLength(1)),
    expires: z.union([z.number().check(z.int(), z.positive()), numericString]),
    ssl: z.optional(z.boolean()),
  }),
);

const Details = lazySchema(() =>
  z.pipe(
    z.optional(z.union([z.string(), z.array(z.unknown()), z.null()])),
    z.transform((value) => (value == null ? [] : Array.isArray(value) ? value.map(text) : [value]).filter((d) => d.length > 0)),
  ),
);

/**
 * String(value) for a JSON value, without its throws: String() of an object with a `toString`
 * member ({"toString":1}) throws a TypeError, and of a deeply nested array a RangeError. Such a
 * part is left out (the empty string is filtered like an empty detail).
 */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return String(value);
  } catch {
    return '';
  }
}

const ErrorAnswer = lazySchema(() =>
  z.object({
    error: z.object({
      code: z.optional(z.union([z.number(), z.string()])),
      message: z.optional(z.string()),
      details: Details,
    }),
  }),
);

const AdminErrorAnswer = lazySchema(() =>
  z.object({
    status: z.literal('error'),
    messages: z.optional(z.array(z.unknown())),
    code: z.optional(z.union([z.number(), z.string()])),
  }),
);

/**
 * Parses a generateToken answer (a password login or a federated exchange). `now` lets the caller
 * reject a token that is already expired, or expires impossibly late (a server clock or unit
 * error), instead of caching it; see checkPlausibleToken for every rule.
 */
export function parseTokenAnswer(answer: HttpAnswer, now: number): IssuedToken {
  const json = parseJson(answer);

  const success = TokenAnswer.safeParse(json);
  if (success.success) {
    const { token, ssl } = success.data;
    const expires = success.data.expires - clockSkew(answer, now);
    checkPlausibleToken(token, expires, now, { url: answer.url, httpStatus: answer.status, maxLifetimeMs: MAX_TOKEN_LIFETIME_MS, kind: 'tokens' });
    return { token, expires, ssl: ssl ?? false };
  }

  const info = errorInfo(json, answer);
  if (info !== undefined) throw refusal(info);

  throw new ArcGisBadResponseError(
    `${answer.url} answered HTTP ${answer.status} with JSON that holds neither a token nor an ArcGIS error${jsonKeys(json)}. Check that the target's url is a generateToken endpoint.`,
    answer.status,
    'unexpected-json',
  );
}

/** generateToken's documented maximum lifetime: 15 days (21600 minutes), the most this service asks for. */
export const MAX_TOKEN_LIFETIME_MS = 21_600 * 60_000;
/** OAuth app tokens: at most 14 days (20160 minutes). */
export const MAX_APP_TOKEN_LIFETIME_MS = 20_160 * 60_000;
/**
 * The longest token accepted. ArcGIS tokens are a few hundred characters. Callers send them as
 * `?token=` in URLs too, and IIS (ArcGIS Web Adaptor's usual host) refuses query strings over its
 * default maxQueryString of 2048 bytes, so a longer "token" could not be used anyway: it is a page
 * or some other junk that happened to parse.
 */
export const MAX_TOKEN_CHARS = 2048;
/**
 * Slack on the latest credible `expires`: a server without a Date header may run ahead of us, and
 * a day is the most this service believes a clock can be off (MAX_CREDIBLE_SKEW_MS).
 */
export const EXPIRES_CLOCK_ALLOWANCE_MS = 24 * 3_600_000;

/**
 * Throws a specific ArcGisBadResponseError, naming the rule and never the token, unless a newly
 * issued token is plausible: not blank; printable ASCII without white space or control characters
 * (it travels in HTTP headers, where CR/LF would split the header and undici refuses it, quoting
 * it in its error); no markup; at most MAX_TOKEN_CHARS; `expires` after now and no later than the
 * maximum lifetime plus the clock allowance (later means microseconds, seconds or a broken clock,
 * and such a token would be called fresh for millennia).
 */
export function checkPlausibleToken(
  token: string,
  expires: number,
  now: number,
  limits: { url: string; httpStatus: number; maxLifetimeMs: number; kind: 'tokens' | 'app tokens' },
): void {
  const refuse = (what: string) => new ArcGisBadResponseError(`${limits.url} issued ${what}. It was not cached.`, limits.httpStatus, 'implausible-token');
  if (token.trim().length === 0) throw refuse('a blank token');
  if (/[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(token)) throw refuse('a token containing white space or control characters (such as CR, LF or NUL), which no ArcGIS token has and no HTTP header may carry');
  if (/[<>]/.test(token)) throw refuse('a token holding markup (< or >), such as an HTML fragment, not a token');
  if (/[^\x21-\x7e]/.test(token)) throw refuse('a token with characters outside printable ASCII, which no ArcGIS token has');
  if (token.length > MAX_TOKEN_CHARS) throw refuse(`a token of ${token.length} characters, more than the ${MAX_TOKEN_CHARS} a token can have here (IIS refuses longer query strings)`);
  if (expires <= now) {
    throw new ArcGisBadResponseError(`${limits.url} issued a token whose expires (${expires}) is not in the future (now ${now}). ArcGIS sends milliseconds since 1970 UTC: check the server's clock.`, limits.httpStatus, 'implausible-token');
  }
  if (expires > now + limits.maxLifetimeMs + EXPIRES_CLOCK_ALLOWANCE_MS) {
    const days = limits.maxLifetimeMs / 86_400_000;
    const when = Number.isFinite(new Date(expires).getTime()) ? `, ${new Date(expires).toISOString()}` : '';
    throw refuse(
      `a token whose expires (${expires}${when}) is more than ${days} days (plus ${EXPIRES_CLOCK_ALLOWANCE_MS / 86_400_000} day for clocks) away: ArcGIS issues ${limits.kind} for at most ${days} days, so expires is in the wrong unit (microseconds or seconds instead of milliseconds) or the server's clock is wrong`,
    );
  }
}

/** Below this, a difference between ArcGIS's Date header and our clock is noise (1 s resolution, latency). */
export const SKEW_TOLERANCE_MS = 5_000;
export const MAX_CREDIBLE_SKEW_MS = 24 * 3_600_000;

/**
 * How far ArcGIS's clock runs ahead of ours (negative: behind). ArcGIS judges `expires` by its own
 * clock, so a server running 5 minutes fast ends the token 5 minutes earlier by ours: `expires` is
 * moved onto our clock before anything relies on it.
 */
export function clockSkew(answer: Pick<HttpAnswer, 'serverDate'>, now: number): number {
  if (answer.serverDate === undefined) return 0;
  const skew = answer.serverDate - now;
  // A Date header a day or more away is a broken header, not a clock: trust expires as sent.
  return Math.abs(skew) > SKEW_TOLERANCE_MS && Math.abs(skew) < MAX_CREDIBLE_SKEW_MS ? skew : 0;
}

/** A web page rather than an API answer: a login form, an error page, a web adaptor's 404. */
export function looksLikeHtml(body: string, contentType: string): boolean {
  return /^\s*</.test(body) || /html/i.test(contentType);
}

/** The answer's JSON, or a typed error saying what came instead (HTML page, garbage, empty body). */
export function parseJson(answer: HttpAnswer): unknown {
  const json = parseJsonOrUndefined(answer.body);
  if (json !== undefined) return json;
  // Not JSON: an HTTP 498/499 without a body is still ArcGIS speaking.
  if (answer.status === 498 || answer.status === 499) {
    throw refusal({ url: answer.url, code: answer.status, message: answer.status === 498 ? 'Invalid Token' : 'Token Required', details: [] });
  }
  const kind = looksLikeHtml(answer.body, answer.contentType) ? 'html' : answer.body.trim().length === 0 ? 'empty' : 'not-json';
  const what = { html: 'an HTML page', empty: 'an empty body', 'not-json': `a body that is not JSON (${Buffer.byteLength(answer.body)} bytes)` }[kind];
  throw new ArcGisBadResponseError(`${answer.url} answered HTTP ${answer.status} with ${what} instead of JSON. ${notJsonHint(answer.status, kind === 'html')}`, answer.status, kind);
}

/** The ArcGIS error in an answer (standard or admin shape), if it holds one. */
export function errorInfo(json: unknown, answer: HttpAnswer): ArcGisErrorInfo | undefined {
  const standard = ErrorAnswer.safeParse(json);
  if (standard.success) {
    const { code, message, details } = standard.data.error;
    return { url: answer.url, code: toCode(code, answer.status), message: message ?? '', details };
  }
  const admin = AdminErrorAnswer.safeParse(json);
  if (admin.success) {
    const messages = (admin.data.messages ?? []).map(text);
    return { url: answer.url, code: toCode(admin.data.code, answer.status), message: messages[0] ?? '', details: messages.slice(1) };
  }
  return undefined;
}

function toCode(code: number | string | undefined, httpStatus: number): number {
  // Number('') and Number('  ') are 0 and Number('0x1f') is 31: only a decimal integer string is a code.
  const parsed = typeof code === 'number' ? code : typeof code === 'string' && /^\s*[+-]?\d+\s*$/.test(code) ? Number(code) : Number.NaN;
  if (Number.isInteger(parsed)) return parsed;
  return httpStatus === 200 ? 500 : httpStatus;
}

const INVALID_CREDENTIALS_TEXT = /invalid (credentials|username or password)/i;

/** Chooses the typed error and the hint for an ArcGIS error answer. */
export function refusal(info: ArcGisErrorInfo): ArcGisRefusedError {
  const text = [info.message, ...info.details].join(' ');
  if (info.code === 401 || INVALID_CREDENTIALS_TEXT.test(text)) return new InvalidCredentialsError(info, INVALID_CREDENTIALS.message);
  switch (info.code) {
    case 201:
      return new ArcGisRefusedError(info, CLIENT_UNDETERMINED.message);
    case 403:
      return new ArcGisRefusedError(info, MAY_NOT_GENERATE_TOKENS.message);
    case 498:
      return new ArcGisRefusedError(info, LOGIN_INVALID_TOKEN.message);
    case 499:
      return new ArcGisRefusedError(info, LOGIN_TOKEN_REQUIRED.message);
    default:
      return new ArcGisRefusedError(info, LOGIN_REFUSED.message);
  }
}

function jsonKeys(json: unknown): string {
  if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
    const keys = Object.keys(json).slice(0, 5);
    return keys.length > 0 ? ` (keys: ${keys.join(', ')})` : '';
  }
  return '';
}

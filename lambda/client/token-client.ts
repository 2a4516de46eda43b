// A client for one deployment of the token service, with an in-process cache: an answer is reused
// while its token stays valid for the caller's minValidity plus a margin, concurrent calls for the
// same target share one request, and a failed request is forgotten at once (the next call asks
// again). Stale answers (the service's refresh failed) are handed out but not kept, so the next
// call picks up the fresh token the service promises.
import { STATUS_CODES } from 'node:http';
import { errorCode, isTimeout } from '../domain/fetch-failure.js';
import { parseJsonOrUndefined } from '../domain/parse-json-or-undefined.js';
import { TokenAnswerError, TokenClientConfigError, TokenProblemError, TokenRequestError } from './errors.js';
import { createRequestSigner, type AwsCredentials, type RequestSigner } from './request-signer.js';
import { problemFromAnswer, tokenAnswerSchema, type TokenAnswer } from './token-answer.js';
import { checkTokenRequest, regionFromApiUrl, signingServiceOf, tokenEndpoint, tokenUrl } from './token-endpoint.js';

export interface TokenClientOptions {
  /** The stack's ApiUrl output (https://API_ID.execute-api.REGION.amazonaws.com/v1/token) or its stage URL (…/v1). */
  apiUrl: string;
  /** Signing Region. @default the Region in an execute-api host, else AWS_REGION / AWS_DEFAULT_REGION */
  region?: string;
  /** Credentials or a provider. @default the AWS SDK's default chain (defaultProvider()) */
  credentials?: AwsCredentials;
  /** For a deployment with auth=apiKey: sent as x-api-key instead of signing the request. */
  apiKey?: string;
  /**
   * The SigV4 service: execute-api for the HTTP API or REST API front door, lambda for a Function
   * URL. @default lambda for a *.lambda-url.REGION.on.aws host, else execute-api
   */
  signingService?: 'execute-api' | 'lambda';
  /** Deadline of one request, in ms. @default 30000 (API Gateway ends integrations after 29 s) */
  timeoutMs?: number;
  /** A cached answer is reused while its token stays valid for minValidity plus this many seconds. @default 60 */
  cacheMarginSeconds?: number;
}

export interface TokenRequest {
  /** The target's name; @default the service's default target (GET /token) */
  target?: string;
  /** Seconds the token must stay valid; sent as ?minValidity= and honoured by the cache. @default 0 (not sent) */
  minValidity?: number;
  /**
   * A token ArcGIS just rejected (498): sent as the X-Rejected-Token header (never in the URL), and
   * the cache is bypassed. When it is the service's current token and ArcGIS confirms the rejection,
   * the service replaces it; otherwise the answer is the service's current token.
   */
  rejected?: string;
}

export interface TokenClient {
  getToken(request?: TokenRequest): Promise<TokenAnswer>;
  /**
   * Calls `use` with a token; if ArcGIS rejects it (`use` throws an error that `isRejected` picks, by
   * default an ArcGIS 498 answer or HTTP 498), asks once for a replacement with `rejected` and calls
   * `use` again. Never more than one retry, so a token that keeps failing fails.
   */
  withToken<T>(use: (answer: TokenAnswer) => Promise<T>, request?: Omit<TokenRequest, 'rejected'> & { isRejected?: (error: unknown) => boolean }): Promise<T>;
}

/**
 * True for what ArcGIS says when a token is dead: an error carrying HTTP status 498 (`status`,
 * `statusCode` or `response.status`), or an ArcGIS JSON body `{"error":{"code":498}}` /
 * `{"code":498}` on the error's `body`/`json`/`details`.
 */
export function isTokenRejection(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as Record<string, unknown>;
  const statuses = [e['status'], e['statusCode'], (e['response'] as { status?: unknown } | undefined)?.status];
  if (statuses.some((status) => status === 498)) return true;
  for (const body of [e['body'], e['json'], e['details']]) {
    const parsed = typeof body === 'string' ? parseJsonOrUndefined(body) : body;
    if (typeof parsed === 'object' && parsed !== null) {
      const code = (parsed as { error?: { code?: unknown }; code?: unknown }).error?.code ?? (parsed as { code?: unknown }).code;
      if (code === 498 || code === '498') return true;
    }
  }
  return false;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_CACHE_MARGIN_SECONDS = 60;

interface Flight {
  minValidity: number;
  promise: Promise<TokenAnswer>;
}

export function createTokenClient(options: TokenClientOptions): TokenClient {
  const endpoint = tokenEndpoint(options.apiUrl);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const marginMs = (options.cacheMarginSeconds ?? DEFAULT_CACHE_MARGIN_SECONDS) * 1000;
  const authorize = options.apiKey !== undefined ? apiKeyHeaders(options.apiKey) : createRequestSigner(signingRegion(options, endpoint), options.credentials, options.signingService ?? signingServiceOf(endpoint));
  /** Keyed by target name ('' for the default target). */
  const answers = new Map<string, TokenAnswer>();
  const flights = new Map<string, Flight>();
  /** One report per target and rejected token at a time: every caller that saw it fail shares it. */
  const reports = new Map<string, { rejected: string; promise: Promise<TokenAnswer> }>();

  async function request(target: string | undefined, minValidity: number | undefined, key: string, rejected?: string): Promise<TokenAnswer> {
    const url = tokenUrl(endpoint, target, minValidity);
    const answer = await fetchAnswer(url, authorize, timeoutMs, rejected);
    if (!answer.stale) {
      const kept = answers.get(key);
      if (kept === undefined || kept.expires <= answer.expires) answers.set(key, answer);
    }
    return answer;
  }

  const client: TokenClient = {
    getToken({ target, minValidity, rejected } = {}) {
      try {
        checkTokenRequest(target, minValidity);
        if (rejected !== undefined) checkRejectedToken(rejected);
      } catch (error) {
        return Promise.reject(error);
      }
      const needed = minValidity ?? 0;
      const key = target ?? '';
      if (rejected !== undefined) {
        // The dead token must not be handed out again; a replacement already cached is the answer.
        const kept = answers.get(key);
        if (kept !== undefined && kept.token === rejected) answers.delete(key);
        else if (kept !== undefined && kept.expires - Date.now() > needed * 1000 + marginMs) return Promise.resolve(kept);
        const reporting = reports.get(key);
        if (reporting !== undefined && reporting.rejected === rejected) return reporting.promise;
        const report = { rejected, promise: request(target, minValidity, key, rejected) };
        reports.set(key, report);
        const land = () => {
          if (reports.get(key) === report) reports.delete(key);
        };
        report.promise.then(land, land);
        return report.promise;
      }
      const kept = answers.get(key);
      if (kept !== undefined && kept.expires - Date.now() > needed * 1000 + marginMs) return Promise.resolve(kept);
      // A request already under way for at least this validity will do.
      const flying = flights.get(key);
      if (flying !== undefined && flying.minValidity >= needed) return flying.promise;
      const flight: Flight = { minValidity: needed, promise: request(target, minValidity, key) };
      flights.set(key, flight);
      const land = () => {
        if (flights.get(key) === flight) flights.delete(key);
      };
      flight.promise.then(land, land);
      return flight.promise;
    },
    async withToken(use, { isRejected = isTokenRejection, ...request } = {}) {
      const first = await client.getToken(request);
      try {
        return await use(first);
      } catch (error) {
        if (!isRejected(error)) throw error;
        const second = await client.getToken({ ...request, rejected: first.token });
        return use(second);
      }
    },
  };
  return client;
}

/** A token is printable ASCII without spaces; anything else is refused without being shown. */
function checkRejectedToken(token: string): void {
  if (token.length === 0 || token.length > 8192 || !/^[\x21-\x7e]+$/.test(token)) {
    throw new TokenClientConfigError('rejected must be the token exactly as the service gave it (printable ASCII, no spaces); the value is not shown.');
  }
}

function signingRegion(options: TokenClientOptions, endpoint: URL): string {
  const region = options.region ?? regionFromApiUrl(endpoint) ?? (process.env['AWS_REGION'] || process.env['AWS_DEFAULT_REGION'] || undefined);
  if (region === undefined) {
    throw new TokenClientConfigError(`No Region to sign for: ${endpoint.host} is neither an execute-api nor a lambda-url host; pass region (or set AWS_REGION).`);
  }
  return region;
}

function apiKeyHeaders(apiKey: string): RequestSigner {
  if (apiKey.length === 0) throw new TokenClientConfigError('apiKey is empty.');
  return () => Promise.resolve({ 'x-api-key': apiKey, accept: 'application/json' });
}

async function fetchAnswer(url: URL, authorize: RequestSigner, timeoutMs: number, rejected?: string): Promise<TokenAnswer> {
  const shown = url.href;
  const signal = AbortSignal.timeout(timeoutMs);
  let headers: Record<string, string>;
  try {
    // Added after signing: it is not part of the signature, so it never appears in a signer's debug output.
    headers = { ...(await authorize(url)), ...(rejected !== undefined ? { 'x-rejected-token': rejected } : {}) };
  } catch (error) {
    // The SDK's chain found no credentials (or a profile, SSO session or role failed): nothing was sent.
    const reason = error instanceof Error ? error.message : String(error);
    throw new TokenClientConfigError(`No AWS credentials to sign GET ${shown}: ${reason}`, { cause: error });
  }
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { headers, signal, redirect: 'manual' });
    text = await response.text();
  } catch (error) {
    if (isTimeout(error)) {
      throw new TokenRequestError(shown, true, `GET ${shown} did not answer within ${timeoutMs} ms.`, { cause: error });
    }
    const reason = error instanceof Error ? causeCode(error) : String(error);
    throw new TokenRequestError(shown, false, `GET ${shown} failed: ${reason}.`, { cause: error });
  }
  if (response.status !== 200) {
    throw new TokenProblemError(shown, problemFromAnswer(response.status, response.statusText || STATUS_CODES[response.status] || '', text));
  }
  const body = parseJsonOrUndefined(text);
  if (body === undefined) {
    throw new TokenAnswerError(shown, `GET ${shown} answered 200 with ${response.headers.get('content-type') ?? 'no content type'} that is not JSON: is this the token service's URL?`);
  }
  const parsed = tokenAnswerSchema.safeParse(body);
  if (!parsed.success) {
    // Paths only: the values could include a token.
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(body)'))].join(', ');
    throw new TokenAnswerError(shown, `GET ${shown} answered 200 with JSON that is not a token answer (bad or missing: ${fields}): is this the token service's URL?`);
  }
  return freeze(parsed.data);
}

/** undici reports "fetch failed" and hides the reason (ECONNREFUSED, ENOTFOUND, a TLS error) in its cause. */
function causeCode(error: Error): string {
  const cause = error.cause;
  if (!(cause instanceof Error)) return error.message;
  const code = errorCode(cause);
  return code === undefined ? cause.message : `${cause.message} (${code})`;
}

/** Answers are shared by every caller that the cache serves: nobody may change them. */
function freeze(answer: TokenAnswer): TokenAnswer {
  Object.freeze(answer.usage);
  return Object.freeze(answer);
}

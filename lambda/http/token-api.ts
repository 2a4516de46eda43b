// GET /token and GET /token/{target}, independent of how the request arrived (API Gateway or the
// local server): validates the request, asks the token service, shapes the answer.
import type { Log } from '../domain/ports.js';
import type { ServedToken, TokenService } from '../service/token-service.js';
import { BadRequestError, MethodNotAllowedError } from '../domain/errors.js';
import type { TokenAnswer } from '../domain/token-answer.js';
import { jsonResponse, type HttpResponse } from './http-response.js';
import { problemResponse } from './problem.js';
import { readTokenQuery } from './token-query.js';

export interface TokenApiRequest {
  method: string;
  path: string;
  /** The {target} path segment; undefined for GET /token. */
  targetName?: string | undefined;
  query: Readonly<Record<string, readonly string[] | undefined>>;
  requestId?: string | undefined;
  /** The caller's IP address as API Gateway saw it (used by caller-ip targets). */
  callerIp?: string | undefined;
  /** The X-Rejected-Token header: a token the caller says ArcGIS rejected. Never a query parameter (access logs record those). */
  rejectedToken?: string | undefined;
}

export type TokenApi = (request: TokenApiRequest) => Promise<HttpResponse>;

export function createTokenApi(deps: { service: TokenService; log: Log }): TokenApi {
  return async (request) => {
    try {
      if (request.method !== 'GET') {
        throw new MethodNotAllowedError(`${request.method} is not supported: use GET ${request.path}.`);
      }
      const query = await readTokenQuery(request.query);
      const rejectedToken = parseRejectedToken(request.rejectedToken);
      const served = await deps.service.getToken(request.targetName, query.minValiditySeconds, { callerIp: request.callerIp, rejectedToken });
      // No log line per served token: it measured as most of a cache hit's cost, and API Gateway's
      // access log records every request; generation, refusals and failures are logged.
      return { statusCode: 200, headers: { ...ANSWER_HEADERS }, body: answerBody(served) };
    } catch (error) {
      return problemResponse(error, deps.log, { instance: request.path, requestId: request.requestId, target: request.targetName });
    }
  };
}

const ANSWER_HEADERS = jsonResponse(200, null).headers;

/** ArcGIS tokens are printable ASCII without spaces, and far shorter than this. */
const MAX_REJECTED_TOKEN_LENGTH = 8192;

/** The header's value, or a 400 that never quotes it (it is a token). */
function parseRejectedToken(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const token = value.trim();
  if (token.length === 0 || token.length > MAX_REJECTED_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token)) {
    throw new BadRequestError(
      `X-Rejected-Token must hold the token exactly as this service gave it (printable ASCII, no spaces, at most ${MAX_REJECTED_TOKEN_LENGTH} characters); this one does not, and is not shown.`,
    );
  }
  return token;
}
/** The service hands out the same ServedToken for every hit on a cached token: serialize it once. */
const bodies = new WeakMap<ServedToken, string>();

function answerBody(served: ServedToken): string {
  let body = bodies.get(served);
  if (body === undefined) bodies.set(served, (body = JSON.stringify(toAnswer(served))));
  return body;
}

export function toAnswer(served: ServedToken): TokenAnswer {
  const { binding } = served;
  return {
    token: served.token,
    expires: served.expires,
    expiresAt: new Date(served.expires).toISOString(),
    ssl: served.ssl,
    target: served.target.name,
    client: binding.client,
    ...(binding.referer !== undefined ? { referer: binding.referer } : {}),
    ...(binding.ip !== undefined ? { ip: binding.ip } : {}),
    usage: {
      header: 'X-Esri-Authorization',
      scheme: 'Bearer',
      parameter: 'token',
      ...(binding.referer !== undefined ? { refererHeader: binding.referer } : {}),
      httpsOnly: served.ssl,
    },
    source: served.source,
    stale: served.stale,
    ...(served.staleReason !== undefined ? { staleReason: served.staleReason } : {}),
  };
}

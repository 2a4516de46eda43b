// The three front doors' events → TokenApiRequest → the answer. A REST API's proxy integration
// sends payload 1.0 (httpMethod, path, pathParameters, multiValueQueryStringParameters); an HTTP
// API and a Lambda Function URL send payload 2.0 (requestContext.http, rawPath, rawQueryString,
// lowercased headers). Both become the same TokenApiRequest, and the answer's shape
// ({statusCode, headers, body}) is valid for both payloads, so every front door answers alike.
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Log } from '../domain/ports.js';
import type { TokenApi, TokenApiRequest } from '../http/token-api.js';
import type { HttpResponse } from '../http/http-response.js';
import { problemResponse } from '../http/problem.js';
import { NotFoundError } from '../domain/errors.js';

export type HttpRequestEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2;

const NO_QUERY: TokenApiRequest['query'] = Object.freeze({});
/** `/token` or `/token/NAME`; a Function URL passes every path, so the route is matched here. */
const TOKEN_ROUTE = /^\/token(?:\/(.*?))?\/?$/;

export function createApiGatewayHandler(api: TokenApi, log: Log): (event: HttpRequestEvent) => Promise<HttpResponse> {
  return async (event) => {
    let request: TokenApiRequest;
    try {
      request = toTokenApiRequest(event);
    } catch (error) {
      return problemResponse(error, log, toRequestContext(event));
    }
    const response = await api(request);
    return { statusCode: response.statusCode, headers: response.headers, body: response.body };
  };
}

/** The request either event describes; throws NotFoundError for a path outside /token. */
export function toTokenApiRequest(event: HttpRequestEvent): TokenApiRequest {
  if (!isPayloadV2(event)) {
    return {
      method: event.httpMethod,
      path: event.path,
      targetName: event.pathParameters?.target ?? undefined,
      query: event.multiValueQueryStringParameters ?? NO_QUERY,
      requestId: event.requestContext?.requestId,
      callerIp: event.requestContext?.identity?.sourceIp,
      rejectedToken: header(event.headers, REJECTED_TOKEN_HEADER),
    };
  }
  const path = requestPath(event);
  return {
    method: event.requestContext.http.method,
    path,
    targetName: event.pathParameters?.target ?? targetFromPath(path),
    query: queryV2(event),
    requestId: event.requestContext.requestId,
    callerIp: event.requestContext.http.sourceIp,
    rejectedToken: header(event.headers, REJECTED_TOKEN_HEADER),
  };
}

/** Names the token a caller says ArcGIS rejected (see TokenRequestContext.rejectedToken). */
export const REJECTED_TOKEN_HEADER = 'x-rejected-token';

/** A header's value whatever its case (a REST event keeps the caller's; payload 2.0 lowercases). */
function header(headers: Readonly<Record<string, string | undefined>> | null | undefined, name: string): string | undefined {
  if (headers === null || headers === undefined) return undefined;
  for (const key in headers) if (key.toLowerCase() === name) return headers[key];
  return undefined;
}

/** Where an answer that never reached the token API (a bad path, a broken configuration) points. */
export function toRequestContext(event: HttpRequestEvent): { instance: string; requestId: string | undefined } {
  return { instance: requestPath(event), requestId: event.requestContext?.requestId };
}

export function isHttpRequestEvent(event: unknown): event is HttpRequestEvent {
  if (typeof event !== 'object' || event === null || !('requestContext' in event)) return false;
  return 'httpMethod' in event || isPayloadV2(event as HttpRequestEvent);
}

function isPayloadV2(event: HttpRequestEvent): event is APIGatewayProxyEventV2 {
  return (event as { version?: unknown }).version === '2.0' && typeof (event as APIGatewayProxyEventV2).requestContext?.http === 'object';
}

/**
 * The path below the stage, as a REST event's `path` gives it: an HTTP API on a named stage keeps
 * the stage in rawPath (/v1/token), a Function URL and the $default stage have none.
 */
function requestPath(event: HttpRequestEvent): string {
  if (!isPayloadV2(event)) return event.path;
  const stage = event.requestContext.stage;
  const prefix = stage !== undefined && stage !== '$default' ? `/${stage}` : '';
  return prefix !== '' && (event.rawPath === prefix || event.rawPath.startsWith(`${prefix}/`)) ? event.rawPath.slice(prefix.length) || '/' : event.rawPath;
}

/** A Function URL has no path parameters: the target is what follows /token/ (percent-decoded). */
function targetFromPath(path: string): string | undefined {
  const match = TOKEN_ROUTE.exec(path);
  if (match === null) throw new NotFoundError(`Nothing is served at ${path}: use GET /token or GET /token/{target}.`);
  const segment = match[1];
  if (segment === undefined || segment === '') return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Payload 2.0 joins a repeated key's values with commas in queryStringParameters, so
 * `minValidity=1&minValidity=2` would read as one value "1,2"; rawQueryString keeps them apart, and
 * the query parser refuses the repeat exactly as it does for a REST event's multi-value map.
 */
function queryV2(event: APIGatewayProxyEventV2): TokenApiRequest['query'] {
  if (typeof event.rawQueryString === 'string') {
    if (event.rawQueryString === '') return NO_QUERY;
    const query: Record<string, string[]> = {};
    for (const [key, value] of new URLSearchParams(event.rawQueryString)) (query[key] ??= []).push(value);
    return query;
  }
  const single = event.queryStringParameters;
  if (single === undefined) return NO_QUERY;
  const query: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(single)) if (value !== undefined) query[key] = value.split(',');
  return query;
}

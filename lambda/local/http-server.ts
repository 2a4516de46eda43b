// Serves the Lambda's API Gateway handler over plain HTTP on loopback: each request becomes the
// REST proxy event API Gateway would send for GET /token or GET /token/{target}.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

type ApiGatewayHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

const ROUTE = /^\/token(?:\/([^/]+))?\/?$/;

export function createLocalServer(handler: ApiGatewayHandler): Server {
  return createServer((req, res) => {
    void handle(handler, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    });
  });
}

async function handle(handler: ApiGatewayHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const match = ROUTE.exec(url.pathname);
  if (match === null) {
    return send(res, {
      statusCode: 404,
      headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
      body: JSON.stringify({
        type: 'urn:arcgis-token-vending:problem:not-found',
        title: 'Not found',
        status: 404,
        detail: `Nothing is served at ${url.pathname}: use GET /token or GET /token/{target}.`,
        instance: url.pathname,
      }),
    });
  }
  let targetName: string | undefined;
  try {
    targetName = match[1] === undefined ? undefined : decodeURIComponent(match[1]);
  } catch {
    targetName = match[1];
  }
  // Without a prototype, so `?__proto__=1` or `?constructor=1` is a key like any other (and gets the
  // handler's 400 for an unknown parameter) instead of Object.prototype's member (a 500 here).
  const multi: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const [key, value] of url.searchParams) (multi[key] ??= []).push(value);
  const single = Object.fromEntries(Object.entries(multi).map(([key, values]) => [key, values[values.length - 1]!]));
  const requestId = randomUUID();

  // Only the fields the handler reads are meaningful; the rest mirror a REST proxy event's shape.
  const event = {
    resource: targetName === undefined ? '/token' : '/token/{target}',
    path: url.pathname,
    httpMethod: req.method ?? 'GET',
    headers: flatHeaders(req),
    multiValueHeaders: {},
    queryStringParameters: Object.keys(single).length > 0 ? single : null,
    multiValueQueryStringParameters: Object.keys(multi).length > 0 ? multi : null,
    pathParameters: targetName === undefined ? null : { target: targetName },
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId, httpMethod: req.method ?? 'GET', path: url.pathname, stage: 'local', identity: { sourceIp: req.socket.remoteAddress ?? '' } },
  } as unknown as APIGatewayProxyEvent; // a partial event: requestContext has many AWS-only fields the handler never reads
  req.resume();
  send(res, await handler(event));
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[key] = value;
  return headers;
}

function send(res: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(result.headers ?? {})) headers[key] = String(value);
  res.writeHead(result.statusCode, headers);
  res.end(result.body);
}

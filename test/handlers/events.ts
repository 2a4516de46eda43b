// Builders for the events Lambda receives: an API Gateway REST proxy request (payload 1.0), the
// payload 2.0 requests an HTTP API and a Lambda Function URL send, and an EventBridge scheduled
// event, with only the fields AWS really sends that matter here (shapes as documented by AWS for
// each integration; the 2.0 examples also carry an IAM authorizer context, left out as unread).
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, ScheduledEvent } from 'aws-lambda';

export interface RequestOptions {
  /** The request path below the stage, e.g. /token/portal; derived from target when left out. */
  path?: string;
  target?: string;
  query?: Record<string, string[]>;
  method?: string;
  sourceIp?: string;
}

/** The front doors of the construct, by the event each sends. */
export const EVENT_SHAPES = ['rest', 'http', 'function-url'] as const;
export type EventShape = (typeof EVENT_SHAPES)[number];

const pathOf = (options: RequestOptions) => options.path ?? (options.target === undefined ? '/token' : `/token/${options.target}`);

export function apiEvent(options: RequestOptions = {}): APIGatewayProxyEvent {
  const path = pathOf(options);
  const multi = options.query ?? null;
  return {
    resource: options.target === undefined ? '/token' : '/token/{target}',
    path,
    httpMethod: options.method ?? 'GET',
    headers: { Host: 'abc123.execute-api.eu-west-1.amazonaws.com', 'X-Amz-Date': '20261123T100000Z' },
    multiValueHeaders: {},
    queryStringParameters: multi && Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v[v.length - 1]!])),
    multiValueQueryStringParameters: multi,
    pathParameters: options.target === undefined ? null : { target: options.target },
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-123',
      httpMethod: options.method ?? 'GET',
      path: `/v1${path}`,
      stage: 'v1',
      identity: { sourceIp: options.sourceIp ?? '198.51.100.7' },
    } as APIGatewayProxyEvent['requestContext'],
  };
}

/** Payload 2.0 joins repeated query keys with commas in queryStringParameters; rawQueryString keeps them apart. */
function query2(query: Record<string, string[]> | undefined): Pick<APIGatewayProxyEventV2, 'rawQueryString' | 'queryStringParameters'> {
  if (query === undefined) return { rawQueryString: '' };
  const raw = new URLSearchParams();
  for (const [key, values] of Object.entries(query)) for (const value of values) raw.append(key, value);
  return { rawQueryString: raw.toString(), queryStringParameters: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, v.join(',')])) };
}

function requestContext2(options: RequestOptions, rawPath: string, routeKey: string, stage: string, domainName: string): APIGatewayProxyEventV2['requestContext'] {
  return {
    accountId: '123456789012',
    apiId: domainName.split('.')[0]!,
    domainName,
    domainPrefix: domainName.split('.')[0]!,
    http: { method: options.method ?? 'GET', path: rawPath, protocol: 'HTTP/1.1', sourceIp: options.sourceIp ?? '198.51.100.7', userAgent: 'test' },
    requestId: 'req-123',
    routeKey,
    stage,
    time: '23/Nov/2026:10:00:00 +0000',
    timeEpoch: 1795428000000,
  };
}

/** An HTTP API with routes GET /token and GET /token/{target} on stage v1 (the path keeps the stage). */
export function httpApiEvent(options: RequestOptions = {}): APIGatewayProxyEventV2 {
  const rawPath = `/v1${pathOf(options)}`;
  const routeKey = `${options.method ?? 'GET'} ${options.target === undefined ? '/token' : '/token/{target}'}`;
  return {
    version: '2.0',
    routeKey,
    rawPath,
    ...query2(options.query),
    headers: { host: 'abc123.execute-api.eu-west-1.amazonaws.com', 'x-amz-date': '20261123T100000Z' },
    ...(options.target === undefined ? {} : { pathParameters: { target: options.target } }),
    requestContext: requestContext2(options, rawPath, routeKey, 'v1', 'abc123.execute-api.eu-west-1.amazonaws.com'),
    isBase64Encoded: false,
  };
}

/** A Lambda Function URL: every path reaches the function, with no path parameters and stage $default. */
export function functionUrlEvent(options: RequestOptions = {}): APIGatewayProxyEventV2 {
  const rawPath = pathOf(options);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    ...query2(options.query),
    headers: { host: 'abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws', 'x-amz-date': '20261123T100000Z' },
    requestContext: requestContext2(options, rawPath, '$default', '$default', 'abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws'),
    isBase64Encoded: false,
  };
}

export function eventFor(shape: EventShape, options: RequestOptions = {}): APIGatewayProxyEvent | APIGatewayProxyEventV2 {
  return shape === 'rest' ? apiEvent(options) : shape === 'http' ? httpApiEvent(options) : functionUrlEvent(options);
}

export function scheduledEvent(): ScheduledEvent {
  return {
    version: '0',
    id: 'evt-1',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: '2026-11-23T10:00:00Z',
    region: 'eu-west-1',
    resources: ['arn:aws:events:eu-west-1:123456789012:rule/refresh'],
    detail: {},
  };
}

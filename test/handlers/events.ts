// Builders for the events Lambda receives: an API Gateway REST proxy request and an EventBridge
// scheduled event, with only the fields API Gateway and EventBridge really send that matter here.
import type { APIGatewayProxyEvent, ScheduledEvent } from 'aws-lambda';

export function apiEvent(options: { path?: string; target?: string; query?: Record<string, string[]>; method?: string } = {}): APIGatewayProxyEvent {
  const path = options.path ?? (options.target === undefined ? '/token' : `/token/${options.target}`);
  const multi = options.query ?? null;
  return {
    resource: options.target === undefined ? '/token' : '/token/{target}',
    path,
    httpMethod: options.method ?? 'GET',
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: multi && Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v[v.length - 1]!])),
    multiValueQueryStringParameters: multi,
    pathParameters: options.target === undefined ? null : { target: options.target },
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: 'req-123', httpMethod: options.method ?? 'GET', path: `/v1${path}`, stage: 'v1' } as APIGatewayProxyEvent['requestContext'],
  };
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

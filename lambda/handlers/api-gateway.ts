// API Gateway (REST, proxy integration) → TokenApiRequest → APIGatewayProxyResult.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { TokenApi } from '../api/token-api.js';

export function createApiGatewayHandler(api: TokenApi): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  return async (event) => {
    const response = await api({
      method: event.httpMethod,
      path: event.path,
      targetName: event.pathParameters?.target ?? undefined,
      query: event.multiValueQueryStringParameters ?? {},
      requestId: event.requestContext?.requestId,
      callerIp: event.requestContext?.identity?.sourceIp,
    });
    return { statusCode: response.statusCode, headers: response.headers, body: response.body };
  };
}

export function isApiGatewayEvent(event: unknown): event is APIGatewayProxyEvent {
  return typeof event === 'object' && event !== null && 'httpMethod' in event && 'requestContext' in event;
}

// The one place where errors become answers: RFC 9457 problem documents. A TokenVendingError
// carries its own status, type and safe message; anything else is a bug, answered with a generic
// 500 whose detail points to the logs rather than echoing internal text.
import { TokenVendingError, describeError } from '../errors.js';
import type { Log } from '../core/ports.js';
import { jsonResponse, type HttpResponse } from './http-response.js';

export interface ProblemContext {
  /** The request path, reported as the problem's `instance`. */
  instance: string;
  requestId?: string | undefined;
  target?: string | undefined;
}

export function problemResponse(error: unknown, log: Log, context: ProblemContext): HttpResponse {
  if (error instanceof TokenVendingError) {
    const fields = { target: context.target, status: error.status, problem: error.slug, error: describeError(error) };
    if (error.status >= 500) log.error('request failed', fields);
    else log.info('request refused', fields);
    const response = jsonResponse(
      error.status,
      {
        type: error.type,
        title: error.title,
        status: error.status,
        detail: error.message,
        instance: context.instance,
        ...(context.target !== undefined ? { target: context.target } : {}),
        ...(context.requestId !== undefined ? { requestId: context.requestId } : {}),
        ...error.extensions(),
      },
      'application/problem+json',
    );
    Object.assign(response.headers, error.headers());
    return response;
  }
  log.error('unexpected error', { target: context.target, error: describeError(error) });
  return jsonResponse(
    500,
    {
      type: 'urn:arcgis-token-vending:problem:internal',
      title: 'Internal error',
      status: 500,
      detail: `An unexpected error occurred; the function's log has the details${context.requestId !== undefined ? ` under request id ${context.requestId}` : ''}.`,
      instance: context.instance,
      ...(context.requestId !== undefined ? { requestId: context.requestId } : {}),
    },
    'application/problem+json',
  );
}

// The one place where errors become answers: RFC 9457 problem documents. A TokenVendingError gets
// its status, type, title and headers from the one table (problem-types.ts) and its safe message;
// anything else is a bug, answered with a generic 500 whose detail points to the logs rather than
// echoing internal text.
import { TokenVendingError, describeError } from '../domain/errors.js';
import { PROBLEM_TYPE_BASE, problemHeaders, problemTypeOf } from './problem-types.js';
import type { Log } from '../domain/ports.js';
import { jsonResponse, type HttpResponse } from './http-response.js';

export interface ProblemContext {
  /** The request path, reported as the problem's `instance`. */
  instance: string;
  requestId?: string | undefined;
  target?: string | undefined;
}

export function problemResponse(error: unknown, log: Log, context: ProblemContext): HttpResponse {
  const problem = problemTypeOf(error);
  if (error instanceof TokenVendingError && problem !== undefined) {
    const fields = { target: context.target, status: problem.status, problem: problem.slug, error: describeError(error) };
    if (problem.status >= 500) log.error('request failed', fields);
    else log.info('request refused', fields);
    const response = jsonResponse(
      problem.status,
      {
        type: PROBLEM_TYPE_BASE + problem.slug,
        title: problem.title,
        status: problem.status,
        detail: error.message,
        instance: context.instance,
        ...(context.target !== undefined ? { target: context.target } : {}),
        ...(context.requestId !== undefined ? { requestId: context.requestId } : {}),
        ...error.extensions(),
      },
      'application/problem+json',
    );
    Object.assign(response.headers, problemHeaders(error));
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

// What getToken throws. One base class, a subclass per way a call fails, each with a fixed `name`.
// Messages name the URL, the status and the service's explanation, never a token or a credential:
// they end up in application logs.
import type { ProblemDocument } from './token-answer.js';

export class TokenClientError extends Error {
  override readonly name: string = 'TokenClientError';
}

/** The options or the environment cannot work: no Region, no AWS credentials, a URL that is not https, a bad minValidity. Nothing was sent. */
export class TokenClientConfigError extends TokenClientError {
  override readonly name = 'TokenClientConfigError';
}

/**
 * The service (or API Gateway in front of it) answered with an error. `problem` is the answer's
 * RFC 9457 document; `type`, `title`, `status` and `detail` are copied from it for convenience.
 */
export class TokenProblemError extends TokenClientError {
  override readonly name = 'TokenProblemError';
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string | undefined;

  constructor(
    readonly url: string,
    readonly problem: ProblemDocument,
  ) {
    super(`GET ${url} answered ${problem.status} ${problem.title}${problem.type === 'about:blank' ? '' : ` (${problem.type})`}${problem.detail !== undefined ? `: ${problem.detail}` : ''}`);
    this.type = problem.type;
    this.title = problem.title;
    this.status = problem.status;
    this.detail = problem.detail;
  }
}

/** No answer: the connection failed or the timeout ran out. */
export class TokenRequestError extends TokenClientError {
  override readonly name = 'TokenRequestError';

  constructor(
    readonly url: string,
    /** True when the client's own timeout ended the request. */
    readonly timedOut: boolean,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A 200 answer that is not a token answer (a proxy's page, another API). Its body is not quoted: it might hold a token. */
export class TokenAnswerError extends TokenClientError {
  override readonly name = 'TokenAnswerError';

  constructor(
    readonly url: string,
    message: string,
  ) {
    super(message);
  }
}

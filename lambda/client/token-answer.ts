// The wire format of the token service, validated where it enters the client: a 200 answer is a
// TokenAnswer (the one contract in domain/token-answer.ts), every other answer an RFC 9457 problem
// document (or, for refusals API Gateway makes before the function runs, its own `{"message": …}` body).
// zod/mini without a locale: the client shows which fields are wrong, never zod's messages.
import * as z from 'zod/mini';
import { parseJsonOrUndefined } from '../domain/parse-json-or-undefined.js';

export { tokenAnswerSchema, type TokenAnswer } from '../domain/token-answer.js';

/** An RFC 9457 problem document; the service adds members such as `arcgisCode` or `retryAt`. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [member: string]: unknown;
}

const problemSchema = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.number().check(z.int()),
  detail: z.optional(z.string()),
  instance: z.optional(z.string()),
});

/** API Gateway's own refusals (missing or bad signature, IAM deny, throttling): `message` or `Message`. */
const gatewayMessageSchema = z.union([z.object({ message: z.string() }), z.object({ Message: z.string() })]);

const MAX_DETAIL_CHARS = 500;

/**
 * The problem document of a non-200 answer. A body that is not one (API Gateway's `{"message"}`,
 * an HTML page from a proxy) becomes an `about:blank` problem with the HTTP status phrase as its
 * title, as RFC 9457 prescribes, and the message (or the start of the text) as its detail.
 */
export function problemFromAnswer(status: number, statusText: string, bodyText: string): ProblemDocument {
  const body = parseJsonOrUndefined(bodyText);
  const problem = problemSchema.safeParse(body);
  if (problem.success) return problem.data as ProblemDocument;
  const title = statusText || `HTTP ${status}`;
  const gateway = gatewayMessageSchema.safeParse(body);
  const detail = gateway.success ? ('message' in gateway.data ? gateway.data.message : gateway.data.Message) : bodyText.trim().slice(0, MAX_DETAIL_CHARS);
  return { type: 'about:blank', title, status, ...(detail.length > 0 ? { detail } : {}) };
}

// The answer of GET /token, as one zod schema: the service builds its answers to this type
// (http/token-api.ts), the clients parse answers with it (client/token-answer.ts), and
// docs/openapi.yaml's TokenAnswer schema is tested to accept and refuse exactly what it does
// (test/http/answer-contract.test.ts).
// zod/mini without a locale: this module ships in the client, which shows which fields are wrong,
// never zod's messages.
import * as z from 'zod/mini';
import { TARGET_NAME } from './target-name.js';

export const tokenUsageSchema = z.object({
  /** Esri's recommended way: this header with the value `Bearer TOKEN`. */
  header: z.literal('X-Esri-Authorization'),
  scheme: z.literal('Bearer'),
  /** The alternative: a `token` query or form parameter. */
  parameter: z.literal('token'),
  /** For referer-bound tokens: the exact Referer header every request must carry. */
  refererHeader: z.optional(z.string()),
  /** ArcGIS accepts this token over HTTPS only. */
  httpsOnly: z.boolean(),
});

export const tokenAnswerSchema = z
  .strictObject({
    token: z.string().check(z.minLength(1)),
    /** When ArcGIS says the token expires, in ms since epoch. */
    expires: z.number().check(z.int(), z.positive()),
    expiresAt: z.iso.datetime({ offset: true }),
    ssl: z.boolean(),
    target: z.string().check(z.regex(TARGET_NAME)),
    /** How the token is bound: referer, ip, requestip; none for app tokens; unknown for manual tokens. */
    client: z.enum(['referer', 'ip', 'requestip', 'none', 'unknown']),
    referer: z.optional(z.string()),
    ip: z.optional(z.string()),
    usage: tokenUsageSchema,
    source: z.enum(['cache', 'generated', 'manual']),
    /** True when the service's refresh failed and it served an older token that still covers minValidity. */
    stale: z.boolean(),
    staleReason: z.optional(z.string()),
  })
  .check(
    z.refine((a) => a.client !== 'referer' || a.referer !== undefined, { path: ['referer'] }),
    z.refine((a) => a.client !== 'ip' || a.ip !== undefined, { path: ['ip'] }),
    z.refine((a) => !a.stale || a.staleReason !== undefined, { path: ['staleReason'] }),
  );

export type TokenAnswer = z.infer<typeof tokenAnswerSchema>;
export type TokenUsage = z.infer<typeof tokenUsageSchema>;

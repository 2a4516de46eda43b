// The query string of GET /token by its schema: what token-query.ts's plain check leaves, loaded
// with import() only then, so a cold cached request reads no zod. Unknown parameters are refused
// rather than ignored, so a typo such as `minvalidity=3600` fails loudly instead of silently
// returning a short-lived token.
import * as z from 'zod/mini';
import { BadRequestError } from '../domain/errors.js';
import '../domain/config/zod-locale.js';
import { lazySchema } from '../domain/config/lazy-schema.js';
import { AT_MOST, MAX_MIN_VALIDITY_SECONDS, NO_QUERY, type TokenQuery } from './token-query-rules.js';

/** The query gives each parameter as an array of its values; minValidity must come once. */
const once = lazySchema(() =>
  z.pipe(z.array(z.string()).check(z.length(1, 'give minValidity once')), z.transform((values) => values[0]!)),
);

const seconds = lazySchema(() =>
  z.pipe(
    // Any number of digits: leading zeros are fine, and a too large number is called too large
    // (Number() of more than ~309 digits is Infinity, which z.number() refuses with the same message).
    z.pipe(z.string().check(z.regex(/^\d+$/, 'minValidity must be a whole number of seconds, e.g. minValidity=600')), z.transform((digits) => Number(digits))),
    z.number({ error: AT_MOST }).check(z.lte(MAX_MIN_VALIDITY_SECONDS, AT_MOST)),
  ),
);

const TokenQuerySchema = lazySchema(() =>
  z.strictObject({
    minValidity: z.optional(z.pipe(once, seconds)),
  }),
);

export function parseTokenQuery(query: Readonly<Record<string, readonly string[] | undefined>>): TokenQuery {
  // Most requests carry no query at all; skip the schema for them (it costs more than the cache hit).
  let empty = true;
  for (const key in query) if (query[key] !== undefined) empty = false;
  if (empty) return NO_QUERY;
  const present = Object.fromEntries(Object.entries(query).filter(([, values]) => values !== undefined));
  const result = TokenQuerySchema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) =>
      issue.code === 'unrecognized_keys' ? `unknown query parameter(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}; the only one supported is minValidity` : issue.message,
    );
    throw new BadRequestError(`Bad query string: ${problems.join('; ')}.`);
  }
  return { minValiditySeconds: result.data.minValidity ?? 0 };
}

// The query string of GET /token. The queries apps send (none, or one minValidity of digits) are
// read here without zod; anything else goes to the schema (token-query-schema.ts), loaded with
// import() on first use, which refuses it with the same 400 as before. zod's first schema in a
// process pays for compiling zod itself, and its code is a chunk a cold cached request never reads
// (domain/config/lazy-schema.ts). test/http/plain-token-query.property.test.ts holds the plain
// check to answering exactly as the schema does.
import { MAX_MIN_VALIDITY_SECONDS, NO_QUERY, type TokenQuery } from './token-query-rules.js';

export { AT_MOST, MAX_MIN_VALIDITY_SECONDS, NO_QUERY, type TokenQuery } from './token-query-rules.js';

/**
 * The query when it is one the schema accepts unchanged and this check can tell without it: no
 * parameter, or minValidity given once as ASCII digits of at most MAX_MIN_VALIDITY_SECONDS. Any
 * other query, every mistake included, gives undefined: the schema decides, and words the error.
 */
export function plainTokenQuery(query: Readonly<Record<string, readonly string[] | undefined>>): TokenQuery | undefined {
  let minValidity: readonly string[] | undefined;
  // Own keys only, as the schema's Object.entries sees them.
  for (const key of Object.keys(query)) {
    const values = query[key];
    if (values === undefined) continue;
    if (key !== 'minValidity') return undefined;
    minValidity = values;
  }
  if (minValidity === undefined) return NO_QUERY;
  if (!Array.isArray(minValidity) || minValidity.length !== 1) return undefined;
  const digits: unknown = minValidity[0];
  if (typeof digits !== 'string' || !/^\d+$/.test(digits)) return undefined;
  const seconds = Number(digits);
  return seconds <= MAX_MIN_VALIDITY_SECONDS ? { minValiditySeconds: seconds } : undefined;
}

/** The query by the plain check, else by the schema (loaded now); a BadRequestError for a bad one. */
export async function readTokenQuery(query: Readonly<Record<string, readonly string[] | undefined>>): Promise<TokenQuery> {
  return plainTokenQuery(query) ?? (await import('./token-query-schema.js')).parseTokenQuery(query);
}

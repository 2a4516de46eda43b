// What the plain query check (token-query.ts) and the schema (token-query-schema.ts) share: the
// limit on minValidity, its wording, and the answer to an empty query.
import { MAX_EXPIRATION_MINUTES } from '../domain/config/settings.js';

export const MAX_MIN_VALIDITY_SECONDS = MAX_EXPIRATION_MINUTES * 60;
export const AT_MOST = `minValidity is at most ${MAX_MIN_VALIDITY_SECONDS} seconds (15 days)`;

export interface TokenQuery {
  minValiditySeconds: number;
}

export const NO_QUERY: TokenQuery = Object.freeze({ minValiditySeconds: 0 });

// Portal tokens behind federated server tokens, kept per container. A server token never outlives
// its portal token, so a portal token is reused only while it has more than half its lifetime left;
// until then further exchanges (other targets on the same portal, retries) need no password login,
// and each login that is not made is one fewer chance to lock the account.
import type { IssuedToken } from './token-response.js';

/** The memory of one portal, account and binding (the caller builds the key). */
export interface PortalTokenSlot {
  /** The kept token while it has more than half its lifetime left at `now`. */
  reusable(now: number): IssuedToken | undefined;
  keep(token: IssuedToken, now: number): void;
  /** A refused exchange may mean a revoked portal token: the next sign-in logs in afresh. */
  forget(): void;
}

export class PortalTokenMemory {
  private readonly tokens = new Map<string, { token: IssuedToken; issuedAt: number }>();

  slot(key: string): PortalTokenSlot {
    return {
      reusable: (now) => {
        const kept = this.tokens.get(key);
        return kept !== undefined && kept.token.expires - now > (kept.token.expires - kept.issuedAt) / 2 ? kept.token : undefined;
      },
      keep: (token, now) => {
        this.tokens.set(key, { token, issuedAt: now });
      },
      forget: () => {
        this.tokens.delete(key);
      },
    };
  }
}

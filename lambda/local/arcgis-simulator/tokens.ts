// The tokens the simulated site has issued: who issued each (its dispenser), how it is bound, when
// it expires, and whether an administrator's action revoked it. A token is only valid where its
// dispenser's tokens are, which is what makes wrong-dispenser mistakes visible to clients.
import { randomBytes } from 'node:crypto';
import type { RequestedClient } from './requests.js';

/** Who issued a token; a token is only valid where its dispenser's tokens are. */
export type Dispenser = 'portal' | 'server' | 'admin' | 'federated';

/** 'app': an OAuth app token, bound to nothing. */
export type ClientMode = RequestedClient | 'app';

export interface IssuedToken {
  /** undefined for OAuth app tokens */
  username: string | undefined;
  dispenser: Dispenser;
  /** For dispenser 'federated': the server the token is for. */
  federatedAdaptor: string | undefined;
  client: ClientMode;
  referer: string | undefined;
  ip: string | undefined;
  expires: number;
}

export type TokenCheck = { ok: true; issued: IssuedToken } | { ok: false; code: 498 | 499 };

/** Which tokens a resource accepts. */
export type Accepts = (issued: IssuedToken) => boolean;

/** Tokens of one dispenser (the portal, the standalone server, its admin API). */
export function fromDispenser(dispenser: Exclude<Dispenser, 'federated'>): Accepts {
  return (issued) => issued.dispenser === dispenser;
}

/** Server tokens the portal issued for this very federated server (by exchange, or by a portal login naming it in serverUrl). */
export function forFederatedServer(adaptor: string): Accepts {
  return (issued) => issued.dispenser === 'federated' && issued.federatedAdaptor === adaptor;
}

export class TokenLedger {
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly revoked = new Set<string>();

  constructor(private readonly now: () => number) {}

  /** A new opaque token, as long and as random as real ones. */
  issue(issued: IssuedToken): string {
    const token = randomBytes(32).toString('base64url');
    this.tokens.set(token, issued);
    return token;
  }

  /** 499 without a token; 498 for one that is unknown, revoked, expired, from a dispenser `accepts` refuses, or sent without its Referer. */
  check(referer: string | undefined, token: string | undefined, accepts: Accepts): TokenCheck {
    if (!token) return { ok: false, code: 499 };
    const issued = this.revoked.has(token) ? undefined : this.tokens.get(token);
    if (
      issued === undefined ||
      issued.expires <= this.now() ||
      !accepts(issued) ||
      // A referer-bound token needs exactly that Referer header (a missing header fails too).
      (issued.client === 'referer' && referer !== issued.referer)
    ) {
      return { ok: false, code: 498 };
    }
    // IP binding (client=ip/requestip) is not enforced: over loopback every caller is 127.0.0.1,
    // so the simulator cannot tell callers apart.
    return { ok: true, issued };
  }

  /**
   * Invalidates every token issued so far, as a new token key on the server, a site restored or an
   * administrator's action does: they answer 498 from now on, though not expired.
   */
  revokeAll(): void {
    for (const token of this.tokens.keys()) this.revoked.add(token);
  }

  /** How many tokens were issued, revoked ones included. */
  issuedCount(): number {
    return this.tokens.size;
  }
}

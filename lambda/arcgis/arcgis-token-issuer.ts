// The TokenIssuer the core uses: a target's settings plus credentials become a generateToken call.
import type { Target } from '../config/schema.js';
import type { Credentials, TokenIssuer } from '../core/ports.js';
import { generateToken } from './generate-token.js';
import type { FetchLike } from './http.js';
import { tokenEndpointFor } from './token-endpoint.js';
import type { IssuedToken } from './token-response.js';

export class ArcGisTokenIssuer implements TokenIssuer {
  constructor(private readonly options: { timeoutMs: number; now?: () => number; fetch?: FetchLike }) {}

  issue(target: Target, credentials: Credentials): Promise<IssuedToken> {
    return generateToken(
      {
        tokenUrl: tokenEndpointFor(target.url),
        username: credentials.username,
        password: credentials.password,
        client: target.client,
        referer: target.referer,
        ip: target.ip,
        expirationMinutes: target.expirationMinutes,
      },
      { timeoutMs: this.options.timeoutMs, now: this.options.now ?? Date.now, ...(this.options.fetch ? { fetch: this.options.fetch } : {}) },
    );
  }
}

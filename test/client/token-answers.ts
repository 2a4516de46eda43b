// Token answers as the service sends them, for the client tests: each call gets a new token.
import type { TokenAnswer } from '../../lambda/client/index.js';

let issued = 0;

/** Numbers tokens from fake-token-1 again (call before each test). */
export function resetIssuedTokens(): void {
  issued = 0;
}

export function tokenAnswer(overrides: Partial<TokenAnswer> = {}): TokenAnswer {
  issued += 1;
  const expires = overrides.expires ?? Date.now() + 60 * 60_000;
  return {
    token: `fake-token-${issued}`,
    expires,
    expiresAt: new Date(expires).toISOString(),
    ssl: true,
    target: 'default',
    client: 'referer',
    referer: 'https://apps.example.com',
    usage: { header: 'X-Esri-Authorization', scheme: 'Bearer', parameter: 'token', refererHeader: 'https://apps.example.com', httpsOnly: true },
    source: 'cache',
    stale: false,
    ...overrides,
  };
}

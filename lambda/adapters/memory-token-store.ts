// The local stand-in for the SSM store: same interface, kept in memory.
import type { CachedToken } from '../core/cached-token.js';
import type { TokenStore } from '../core/ports.js';

export class MemoryTokenStore implements TokenStore {
  readonly values = new Map<string, CachedToken>();
  reads = 0;
  writes = 0;

  async get(targetName: string): Promise<CachedToken | undefined> {
    this.reads++;
    return this.values.get(targetName);
  }

  async put(targetName: string, token: CachedToken): Promise<void> {
    this.writes++;
    this.values.set(targetName, token);
  }
}

// The local stand-in for the SSM token store, kept in memory. Tests share one instance between
// several TokenServices to play several containers.
import type { TargetState } from '../core/cached-token.js';
import type { TokenStore } from '../core/ports.js';

export class MemoryTokenStore implements TokenStore {
  readonly values = new Map<string, TargetState>();
  reads = 0;
  writes = 0;

  async get(slotKey: string): Promise<TargetState | undefined> {
    this.reads++;
    const value = this.values.get(slotKey);
    return value === undefined ? undefined : structuredClone(value);
  }

  async put(slotKey: string, state: TargetState): Promise<void> {
    this.writes++;
    this.values.set(slotKey, structuredClone(state));
  }
}

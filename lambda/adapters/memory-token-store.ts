// The local stand-in for the SSM store: same interface and the same create-only lease semantics,
// kept in memory. Tests share one instance between several TokenServices to play several containers.
import type { TargetState } from '../core/cached-token.js';
import type { TokenStore } from '../core/ports.js';

export class MemoryTokenStore implements TokenStore {
  readonly values = new Map<string, TargetState>();
  readonly leases = new Map<string, { holder: string; until: number }>();
  reads = 0;
  writes = 0;

  async get(targetName: string): Promise<TargetState | undefined> {
    this.reads++;
    const value = this.values.get(targetName);
    return value === undefined ? undefined : structuredClone(value);
  }

  async put(targetName: string, state: TargetState): Promise<void> {
    this.writes++;
    this.values.set(targetName, structuredClone(state));
  }

  async acquireLease(targetName: string, holder: string, ttlMs: number, now: number): Promise<boolean> {
    const current = this.leases.get(targetName);
    if (current !== undefined && current.until > now && current.holder !== holder) return false;
    this.leases.set(targetName, { holder, until: now + ttlMs });
    return true;
  }

  async releaseLease(targetName: string, holder: string): Promise<void> {
    if (this.leases.get(targetName)?.holder === holder) this.leases.set(targetName, { holder, until: 0 });
  }
}

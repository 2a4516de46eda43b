// The local stand-in for the SSM token store, kept in memory. Tests share one instance between
// several TokenServices to play several containers.
import type { TargetState } from '../domain/cached-token.js';
import type { TokenStore } from '../domain/ports.js';

export class MemoryTokenStore implements TokenStore {
  // Truly private (#): the store offers the port and nothing else. Tests that count reads and
  // writes or look at what is stored use CountingTokenStore (test/service/fakes.ts).
  readonly #slots = new Map<string, TargetState>();

  // Copies in and out, as SSM's serialisation does: a caller's later edits never reach the store.
  async get(slotKey: string): Promise<TargetState | undefined> {
    const value = this.#slots.get(slotKey);
    return value === undefined ? undefined : structuredClone(value);
  }

  async put(slotKey: string, state: TargetState): Promise<void> {
    this.#slots.set(slotKey, structuredClone(state));
  }
}

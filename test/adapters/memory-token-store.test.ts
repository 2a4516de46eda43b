// The in-memory token store the local server runs on: one record per slot, kept apart from its
// callers (a copy in, a copy out, as SSM's serialisation keeps it), and nothing beyond the port.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { TargetState } from '../../lambda/domain/cached-token.js';
import type { TokenStore } from '../../lambda/domain/ports.js';
import { MemoryTokenStore } from '../../lambda/adapters/memory-token-store.js';

const STATE: TargetState = {
  version: 2,
  token: {
    token: 'fake-token-1',
    expires: 1_700_003_600_000,
    ssl: true,
    issuedAt: 1_700_000_000_000,
    fingerprint: 'fingerprint-1',
    identity: 'identity-1',
    binding: { client: 'referer', referer: 'https://app.example.com' },
  },
};

describe('MemoryTokenStore', () => {
  it('holds nothing for a slot never written', async () => {
    expect(await new MemoryTokenStore().get('main')).toBeUndefined();
  });

  it('returns what was last written to a slot, and only to that slot', async () => {
    const store = new MemoryTokenStore();
    await store.put('main', STATE);
    await store.put('main', { version: 2 });
    await store.put('apps/ip-198.51.100.7', STATE);
    expect(await store.get('main')).toEqual({ version: 2 });
    expect(await store.get('apps/ip-198.51.100.7')).toEqual(STATE);
    expect(await store.get('apps')).toBeUndefined();
  });

  it("keeps its own copy: a caller's later edits to what it wrote or read change nothing stored", async () => {
    const store = new MemoryTokenStore();
    const written = structuredClone(STATE);
    await store.put('main', written);
    written.token!.token = 'edited-after-put';
    const read = await store.get('main');
    read!.token!.expires = 1;
    expect(await store.get('main')).toEqual(STATE);
  });

  it('shows nothing but the port: no counters or maps for tests to reach into', () => {
    // Tests count and inspect through test/service/fakes.ts (CountingTokenStore), not the shipped store.
    expectTypeOf<keyof MemoryTokenStore>().toEqualTypeOf<keyof TokenStore>();
    expect(Object.keys(new MemoryTokenStore())).toEqual([]);
  });
});

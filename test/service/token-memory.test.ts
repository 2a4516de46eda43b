import { beforeEach, describe, expect, it } from 'vitest';
import { identityHash, targetFingerprint, type CachedToken, type TargetState } from '../../lambda/domain/cached-token.js';
import type { Target } from '../../lambda/domain/config/schema.js';
import { parseServiceConfig } from '../../lambda/domain/config/parse-config.js';
import type { Credentials, TokenStore } from '../../lambda/domain/ports.js';
import { CachingCredentialSource, CREDENTIALS_MAX_AGE_MS } from '../../lambda/service/caching-credentials.js';
import { slotFor, type Slot } from '../../lambda/service/slot.js';
import { TokenMemory } from '../../lambda/service/token-memory.js';
import { CapturingLog, CountingMetrics, FakeClock, FakeCredentials, FakeStore } from './fakes.js';

const HOUR = 3_600_000;
const config = parseServiceConfig(
  {
    targets: [
      { name: 'main', url: 'https://gis.example.com/portal', referer: 'https://apps.example.com', secretId: 'arcgis/main' },
      { name: 'ops', url: 'https://gis.example.com/arcgis', client: 'ip', ip: '203.0.113.7', secretId: 'arcgis/ops' },
      { name: 'callers', url: 'https://gis.example.com/portal', client: 'caller-ip', secretId: 'arcgis/callers' },
    ],
  },
  'test',
);
const target = (name: string): Target => config.targets.find((t) => t.name === name)!;
const main = slotFor(target('main'));
const ops = slotFor(target('ops'));

const USER = identityHash('user:fake-user');
const OTHER_USER = identityHash('user:someone-else');
const IGNORED = 'cached token was issued under other settings or credentials; ignoring it';

let clock: FakeClock;
let store: FakeStore;
let secret: FakeCredentials;
let credentials: CachingCredentialSource;
let revoked: Set<string>;
let log: CapturingLog;
let metrics: CountingMetrics;
let memory: TokenMemory;

function newMemory(tokenStore: TokenStore = store): TokenMemory {
  return new TokenMemory({ store: tokenStore, credentials, targets: config.targets, isRevoked: (_slot, t) => revoked.has(t.token), log, metrics, now: clock.now });
}

/** A token of `slot` issued now, living `lifetimeMs`, stamped as the slot's target and USER unless told otherwise. */
function stamped(slot: Slot, name: string, lifetimeMs = HOUR, overrides: Partial<CachedToken> = {}): CachedToken {
  return { token: name, expires: clock.time + lifetimeMs, ssl: true, issuedAt: clock.time, fingerprint: targetFingerprint(slot.target), identity: USER, binding: { client: 'referer', referer: 'https://apps.example.com' }, requestedMinutes: 60, ...overrides };
}
const state = (token: CachedToken): TargetState => ({ version: 2, token });

/** Neither a password nor a token text appears in what was logged. */
function expectNoSecretsLogged(): void {
  expect(log.text()).not.toContain('fake-password');
  expect(log.text()).not.toContain('fake-token');
}

beforeEach(() => {
  clock = new FakeClock();
  store = new FakeStore();
  secret = new FakeCredentials();
  credentials = new CachingCredentialSource(secret, clock.now);
  revoked = new Set();
  log = new CapturingLog();
  metrics = new CountingMetrics();
  memory = newMemory();
});

describe('TokenMemory: fingerprint and usable', () => {
  it('fingerprints each target by its token-shaping settings', () => {
    expect(memory.fingerprint(main.target)).toBe(targetFingerprint(main.target));
    expect(memory.fingerprint(ops.target)).toBe(targetFingerprint(ops.target));
    expect(memory.fingerprint(main.target)).not.toBe(memory.fingerprint(ops.target));
  });

  it('finds a token usable for its own target, and for its owner or when the owner is not known', () => {
    const token = stamped(main, 'fake-token-1');
    expect(memory.usable(main, token, USER)).toBe(true);
    expect(memory.usable(main, token, undefined)).toBe(true);
  });

  it("finds a token of another owner, or of another target's settings, not usable", () => {
    expect(memory.usable(main, stamped(main, 'fake-token-1'), OTHER_USER)).toBe(false);
    expect(memory.usable(main, stamped(ops, 'fake-token-2'), undefined)).toBe(false);
    expect(memory.usable(main, stamped(main, 'fake-token-3', HOUR, { fingerprint: 'settings-before-an-edit' }), USER)).toBe(false);
  });
});

describe('TokenMemory: identities', () => {
  it('hashes a user by name and an app by client id, never keeping the secret', () => {
    expect(memory.identityOf({ kind: 'user', username: 'fake-user', password: 'fake-password-not-real' })).toBe(USER);
    expect(memory.identityOf({ kind: 'app', clientId: 'fake-client', clientSecret: 'fake-secret-not-real' })).toBe(identityHash('app:fake-client'));
    expect(USER).not.toContain('fake');
  });

  it('hashes one credentials object once, and another object with the same owner again, to the same hash', () => {
    let nameReads = 0;
    const counted = (): Credentials => ({
      kind: 'user',
      get username() {
        nameReads++;
        return 'fake-user';
      },
      password: 'fake-password-not-real',
    });
    const first = counted();
    expect(memory.identityOf(first)).toBe(USER);
    expect(memory.identityOf(first)).toBe(USER);
    expect(nameReads).toBe(1);
    expect(memory.identityOf(counted())).toBe(USER);
    expect(nameReads).toBe(2);
  });

  it('knows the owner only while this container holds the secret, without reading it', async () => {
    expect(memory.knownIdentity(main.target)).toBeUndefined();
    expect(secret.reads).toBe(0);
    await credentials.read('arcgis/main');
    expect(memory.knownIdentity(main.target)).toBe(USER);
    expect(memory.knownIdentity(ops.target)).toBeUndefined();
    clock.advance(CREDENTIALS_MAX_AGE_MS);
    expect(memory.knownIdentity(main.target)).toBeUndefined();
    expect(secret.reads).toBe(1);
  });

  it('reads the owner from the secret, and gives undefined without logging when the secret cannot be read', async () => {
    expect(await memory.readIdentity(main.target)).toBe(USER);
    expect(secret.reads).toBe(1);
    const broken = new CachingCredentialSource({ read: async () => Promise.reject(new Error('AccessDeniedException: not allowed')) }, clock.now);
    memory = new TokenMemory({ store, credentials: broken, targets: config.targets, isRevoked: () => false, log, metrics, now: clock.now });
    expect(await memory.readIdentity(main.target)).toBeUndefined();
    expect(log.lines).toEqual([]);
    expect(metrics.counts).toEqual([]);
  });
});

describe('TokenMemory.remember', () => {
  it('keeps a stored token of the current settings and owner', () => {
    const stored = stamped(main, 'fake-token-1');
    memory.remember(main, state(stored), USER);
    expect(memory.get(main)).toBe(stored);
    expect(log.lines).toEqual([]);
  });

  it('keeps a stored token without checking its owner when the owner is not known', () => {
    const stored = stamped(main, 'fake-token-1', HOUR, { identity: OTHER_USER });
    memory.remember(main, state(stored), undefined);
    expect(memory.get(main)).toBe(stored);
  });

  it('does nothing without a stored state or without a token in it', () => {
    memory.remember(main, undefined, USER);
    memory.remember(main, { version: 2 }, USER);
    expect(memory.get(main)).toBeUndefined();
    expect(log.lines).toEqual([]);
  });

  it('ignores a stored token of other settings, with an info line naming only the target', () => {
    memory.remember(main, state(stamped(main, 'fake-token-1', HOUR, { fingerprint: 'settings-before-an-edit' })), USER);
    expect(memory.get(main)).toBeUndefined();
    expect(log.lines).toEqual([{ level: 'info', message: IGNORED, fields: { target: 'main' } }]);
  });

  it("ignores a stored token of another owner (the secret's user changed)", () => {
    const known = stamped(main, 'fake-token-1');
    memory.set(main, known);
    memory.remember(main, state(stamped(main, 'fake-token-2', 2 * HOUR, { identity: OTHER_USER })), USER);
    expect(memory.get(main)).toBe(known);
    expect(log.lines).toEqual([{ level: 'info', message: IGNORED, fields: { target: 'main' } }]);
    expectNoSecretsLogged();
  });

  it('replaces the known token with a stored one that expires later', () => {
    memory.set(main, stamped(main, 'fake-token-1'));
    const newer = stamped(main, 'fake-token-2', HOUR + 1);
    memory.remember(main, state(newer), USER);
    expect(memory.get(main)).toBe(newer);
  });

  it('keeps the known token over a stored one that expires at the same time or sooner', () => {
    const known = stamped(main, 'fake-token-1');
    memory.set(main, known);
    memory.remember(main, state(stamped(main, 'fake-token-2')), USER);
    memory.remember(main, state(stamped(main, 'fake-token-3', HOUR - 1)), USER);
    expect(memory.get(main)).toBe(known);
  });

  it('replaces a known token that is no longer usable (another owner) with a stored one, even an older one', () => {
    memory.set(main, stamped(main, 'fake-token-1', HOUR, { identity: OTHER_USER }));
    const older = stamped(main, 'fake-token-2', HOUR / 2);
    memory.remember(main, state(older), USER);
    expect(memory.get(main)).toBe(older);
  });

  it('replaces a revoked known token with a different stored one, even an older one', () => {
    memory.set(main, stamped(main, 'fake-token-dead'));
    revoked.add('fake-token-dead');
    const older = stamped(main, 'fake-token-2', HOUR / 2);
    memory.remember(main, state(older), USER);
    expect(memory.get(main)).toBe(older);
  });

  it('keeps a revoked known token when the store holds that same token (nothing better to replace it with)', () => {
    const known = stamped(main, 'fake-token-dead');
    memory.set(main, known);
    revoked.add('fake-token-dead');
    memory.remember(main, state({ ...known, expires: known.expires - 1 }), USER);
    expect(memory.get(main)).toBe(known);
  });

  it('keeps each caller of a caller-ip target apart', () => {
    const first = slotFor(target('callers'), '198.51.100.1');
    const second = slotFor(target('callers'), '2001:db8:1:2::1');
    const token = stamped(first, 'fake-token-1');
    memory.remember(first, state(token), USER);
    expect(memory.get(first)).toBe(token);
    expect(memory.get(second)).toBeUndefined();
    expect(memory.get(slotFor(target('callers'), '::ffff:198.51.100.1'))).toBe(token);
  });
});

describe('TokenMemory.read and reload', () => {
  it('reads the slot from the store by its key and keeps a newer token', async () => {
    const first = slotFor(target('callers'), '2001:db8:1:2::1');
    const stored = stamped(first, 'fake-token-1');
    await store.put('callers/ip-2001_db8_1_2___64', state(stored));
    store.reads = 0;
    expect(await memory.reload(first, USER)).toEqual(stored);
    expect(memory.get(first)).toEqual(stored);
    expect(store.reads).toBe(1);
  });

  it('gives undefined for an empty slot', async () => {
    expect(await memory.read(main)).toBeUndefined();
    expect(await memory.reload(main, USER)).toBeUndefined();
  });

  it('counts a store fault and warns when a read rejects, and carries on with what it knows', async () => {
    const known = stamped(main, 'fake-token-1');
    memory.set(main, known);
    store.failReads = new Error('ThrottlingException: Rate exceeded');
    expect(await memory.read(main)).toBeUndefined();
    expect(await memory.reload(main, USER)).toBe(known);
    expect(metrics.counts).toEqual([
      { name: 'StoreFaults', target: 'main' },
      { name: 'StoreFaults', target: 'main' },
    ]);
    expect(log.lines[0]).toEqual({ level: 'warn', message: 'token store read failed; continuing without it', fields: { target: 'main', error: 'Error: ThrottlingException: Rate exceeded' } });
    expect(log.lines).toHaveLength(2);
  });

  it('treats a store that throws before returning a promise like one that rejects', async () => {
    const throwing: TokenStore = {
      get: () => {
        throw new TypeError('store not configured');
      },
      put: () => {
        throw new TypeError('store not configured');
      },
    };
    memory = newMemory(throwing);
    expect(await memory.read(main)).toBeUndefined();
    await expect(memory.storeNewer(main, stamped(main, 'fake-token-1'))).resolves.toBeUndefined();
    expect(metrics.counts).toEqual([
      { name: 'StoreFaults', target: 'main' },
      { name: 'StoreFaults', target: 'main' },
      { name: 'StoreFaults', target: 'main' },
    ]);
    expect(log.lines.map((l) => [l.message, l.fields?.['error']])).toEqual([
      ['token store read failed; continuing without it', 'TypeError: store not configured'],
      ['token store read failed; continuing without it', 'TypeError: store not configured'],
      ['token store write failed; continuing without it', 'TypeError: store not configured'],
    ]);
  });
});

describe('TokenMemory.storeNewer', () => {
  it('writes the token to an empty slot as a version 2 record', async () => {
    const token = stamped(main, 'fake-token-1');
    await memory.storeNewer(main, token);
    expect(await store.peek('main')).toEqual({ version: 2, token });
    expect(store.writes).toBe(1);
  });

  it('keeps a newer stored token of the same settings and owner instead of overwriting it, and remembers that one', async () => {
    const newer = stamped(main, 'fake-token-newer', HOUR + 1);
    await store.put('main', state(newer));
    store.writes = 0;
    await memory.storeNewer(main, stamped(main, 'fake-token-mine'));
    expect(store.writes).toBe(0);
    expect(await store.token('main')).toEqual(newer);
    expect(memory.get(main)).toEqual(newer);
  });

  it('overwrites a stored token that expires at the same time or sooner', async () => {
    await store.put('main', state(stamped(main, 'fake-token-same')));
    const mine = stamped(main, 'fake-token-mine');
    await memory.storeNewer(main, mine);
    expect(await store.token('main')).toEqual(mine);
    await store.put('main', state(stamped(main, 'fake-token-older', HOUR - 1)));
    await memory.storeNewer(main, mine);
    expect(await store.token('main')).toEqual(mine);
  });

  it('overwrites a newer stored token of another owner or other settings', async () => {
    const mine = stamped(main, 'fake-token-mine');
    await store.put('main', state(stamped(main, 'fake-token-other-user', 2 * HOUR, { identity: OTHER_USER })));
    await memory.storeNewer(main, mine);
    expect(await store.token('main')).toEqual(mine);
    await store.put('main', state(stamped(main, 'fake-token-old-settings', 2 * HOUR, { fingerprint: 'settings-before-an-edit' })));
    await memory.storeNewer(main, mine);
    expect(await store.token('main')).toEqual(mine);
  });

  it('writes when the read before it fails, counting that fault', async () => {
    store.failReads = new Error('ThrottlingException: Rate exceeded');
    const mine = stamped(main, 'fake-token-mine');
    await memory.storeNewer(main, mine);
    store.failReads = undefined;
    expect(await store.token('main')).toEqual(mine);
    expect(metrics.counts).toEqual([{ name: 'StoreFaults', target: 'main' }]);
  });

  it('counts a store fault and warns when the write rejects, and never throws', async () => {
    store.failWrites = new Error('AccessDeniedException: ssm:PutParameter not allowed');
    await expect(memory.storeNewer(main, stamped(main, 'fake-token-mine'))).resolves.toBeUndefined();
    expect(metrics.counts).toEqual([{ name: 'StoreFaults', target: 'main' }]);
    expect(log.lines).toEqual([
      { level: 'warn', message: 'token store write failed; continuing without it', fields: { target: 'main', error: 'Error: AccessDeniedException: ssm:PutParameter not allowed' } },
    ]);
    expectNoSecretsLogged();
  });
});

describe('TokenMemory.manual', () => {
  it("stamps an administrator's manual token as this slot's, its binding unknown", () => {
    const creds: Credentials = { kind: 'manual', manual: { token: 'fake-token-manual', expires: clock.time + 7 * 24 * HOUR } };
    expect(memory.manual(main, creds.manual, creds)).toStrictEqual({
      token: 'fake-token-manual',
      expires: clock.time + 7 * 24 * HOUR,
      ssl: true,
      issuedAt: clock.time,
      fingerprint: targetFingerprint(main.target),
      identity: identityHash('manual'),
      binding: { client: 'unknown' },
    });
  });

  it('dates an already expired manual token just before its expiry, so its lifetime stays positive', () => {
    const manual = { token: 'fake-token-manual', expires: clock.time - HOUR };
    const creds: Credentials = { kind: 'user', username: 'fake-user', password: 'fake-password-not-real', manual };
    const token = memory.manual(main, manual, creds);
    expect(token.issuedAt).toBe(clock.time - HOUR - 1);
    expect(token.identity).toBe(USER);
  });
});

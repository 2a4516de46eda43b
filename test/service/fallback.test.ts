import { beforeEach, describe, expect, it } from 'vitest';
import { identityHash, targetFingerprint, type CachedToken } from '../../lambda/domain/cached-token.js';
import { parseServiceConfig } from '../../lambda/domain/config/parse-config.js';
import { ArcGisUnreachableError, InvalidCredentialsError } from '../../lambda/domain/errors.js';
import { CachingCredentialSource, CREDENTIALS_MAX_AGE_MS } from '../../lambda/service/caching-credentials.js';
import { Fallback } from '../../lambda/service/fallback.js';
import { Revocations } from '../../lambda/service/revocation.js';
import { ServedTokens } from '../../lambda/service/served-token.js';
import { slotFor } from '../../lambda/service/slot.js';
import { TokenMemory } from '../../lambda/service/token-memory.js';
import { CapturingLog, CountingMetrics, FakeClock, FakeCredentials, FakeIssuer, FakeStore } from './fakes.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const config = parseServiceConfig(
  { targets: [{ name: 'main', url: 'https://gis.example.com/portal', referer: 'https://apps.example.com', secretId: 'arcgis/main' }] },
  'test',
);
const slot = slotFor(config.targets[0]!);
const USER = identityHash('user:fake-user');
const STALE_WARNING = 'refresh failed; serving the cached token while it stays valid';
const MANUAL_WARNING = 'refresh failed; serving the manual token from the secret';

let clock: FakeClock;
let issuer: FakeIssuer;
let secret: FakeCredentials;
let credentials: CachingCredentialSource;
let revocations: Revocations;
let memory: TokenMemory;
let log: CapturingLog;
let metrics: CountingMetrics;
let fallback: Fallback;
let failure: ArcGisUnreachableError;

/** A token of the slot expiring `leftMs` from now. */
function known(name: string, leftMs: number, identity = USER): CachedToken {
  return { token: name, expires: clock.time + leftMs, ssl: true, issuedAt: clock.time + leftMs - HOUR, fingerprint: targetFingerprint(slot.target), identity, binding: { client: 'referer', referer: 'https://apps.example.com' }, requestedMinutes: 60 };
}

/** Neither a password nor a token text appears in what was logged. */
function expectNoSecretsLogged(): void {
  expect(log.text()).not.toContain('fake-password');
  expect(log.text()).not.toContain('fake-token');
}

beforeEach(() => {
  clock = new FakeClock();
  issuer = new FakeIssuer(clock);
  secret = new FakeCredentials();
  credentials = new CachingCredentialSource(secret, clock.now);
  log = new CapturingLog();
  metrics = new CountingMetrics();
  revocations = new Revocations({ issuer, log, metrics, now: clock.now });
  memory = new TokenMemory({ store: new FakeStore(), credentials, targets: config.targets, isRevoked: (s, t) => revocations.isRevoked(s, t), log, metrics, now: clock.now });
  fallback = new Fallback({ memory, revocations, credentials, served: new ServedTokens(metrics), log, metrics, now: clock.now });
  failure = new ArcGisUnreachableError('https://gis.example.com/portal/sharing/rest/generateToken did not answer within 10000 ms.');
});

describe('Fallback.serve: the stale token', () => {
  it('serves the known token, marked stale with the reason, while it stays valid beyond minValidity', () => {
    const token = known('fake-token-1', 10 * MINUTE);
    memory.set(slot, token);
    expect(fallback.serve(slot, 5 * MINUTE, failure)).toStrictEqual({
      target: slot.target,
      token: 'fake-token-1',
      expires: token.expires,
      ssl: true,
      binding: { client: 'referer', referer: 'https://apps.example.com' },
      source: 'cache',
      stale: true,
      staleReason: 'https://gis.example.com/portal/sharing/rest/generateToken did not answer within 10000 ms.',
    });
  });

  it('counts StaleServed with the served token, and warns with its expiry and the reason, never its text', () => {
    const token = known('fake-token-1', 10 * MINUTE);
    memory.set(slot, token);
    fallback.serve(slot, 0, failure);
    expect(metrics.counts).toEqual([
      { name: 'StaleServed', target: 'main' },
      { name: 'TokensServed', target: 'main' },
      { name: 'CacheHits', target: 'main' },
    ]);
    expect(log.lines).toEqual([
      {
        level: 'warn',
        message: STALE_WARNING,
        fields: { target: 'main', expiresAt: new Date(token.expires).toISOString(), reason: 'ArcGisUnreachableError: https://gis.example.com/portal/sharing/rest/generateToken did not answer within 10000 ms.' },
      },
    ]);
    expectNoSecretsLogged();
  });

  it('does not serve a token that stays valid exactly minValidity, and serves one that stays a millisecond longer', () => {
    memory.set(slot, known('fake-token-1', 5 * MINUTE));
    expect(() => fallback.serve(slot, 5 * MINUTE, failure)).toThrow(failure);
    memory.set(slot, known('fake-token-2', 5 * MINUTE + 1));
    expect(fallback.serve(slot, 5 * MINUTE, failure).token).toBe('fake-token-2');
  });

  it('does not serve an expired token even when the caller asks for no minValidity', () => {
    memory.set(slot, known('fake-token-1', 0));
    expect(() => fallback.serve(slot, 0, failure)).toThrow(failure);
  });

  it('does not serve a token ArcGIS confirmed revoked', async () => {
    const token = known('fake-token-dead', 30 * MINUTE);
    memory.set(slot, token);
    issuer.revoked.add('fake-token-dead');
    await revocations.check(slot, token, clock.time + 25_000);
    metrics.counts.length = 0;
    expect(() => fallback.serve(slot, 0, failure)).toThrow(failure);
    expect(metrics.counts).toEqual([]);
  });

  it("does not serve a token of the secret's previous user when the current one is known", async () => {
    memory.set(slot, known('fake-token-1', 30 * MINUTE, identityHash('user:someone-else')));
    expect(fallback.serve(slot, 0, failure).token).toBe('fake-token-1');
    await credentials.read('arcgis/main');
    expect(() => fallback.serve(slot, 0, failure)).toThrow(failure);
  });

  it('does not serve a token issued under other settings', () => {
    memory.set(slot, { ...known('fake-token-1', 30 * MINUTE), fingerprint: 'settings-before-an-edit' });
    expect(() => fallback.serve(slot, 0, failure)).toThrow(failure);
  });

  it('prefers the stale token over a manual one', async () => {
    secret.credentials = { kind: 'user', username: 'fake-user', password: 'fake-password-not-real', manual: { token: 'fake-token-manual', expires: clock.time + 24 * HOUR } };
    await credentials.read('arcgis/main');
    memory.set(slot, known('fake-token-1', 10 * MINUTE));
    expect(fallback.serve(slot, 0, failure)).toMatchObject({ token: 'fake-token-1', source: 'cache', stale: true });
  });

  it('gives the reason of a thrown non-error as its text', () => {
    memory.set(slot, known('fake-token-1', 10 * MINUTE));
    expect(fallback.serve(slot, 0, 'lease lost').staleReason).toBe('lease lost');
    expect(log.lines[0]!.fields?.['reason']).toBe('lease lost');
  });
});

describe('Fallback.serve: the manual token', () => {
  const manualExpires = () => clock.time + 24 * HOUR;

  beforeEach(async () => {
    secret.credentials = { kind: 'user', username: 'fake-user', password: 'fake-password-not-real', manual: { token: 'fake-token-manual', expires: manualExpires() } };
    await credentials.read('arcgis/main');
  });

  it('serves the manual token from the secret read earlier, with the reason, not stale', () => {
    const expires = manualExpires();
    expect(fallback.serve(slot, 0, failure)).toStrictEqual({
      target: slot.target,
      token: 'fake-token-manual',
      expires,
      ssl: true,
      binding: { client: 'unknown' },
      source: 'manual',
      stale: false,
      staleReason: 'https://gis.example.com/portal/sharing/rest/generateToken did not answer within 10000 ms.',
    });
    expect(secret.reads).toBe(1);
  });

  it('counts the manual token served, no cache hit and no stale one, and warns with its expiry', () => {
    fallback.serve(slot, 0, failure);
    expect(metrics.counts).toEqual([{ name: 'TokensServed', target: 'main' }]);
    expect(log.lines).toEqual([
      { level: 'warn', message: MANUAL_WARNING, fields: { target: 'main', expiresAt: new Date(manualExpires()).toISOString(), reason: `ArcGisUnreachableError: ${failure.message}` } },
    ]);
    expectNoSecretsLogged();
  });

  it('uses a copy of the secret older than the credentials cache keeps (it is not read again here)', () => {
    clock.advance(CREDENTIALS_MAX_AGE_MS + HOUR);
    expect(fallback.serve(slot, 0, failure).source).toBe('manual');
    expect(secret.reads).toBe(1);
  });

  it('does not serve a manual token that stays valid exactly minValidity, and serves one a millisecond longer', () => {
    const left = 24 * HOUR;
    expect(() => fallback.serve(slot, left, failure)).toThrow(failure);
    expect(fallback.serve(slot, left - 1, failure).source).toBe('manual');
  });

  it('serves the manual token when the known one is revoked', async () => {
    const token = known('fake-token-dead', 30 * MINUTE);
    memory.set(slot, token);
    issuer.revoked.add('fake-token-dead');
    await revocations.check(slot, token, clock.time + 25_000);
    expect(fallback.serve(slot, 0, failure).token).toBe('fake-token-manual');
  });
});

describe('Fallback.serve: nothing to stand in', () => {
  it('rethrows the very error when there is no known token and no secret in memory, reading nothing', () => {
    const rejected = new InvalidCredentialsError({ url: 'https://gis.example.com/portal/sharing/rest/generateToken', code: 400, message: 'Unable to generate token.', details: ['Invalid username or password.'] }, 'Fix the secret.');
    let thrown: unknown;
    try {
      fallback.serve(slot, 0, rejected);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBe(rejected);
    expect(secret.reads).toBe(0);
    expect(metrics.counts).toEqual([]);
    expect(log.lines).toEqual([]);
  });

  it('rethrows when the secret in memory holds no manual token', async () => {
    await credentials.read('arcgis/main');
    expect(() => fallback.serve(slot, 0, failure)).toThrow(failure);
  });
});

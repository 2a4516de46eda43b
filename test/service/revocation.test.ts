import { beforeEach, describe, expect, it } from 'vitest';
import { targetFingerprint, type CachedToken } from '../../lambda/domain/cached-token.js';
import type { Target } from '../../lambda/domain/config/schema.js';
import { parseServiceConfig } from '../../lambda/domain/config/parse-config.js';
import { ArcGisUnreachableError } from '../../lambda/domain/errors.js';
import type { TokenIssuer } from '../../lambda/domain/ports.js';
import { REJECTION_RECHECK_MS, Revocations, type Verdict } from '../../lambda/service/revocation.js';
import { slotFor } from '../../lambda/service/slot.js';
import { CapturingLog, CountingMetrics, FakeClock, FakeIssuer } from './fakes.js';

const HOUR = 3_600_000;
const config = parseServiceConfig(
  {
    targets: [
      { name: 'main', url: 'https://gis.example.com/portal', referer: 'https://apps.example.com', secretId: 'arcgis/main' },
      { name: 'callers', url: 'https://gis.example.com/portal', client: 'caller-ip', secretId: 'arcgis/callers' },
    ],
  },
  'test',
);
const target = (name: string): Target => config.targets.find((t) => t.name === name)!;
const main = slotFor(target('main'));

const REVOKED_WARNING = 'ArcGIS rejects the cached token before its expiry (498: a new token key, a restored site, or an administrator); replacing it';

/** A check that answers only when the test says so, counting the questions asked. */
class HeldChecks implements Pick<TokenIssuer, 'check'> {
  asked: string[] = [];
  private readonly answers: Array<(verdict: Verdict) => void> = [];
  check(_target: Target, token: { token: string }): Promise<Verdict> {
    this.asked.push(token.token);
    return new Promise((resolve) => this.answers.push(resolve));
  }
  answer(verdict: Verdict): void {
    this.answers.shift()!(verdict);
  }
}

let clock: FakeClock;
let issuer: FakeIssuer;
let log: CapturingLog;
let metrics: CountingMetrics;
let revocations: Revocations;
let deadline: number;

function token(name: string, issuedAt = clock.time): CachedToken {
  return { token: name, expires: issuedAt + HOUR, ssl: true, issuedAt, fingerprint: targetFingerprint(main.target), identity: 'identity-hash', binding: { client: 'referer', referer: 'https://apps.example.com' } };
}

beforeEach(() => {
  clock = new FakeClock();
  issuer = new FakeIssuer(clock);
  log = new CapturingLog();
  metrics = new CountingMetrics();
  revocations = new Revocations({ issuer, log, metrics, now: clock.now });
  deadline = clock.time + 25_000;
});

describe('Revocations.check', () => {
  it('answers alive and changes nothing while ArcGIS accepts the token', async () => {
    const alive = token('fake-token-alive');
    expect(await revocations.check(main, alive, deadline)).toBe('alive');
    expect(revocations.isRevoked(main, alive)).toBe(false);
    expect(issuer.checks).toEqual(['fake-token-alive']);
    expect(metrics.counts).toEqual([]);
    expect(log.lines).toEqual([]);
  });

  it('marks a token ArcGIS rejects (498) revoked, counts TokensRevoked and warns with its expiry, never its text', async () => {
    const dead = token('fake-token-dead');
    issuer.revoked.add('fake-token-dead');
    expect(await revocations.check(main, dead, deadline)).toBe('revoked');
    expect(revocations.isRevoked(main, dead)).toBe(true);
    expect(metrics.counts).toEqual([{ name: 'TokensRevoked', target: 'main' }]);
    expect(log.lines).toEqual([{ level: 'warn', message: REVOKED_WARNING, fields: { target: 'main', expiresAt: new Date(dead.expires).toISOString() } }]);
    expect(log.text()).not.toContain('fake-token');
  });

  it('counts and warns about one revoked token once, however often it is checked', async () => {
    const dead = token('fake-token-dead');
    issuer.revoked.add('fake-token-dead');
    await revocations.check(main, dead, deadline);
    clock.advance(REJECTION_RECHECK_MS);
    expect(await revocations.check(main, dead, deadline)).toBe('revoked');
    expect(issuer.checks).toEqual(['fake-token-dead', 'fake-token-dead']);
    expect(metrics.total('TokensRevoked')).toBe(1);
    expect(log.lines).toHaveLength(1);
  });

  it('answers unknown when the check fails, warns with the error, and marks nothing', async () => {
    const failing: Pick<TokenIssuer, 'check'> = {
      check: async () => {
        throw new ArcGisUnreachableError('https://gis.example.com/portal/sharing/rest/portals/self did not answer within 10000 ms.');
      },
    };
    revocations = new Revocations({ issuer: failing, log, metrics, now: clock.now });
    const cached = token('fake-token-cached');
    expect(await revocations.check(main, cached, deadline)).toBe('unknown');
    expect(revocations.isRevoked(main, cached)).toBe(false);
    expect(metrics.counts).toEqual([]);
    expect(log.lines).toEqual([
      {
        level: 'warn',
        message: 'could not check whether the cached token still works',
        fields: { target: 'main', error: 'ArcGisUnreachableError: https://gis.example.com/portal/sharing/rest/portals/self did not answer within 10000 ms.' },
      },
    ]);
  });

  it('passes the target, the token and the deadline to the issuer', async () => {
    const calls: unknown[] = [];
    const recording: Pick<TokenIssuer, 'check'> = {
      check: async (t, tok, d) => {
        calls.push([t.name, tok.token, d]);
        return 'alive';
      },
    };
    revocations = new Revocations({ issuer: recording, log, metrics, now: clock.now });
    await revocations.check(main, token('fake-token-1'), deadline);
    expect(calls).toEqual([['main', 'fake-token-1', deadline]]);
  });

  it('shares one ArcGIS check among concurrent checks of one slot and token, counting a 498 once', async () => {
    const held = new HeldChecks();
    revocations = new Revocations({ issuer: held, log, metrics, now: clock.now });
    const dead = token('fake-token-dead');
    const checks = [revocations.check(main, dead, deadline), revocations.check(main, dead, deadline), revocations.check(main, { ...dead }, deadline)];
    expect(held.asked).toEqual(['fake-token-dead']);
    held.answer('revoked');
    expect(await Promise.all(checks)).toEqual(['revoked', 'revoked', 'revoked']);
    expect(metrics.total('TokensRevoked')).toBe(1);
    expect(log.lines).toHaveLength(1);
  });

  it('asks again once the shared check has settled', async () => {
    const held = new HeldChecks();
    revocations = new Revocations({ issuer: held, log, metrics, now: clock.now });
    const cached = token('fake-token-1');
    const first = revocations.check(main, cached, deadline);
    held.answer('alive');
    await first;
    const second = revocations.check(main, cached, deadline);
    expect(held.asked).toEqual(['fake-token-1', 'fake-token-1']);
    held.answer('alive');
    expect(await second).toBe('alive');
  });

  it('checks two slots, or two tokens of one slot, separately', async () => {
    const held = new HeldChecks();
    revocations = new Revocations({ issuer: held, log, metrics, now: clock.now });
    const callers = target('callers');
    const pending = [
      revocations.check(slotFor(callers, '198.51.100.1'), token('fake-token-a'), deadline),
      revocations.check(slotFor(callers, '198.51.100.2'), token('fake-token-a'), deadline),
      revocations.check(main, token('fake-token-b'), deadline),
      revocations.check(main, token('fake-token-c', clock.time + 1), deadline),
    ];
    expect(held.asked).toEqual(['fake-token-a', 'fake-token-a', 'fake-token-b', 'fake-token-c']);
    for (let i = 0; i < 4; i++) held.answer('alive');
    await Promise.all(pending);
  });

  it('checks two tokens of one slot separately even when issued at the same moment, each getting its own verdict', async () => {
    const held = new HeldChecks();
    revocations = new Revocations({ issuer: held, log, metrics, now: clock.now });
    const mine = token('fake-token-mine');
    const theirs = token('fake-token-theirs');
    const pending = [revocations.check(main, mine, deadline), revocations.check(main, theirs, deadline)];
    expect(held.asked).toEqual(['fake-token-mine', 'fake-token-theirs']);
    held.answer('alive');
    held.answer('revoked');
    expect(await Promise.all(pending)).toEqual(['alive', 'revoked']);
    expect(revocations.isRevoked(main, mine)).toBe(false);
    expect(revocations.isRevoked(main, theirs)).toBe(true);
  });

  it('keeps a revocation to its slot and its token', async () => {
    const callers = target('callers');
    const first = slotFor(callers, '198.51.100.1');
    const second = slotFor(callers, '198.51.100.2');
    const dead = token('fake-token-dead');
    issuer.revoked.add('fake-token-dead');
    await revocations.check(first, dead, deadline);
    expect(revocations.isRevoked(first, dead)).toBe(true);
    expect(revocations.isRevoked(first, token('fake-token-new'))).toBe(false);
    expect(revocations.isRevoked(second, dead)).toBe(false);
    expect(revocations.isRevoked(slotFor(callers, '::ffff:198.51.100.1'), dead)).toBe(true);
  });
});

describe('Revocations.reportDue', () => {
  it('is due for a token never checked', () => {
    expect(revocations.reportDue(main, token('fake-token-1'))).toBe(true);
  });

  it('is not due again until exactly REJECTION_RECHECK_MS after the last check', async () => {
    expect(REJECTION_RECHECK_MS).toBe(60_000);
    const cached = token('fake-token-1');
    await revocations.check(main, cached, deadline);
    expect(revocations.reportDue(main, cached)).toBe(false);
    clock.advance(REJECTION_RECHECK_MS - 1);
    expect(revocations.reportDue(main, cached)).toBe(false);
    clock.advance(1);
    expect(revocations.reportDue(main, cached)).toBe(true);
  });

  it('counts the interval from when the check answered', async () => {
    const held = new HeldChecks();
    revocations = new Revocations({ issuer: held, log, metrics, now: clock.now });
    const cached = token('fake-token-1');
    const check = revocations.check(main, cached, deadline);
    clock.advance(5_000);
    held.answer('alive');
    await check;
    clock.advance(REJECTION_RECHECK_MS - 1);
    expect(revocations.reportDue(main, cached)).toBe(false);
    clock.advance(1);
    expect(revocations.reportDue(main, cached)).toBe(true);
  });

  it('limits rechecks after a check that could not tell (unknown) too', async () => {
    issuer.checkVerdict = 'unknown';
    const cached = token('fake-token-1');
    expect(await revocations.check(main, cached, deadline)).toBe('unknown');
    clock.advance(REJECTION_RECHECK_MS - 1);
    expect(revocations.reportDue(main, cached)).toBe(false);
  });

  it('is due at once for another token of the slot, and the slot\'s other callers are their own', async () => {
    const callers = target('callers');
    const first = slotFor(callers, '198.51.100.1');
    await revocations.check(first, token('fake-token-old'), deadline);
    expect(revocations.reportDue(first, token('fake-token-new'))).toBe(true);
    expect(revocations.reportDue(slotFor(callers, '198.51.100.2'), token('fake-token-old'))).toBe(true);
  });
});

describe('Revocations.isRevoked', () => {
  it('is false before any check', () => {
    expect(revocations.isRevoked(main, token('fake-token-1'))).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { targetFingerprint, type CachedToken } from '../../lambda/domain/cached-token.js';
import { parseServiceConfig } from '../../lambda/domain/config/parse-config.js';
import { BadRequestError } from '../../lambda/domain/errors.js';
import { CAP_TOLERANCE_MS, isCapped, refuseBeyondCap } from '../../lambda/service/site-cap.js';

const MINUTE = 60_000;
const ISSUED = 1_700_000_000_000;
const config = parseServiceConfig(
  { targets: [{ name: 'main', url: 'https://gis.example.com/portal', referer: 'https://apps.example.com', expirationMinutes: 60, secretId: 'arcgis/main' }] },
  'test',
);
const target = config.targets[0]!;

/** The slot's last token: issued at ISSUED, living `lifetimeMs`, asked for `requestedMinutes` ('none': a manual token's). */
function lastToken(lifetimeMs: number, requestedMinutes: number | 'none' = 60): CachedToken {
  return {
    token: 'fake-token-capped',
    expires: ISSUED + lifetimeMs,
    ssl: true,
    issuedAt: ISSUED,
    fingerprint: targetFingerprint(target),
    identity: 'identity-hash',
    binding: { client: 'referer', referer: 'https://apps.example.com' },
    ...(requestedMinutes === 'none' ? {} : { requestedMinutes }),
  };
}

function refusal(run: () => void): BadRequestError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestError);
    return error as BadRequestError;
  }
  throw new Error('expected refuseBeyondCap to throw');
}

describe('isCapped', () => {
  it('allows two minutes for clocks and latency', () => {
    expect(CAP_TOLERANCE_MS).toBe(120_000);
  });

  it('is false for a token exactly CAP_TOLERANCE_MS shorter than asked, true one millisecond shorter', () => {
    expect(isCapped(target, ISSUED, ISSUED + 60 * MINUTE - CAP_TOLERANCE_MS)).toBe(false);
    expect(isCapped(target, ISSUED, ISSUED + 60 * MINUTE - CAP_TOLERANCE_MS - 1)).toBe(true);
  });

  it('is false for a token of the full lifetime, or longer', () => {
    expect(isCapped(target, ISSUED, ISSUED + 60 * MINUTE)).toBe(false);
    expect(isCapped(target, ISSUED, ISSUED + 61 * MINUTE)).toBe(false);
  });

  it('is true for a site that halves the lifetime', () => {
    expect(isCapped(target, ISSUED, ISSUED + 30 * MINUTE)).toBe(true);
  });
});

describe('refuseBeyondCap', () => {
  it('refuses a minValidity equal to the cap: a fresh capped token would not outlive it', () => {
    const error = refusal(() => refuseBeyondCap(target, lastToken(30 * MINUTE), 1800));
    expect(error.message).toBe(
      'minValidity 1800 s cannot be met: the site of target "main" caps its tokens at 1800 s (it was asked for 60 min and gave 30). Ask for less than 1800 s, or raise the site\'s maximum token expiration.',
    );
    expect(error.message).not.toContain('fake-token');
  });

  it('refuses a minValidity beyond the cap', () => {
    expect(refusal(() => refuseBeyondCap(target, lastToken(30 * MINUTE), 3000)).message).toContain('minValidity 3000 s cannot be met');
  });

  it('lets a minValidity one second under the cap through', () => {
    expect(() => refuseBeyondCap(target, lastToken(30 * MINUTE), 1799)).not.toThrow();
  });

  it('does not refuse when the last token is exactly CAP_TOLERANCE_MS short (not a cap)', () => {
    expect(() => refuseBeyondCap(target, lastToken(60 * MINUTE - CAP_TOLERANCE_MS), 3480)).not.toThrow();
  });

  it('refuses at the cap of a token one millisecond beyond the tolerance, counting whole seconds down', () => {
    const error = refusal(() => refuseBeyondCap(target, lastToken(60 * MINUTE - CAP_TOLERANCE_MS - 1), 3479));
    expect(error.message).toContain('caps its tokens at 3479 s (it was asked for 60 min and gave 58)');
    expect(() => refuseBeyondCap(target, lastToken(60 * MINUTE - CAP_TOLERANCE_MS - 1), 3478)).not.toThrow();
  });

  it('rounds the minutes given to the nearest minute in its message', () => {
    expect(refusal(() => refuseBeyondCap(target, lastToken(29.5 * MINUTE), 1770)).message).toContain('caps its tokens at 1770 s (it was asked for 60 min and gave 30)');
  });

  it('does nothing when the caller asks for no minValidity', () => {
    expect(() => refuseBeyondCap(target, lastToken(30 * MINUTE), 0)).not.toThrow();
  });

  it('does nothing without a last token', () => {
    expect(() => refuseBeyondCap(target, undefined, 3000)).not.toThrow();
  });

  it('ignores a token asked for another lifetime (expirationMinutes changed since), or of unknown request (manual)', () => {
    expect(() => refuseBeyondCap(target, lastToken(30 * MINUTE, 30), 3000)).not.toThrow();
    expect(() => refuseBeyondCap(target, lastToken(30 * MINUTE, 'none'), 3000)).not.toThrow();
  });
});

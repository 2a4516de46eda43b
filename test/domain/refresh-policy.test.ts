import { describe, expect, it } from 'vitest';
import { isServable, needsScheduledRefresh, refreshMarginMs } from '../../lambda/domain/refresh-policy.js';

const HOUR = 3_600_000;
const token = (lifetimeMs: number, issuedAt = 1_000_000) => ({ issuedAt, expires: issuedAt + lifetimeMs });

describe('refreshMarginMs', () => {
  it('is 10% of the lifetime for a one-hour token', () => {
    expect(refreshMarginMs(token(HOUR))).toBe(360_000);
  });
  it('has a 60 s floor', () => {
    expect(refreshMarginMs(token(5 * 60_000))).toBe(60_000);
  });
  it('never exceeds half the lifetime', () => {
    expect(refreshMarginMs(token(60_000))).toBe(30_000);
    expect(refreshMarginMs(token(HOUR), 3_000)).toBe(HOUR / 2);
  });
  it('uses the configured override within that bound', () => {
    expect(refreshMarginMs(token(HOUR), 120)).toBe(120_000);
  });
});

describe('isServable', () => {
  const t = token(HOUR, 0);
  it('serves until the margin, not after', () => {
    expect(isServable(t, HOUR - 360_001, 0)).toBe(true);
    expect(isServable(t, HOUR - 360_000, 0)).toBe(false);
  });
  it('honours the caller minValidity exactly when it exceeds the margin', () => {
    expect(isServable(t, 0, HOUR - 1)).toBe(true);
    expect(isServable(t, 0, HOUR)).toBe(false);
    expect(isServable(t, 1_000, HOUR - 1_000)).toBe(false);
  });
});

describe('needsScheduledRefresh', () => {
  const t = token(HOUR, 0);
  it('refreshes a missing token', () => {
    expect(needsScheduledRefresh(undefined, 0, 15 * 60_000)).toBe(true);
  });
  it('refreshes when the token would not outlive the next run plus the margin', () => {
    const interval = 15 * 60_000;
    expect(needsScheduledRefresh(t, HOUR - 360_000 - interval - 1, interval)).toBe(false);
    expect(needsScheduledRefresh(t, HOUR - 360_000 - interval, interval)).toBe(true);
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import { targetFingerprint, type CachedToken } from '../../lambda/domain/cached-token.js';
import type { Target } from '../../lambda/domain/config/schema.js';
import { parseServiceConfig } from '../../lambda/domain/config/parse-config.js';
import { ServedTokens } from '../../lambda/service/served-token.js';
import { CountingMetrics, FakeClock } from './fakes.js';

const HOUR = 3_600_000;
const config = parseServiceConfig(
  {
    targets: [
      { name: 'main', url: 'https://gis.example.com/portal', referer: 'https://apps.example.com', secretId: 'arcgis/main' },
      { name: 'ops', url: 'https://gis.example.com/arcgis', client: 'ip', ip: '203.0.113.7', secretId: 'arcgis/ops' },
    ],
  },
  'test',
);
const target = (name: string): Target => config.targets.find((t) => t.name === name)!;
const main = target('main');

let clock: FakeClock;
let metrics: CountingMetrics;
let served: ServedTokens;

function cached(name: string): CachedToken {
  return { token: name, expires: clock.time + HOUR, ssl: true, issuedAt: clock.time, fingerprint: targetFingerprint(main), identity: 'identity-hash', binding: { client: 'referer', referer: 'https://apps.example.com' }, requestedMinutes: 60 };
}

beforeEach(() => {
  clock = new FakeClock();
  metrics = new CountingMetrics();
  served = new ServedTokens(metrics);
});

describe('ServedTokens.serve', () => {
  it('answers a generated token with what a caller needs, fresh, counting it served and not a cache hit', () => {
    const token = cached('fake-token-1');
    expect(served.serve(main, token, 'generated')).toStrictEqual({
      target: main,
      token: 'fake-token-1',
      expires: token.expires,
      ssl: true,
      binding: { client: 'referer', referer: 'https://apps.example.com' },
      source: 'generated',
      stale: false,
    });
    expect(metrics.counts).toEqual([{ name: 'TokensServed', target: 'main' }]);
  });

  it('answers a manual token likewise, a new answer each time', () => {
    const token = cached('fake-token-manual');
    const first = served.serve(main, token, 'manual');
    const second = served.serve(main, token, 'manual');
    expect(first).toMatchObject({ source: 'manual', stale: false, token: 'fake-token-manual' });
    expect(second).not.toBe(first);
    expect(Object.isFrozen(first)).toBe(false);
    expect(metrics.counts).toEqual([
      { name: 'TokensServed', target: 'main' },
      { name: 'TokensServed', target: 'main' },
    ]);
  });

  it('counts every cached answer as served and as a cache hit', () => {
    const token = cached('fake-token-1');
    served.serve(main, token, 'cache');
    served.serve(main, token, 'cache');
    expect(metrics.counts).toEqual([
      { name: 'TokensServed', target: 'main' },
      { name: 'CacheHits', target: 'main' },
      { name: 'TokensServed', target: 'main' },
      { name: 'CacheHits', target: 'main' },
    ]);
  });

  it('gives one frozen answer per cached token, so callers can memoize what they derive from it', () => {
    const token = cached('fake-token-1');
    const first = served.serve(main, token, 'cache');
    expect(served.serve(main, token, 'cache')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first).toStrictEqual({ target: main, token: 'fake-token-1', expires: token.expires, ssl: true, binding: token.binding, source: 'cache', stale: false });
  });

  it('gives another cached token, even an equal one, its own answer', () => {
    const first = served.serve(main, cached('fake-token-1'), 'cache');
    const second = served.serve(main, cached('fake-token-1'), 'cache');
    expect(second).not.toBe(first);
    expect(second).toStrictEqual(first);
  });

  it('counts each answer against its own target', () => {
    served.serve(target('ops'), cached('fake-token-ops'), 'generated');
    served.serve(main, cached('fake-token-main'), 'cache');
    expect(metrics.counts).toEqual([
      { name: 'TokensServed', target: 'ops' },
      { name: 'TokensServed', target: 'main' },
      { name: 'CacheHits', target: 'main' },
    ]);
  });
});

// Timeouts that cannot fit the request deadline are refused where every configuration enters (the
// Lambda at cold start, the local server, synth), each with the fix in its message.
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEADLINE_MS, MAX_DEADLINE_MS } from '../../../lambda/domain/config/settings.js';
import { parseServiceConfig } from '../../../lambda/domain/config/parse-config.js';
import { refusalOf as messageOf } from './refusal.js';

const target = { name: 'main', url: 'https://gis.example.com/portal', referer: 'https://apps.example.com', secretId: 'arcgis/main' };

describe('the request deadline in the configuration', () => {
  it('refuses requestTimeoutMs 60000: one request could not end within any deadline API Gateway allows', () => {
    expect(messageOf({ targets: [target], requestTimeoutMs: 60_000 })).toBe(
      'Invalid configuration in test config:\n  - requestTimeoutMs: requestTimeoutMs 60000 cannot fit in the request deadline (deadlineMs 25000): every request must end within it. Use at most 25000, and a few times less so discovery and login fit together',
    );
  });

  it('refuses a requestTimeoutMs longer than the deadline, naming both', () => {
    expect(messageOf({ targets: [target], requestTimeoutMs: 20_000, deadlineMs: 15_000 })).toBe(
      'Invalid configuration in test config:\n  - requestTimeoutMs: requestTimeoutMs 20000 cannot fit in the request deadline (deadlineMs 15000): every request must end within it. Use at most 15000, and a few times less so discovery and login fit together',
    );
  });

  it(`refuses deadlineMs above ${MAX_DEADLINE_MS}: API Gateway answers its own 504 after 29 s`, () => {
    expect(messageOf({ targets: [target], deadlineMs: 29_000 })).toBe(
      "Invalid configuration in test config:\n  - deadlineMs: use at most 28000 ms: API Gateway gives up after 29 s and answers its own 504 instead of the service's problem",
    );
  });

  it(`accepts the largest deadline (${MAX_DEADLINE_MS} ms) with a request timeout as long, and defaults to ${DEFAULT_DEADLINE_MS} ms`, () => {
    expect(parseServiceConfig({ targets: [target], requestTimeoutMs: MAX_DEADLINE_MS, deadlineMs: MAX_DEADLINE_MS }, 'test').deadlineMs).toBe(MAX_DEADLINE_MS);
    expect(parseServiceConfig({ targets: [target] }, 'test')).toMatchObject({ requestTimeoutMs: 10_000, deadlineMs: DEFAULT_DEADLINE_MS });
  });
});

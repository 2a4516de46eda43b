// The fleet storm's figures per size, from the outcome of each storm.
import { describe, expect, it } from 'vitest';
import { summarizeFleet, type StormOutcome } from '../../bench/fleet-storm.js';

const container = (firstTokenMs: number, calls: Record<string, number>, statusCode = 200, source = statusCode === 200 ? 'cache' : 'problem') => ({ statusCode, source, firstTokenMs, calls });

describe('summarizeFleet', () => {
  it('counts logins per storm, storms with more than one, each container\'s calls and time to first token, and the calls of each extra login', () => {
    const storms: StormOutcome[] = [
      { logins: 1, distinctTokens: 1, containers: [container(400, { GetParameter: 2, PutParameter: 3, GetSecretValue: 1 }, 200, 'generated'), container(600, { GetParameter: 3 })] },
      {
        logins: 2,
        distinctTokens: 2,
        containers: [
          container(900, { GetParameter: 3, PutParameter: 4, GetSecretValue: 1 }, 200, 'generated'),
          container(450, { GetParameter: 1, PutParameter: 3, GetSecretValue: 1 }, 200, 'generated'),
          container(1000, { GetParameter: 1, PutParameter: 2, GetSecretValue: 1 }, 503),
        ],
      },
    ];
    expect(summarizeFleet(2, storms)).toEqual({
      containers: 2,
      repetitions: 2,
      loginsPerStorm: [1, 2],
      stormsWithMoreThanOneLogin: 1,
      failedAnswers: 1,
      ssmCallsPerContainer: { p50: 4, max: 7, mean: 4.4 },
      secretReadsPerContainer: { p50: 1, max: 1, mean: 0.8 },
      firstTokenMs: { p50: 600, p99: 1000, max: 1000 },
      distinctTokensPerStorm: [1, 2],
      // The second login of the second storm: it answered after the first one.
      extraLoginCalls: [{ GetParameter: 3, PutParameter: 4, GetSecretValue: 1 }],
    });
  });
});

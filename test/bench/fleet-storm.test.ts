// The fleet storm's figures per size, from the outcome of each storm.
import { describe, expect, it } from 'vitest';
import { sumCalls, summarizeFleet, type StormOutcome } from '../../bench/fleet-storm.js';

const container = (firstTokenMs: number, calls: Record<string, number>, statusCode = 200, source = statusCode === 200 ? 'cache' : 'problem') => ({ statusCode, source, firstTokenMs, calls });

describe('summarizeFleet', () => {
  it('counts logins per storm, storms with more than one, each container\'s calls and time to first token, and the calls of each extra login', () => {
    const storms: StormOutcome[] = [
      { logins: 1, distinctTokens: 1, containers: [container(400, { GetParameter: 3, PutParameter: 1, GetSecretValue: 1, UpdateItem: 2 }, 200, 'generated'), container(600, { GetParameter: 3, GetSecretValue: 1, UpdateItem: 1, GetItem: 1 })] },
      {
        logins: 2,
        distinctTokens: 2,
        containers: [
          container(900, { GetParameter: 3, PutParameter: 1, GetSecretValue: 1, UpdateItem: 2 }, 200, 'generated'),
          container(450, { GetParameter: 3, PutParameter: 1, GetSecretValue: 1, UpdateItem: 2 }, 200, 'generated'),
          container(1000, { GetParameter: 1, GetSecretValue: 1 }, 503),
        ],
      },
    ];
    expect(summarizeFleet(2, storms)).toEqual({
      containers: 2,
      repetitions: 2,
      loginsPerStorm: [1, 2],
      stormsWithMoreThanOneLogin: 1,
      failedAnswers: 1,
      ssmCallsPerContainer: { p50: 4, max: 4, mean: 3.2 },
      secretReadsPerContainer: { p50: 1, max: 1, mean: 1 },
      dynamoCallsPerContainer: { p50: 2, max: 2, mean: 1.6 },
      callsPerStorm: [
        { GetItem: 1, GetParameter: 6, GetSecretValue: 2, PutParameter: 1, UpdateItem: 3 },
        { GetParameter: 7, GetSecretValue: 3, PutParameter: 2, UpdateItem: 4 },
      ],
      firstTokenMs: { p50: 600, p99: 1000, max: 1000 },
      distinctTokensPerStorm: [1, 2],
      // The second login of the second storm: it answered after the first one.
      extraLoginCalls: [{ GetParameter: 3, PutParameter: 1, GetSecretValue: 1, UpdateItem: 2 }],
    });
  });
});

describe('sumCalls', () => {
  it('adds calls up by operation, operations in name order', () => {
    expect(Object.entries(sumCalls([{ UpdateItem: 2, GetParameter: 1 }, { GetParameter: 2, GetItem: 1 }, {}]))).toEqual([
      ['GetItem', 1],
      ['GetParameter', 3],
      ['UpdateItem', 2],
    ]);
  });
});

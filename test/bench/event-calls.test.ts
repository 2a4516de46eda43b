// The cost model's calls per event come from counted calls: each operation lands in its counter,
// an operation without a price is refused, and a login is a storm of one less its cold read.
import { describe, expect, it } from 'vitest';
import { callsPerEvent, loginCalls } from '../../bench/event-calls.js';
import type { FleetSummary } from '../../bench/fleet-storm.js';

const lone = (callsPerStorm: Array<Record<string, number>>, loginsPerStorm = callsPerStorm.map(() => 1), containers = 1): FleetSummary => ({
  containers,
  repetitions: callsPerStorm.length,
  loginsPerStorm,
  stormsWithMoreThanOneLogin: loginsPerStorm.filter((n) => n > 1).length,
  failedAnswers: 0,
  ssmCallsPerContainer: { p50: 4, max: 4, mean: 4 },
  secretReadsPerContainer: { p50: 1, max: 1, mean: 1 },
  dynamoCallsPerContainer: { p50: 2, max: 2, mean: 2 },
  callsPerStorm,
  firstTokenMs: { p50: 400, p99: 450, max: 450 },
  distinctTokensPerStorm: loginsPerStorm,
  extraLoginCalls: [],
});

describe('callsPerEvent', () => {
  it('counts each operation under the model\'s counter: SSM reads and writes, secret reads, DynamoDB writes and reads', () => {
    expect(callsPerEvent({ GetParameter: 2, PutParameter: 1, GetSecretValue: 1, UpdateItem: 2, PutItem: 1, GetItem: 3 })).toEqual({ ssmReads: 2, ssmWrites: 1, secretReads: 1, dynamoWrites: 3, dynamoReads: 3 });
  });

  it('refuses an operation the model has no price for, naming it', () => {
    expect(() => callsPerEvent({ GetParameter: 1, DescribeSecret: 1 })).toThrow('the cost model has no price for DescribeSecret: add it to bench/event-calls.ts and bench/cost-model.ts');
  });
});

describe('loginCalls', () => {
  it('is the median of each operation over the storms of one, less the cold cached read', () => {
    const storms = [
      lone([
        { GetParameter: 3, GetSecretValue: 1, PutParameter: 1, UpdateItem: 2 },
        { GetParameter: 3, GetSecretValue: 1, PutParameter: 1, UpdateItem: 2 },
        { GetParameter: 4, GetSecretValue: 1, PutParameter: 1, UpdateItem: 2 },
      ]),
      lone([{ GetParameter: 30 }], [1], 5),
    ];
    expect(loginCalls(storms, { GetParameter: 1 })).toEqual({ GetParameter: 2, GetSecretValue: 1, PutParameter: 1, UpdateItem: 2 });
  });

  it('leaves out storms of one that did not log in exactly once', () => {
    const storms = [lone([{ GetParameter: 1 }, { GetParameter: 3, UpdateItem: 2 }], [0, 1])];
    expect(loginCalls(storms, { GetParameter: 1 })).toEqual({ GetParameter: 2, UpdateItem: 2 });
  });

  it('refuses to guess without a storm of one that logged in once', () => {
    expect(() => loginCalls([lone([{ GetParameter: 9 }], [1], 5)], { GetParameter: 1 })).toThrow('no fleet storm of one container: the login calls come from it');
    expect(() => loginCalls([lone([{ GetParameter: 1 }], [2])], { GetParameter: 1 })).toThrow('no storm of one container logged in exactly once');
  });

  it('refuses a storm of one that made fewer calls than a cold cached request', () => {
    expect(() => loginCalls([lone([{ GetSecretValue: 1 }])], { GetParameter: 1 })).toThrow('a storm of one made fewer GetParameter calls than a cold cached request: 1 GetSecretValue against 1 GetParameter');
  });
});

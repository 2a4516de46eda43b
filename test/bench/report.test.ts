// The cold-start and fleet verdicts are computed from the measured results: each branch must say
// what the numbers say, whatever they are.
import { describe, expect, it } from 'vitest';
import type { ColdStartColumn } from '../../bench/cold-start.js';
import type { FleetSummary } from '../../bench/fleet-storm.js';
import { coldStartTargets, coldStartVerdict, extraLogins, fleetCalls, fleetVerdict, loginCodeCost, ssmBurst, type ColdStartTargets } from '../../bench/report.js';

const TARGETS: ColdStartTargets = { bundleKBMax: 500, vsSdkMax: 1.1, vsPeerMax: 1.05 };

function column(ms: { bare: number; sdk: number; ssmPeer: number; powertoolsPeer: number; deployed: number }): ColdStartColumn {
  const row = (name: string, kind: ColdStartColumn['ladder'][number]['kind'], medianMs: number) => ({ name, does: '', kind, bundleKB: null, medianMs, ratio: Math.round((medianMs / ms.bare) * 100) / 100, samplesMs: [medianMs] });
  return {
    runtime: { label: 'Node 24', path: '/opt/node24/bin/node', version: 'v24.22.3' },
    ladder: [
      row('node -e 0', 'baseline', ms.bare),
      row('empty ES module', 'probe', ms.bare + 1),
      row('signed request, no SDK client', 'probe', ms.bare * 1.8),
      row('the SDK call, nothing else', 'probe', ms.sdk),
      row('peer: bare SSMClient handler', 'peer', ms.ssmPeer),
      row('peer: Powertools getParameter handler', 'peer', ms.powertoolsPeer),
      row('deployed bundle', 'deployed', ms.deployed),
      row('deployed bundle, sourceMaps on', 'deployed', ms.deployed + 20),
    ],
    phasesMedianMs: { nodeBoot: 20, importBundle: 50, firstRequest: 30 },
    coldStartLogBytes: 0,
    answerBytes: 300,
  };
}

describe('coldStartTargets', () => {
  it('divides the deployed median by the SDK rung and by the fastest peer of the same column', () => {
    expect(coldStartTargets(column({ bare: 40, sdk: 120, ssmPeer: 135, powertoolsPeer: 130, deployed: 146 }), TARGETS)).toEqual({
      vsSdk: { ratio: 1.22, max: 1.1, met: false },
      vsPeer: { ratio: 1.12, max: 1.05, met: false, peer: 'peer: Powertools getParameter handler' },
    });
  });

  it('meets a target at exactly its ratio (rounded to two digits, as reported)', () => {
    expect(coldStartTargets(column({ bare: 40, sdk: 100, ssmPeer: 104.8, powertoolsPeer: 120, deployed: 110 }), TARGETS)).toEqual({
      vsSdk: { ratio: 1.1, max: 1.1, met: true },
      vsPeer: { ratio: 1.05, max: 1.05, met: true, peer: 'peer: bare SSMClient handler' },
    });
  });

  it('refuses a ladder without peers rather than comparing against nothing', () => {
    const c = column({ bare: 40, sdk: 100, ssmPeer: 1, powertoolsPeer: 1, deployed: 110 });
    c.ladder = c.ladder.filter((r) => r.kind !== 'peer');
    expect(() => coldStartTargets(c, TARGETS)).toThrow('the cold-start ladder has no peer rows');
  });
});

describe('coldStartVerdict', () => {
  it('says by how many ms each missed target is missed', () => {
    expect(coldStartVerdict(column({ bare: 40, sdk: 120, ssmPeer: 135, powertoolsPeer: 130, deployed: 146 }), TARGETS)).toBe(
      'On Node 24 (v24.22.3): the deployed bundle against the SDK call with nothing else: 1.22× (target ≤ 1.1×): **missed** by 14 ms of 146 ms. Against the fastest peer (peer: Powertools getParameter handler): 1.12× (target ≤ 1.05×): **missed** by 9.5 ms of 146 ms.',
    );
  });

  it('says when the SDK rung alone, making the same one call, is beyond the peer target in this run', () => {
    expect(coldStartVerdict(column({ bare: 34, sdk: 115, ssmPeer: 107.6, powertoolsPeer: 107.9, deployed: 136.8 }), TARGETS)).toBe(
      'On Node 24 (v24.22.3): the deployed bundle against the SDK call with nothing else: 1.19× (target ≤ 1.1×): **missed** by 10.3 ms of 136.8 ms. Against the fastest peer (peer: bare SSMClient handler): 1.27× (target ≤ 1.05×): **missed** by 23.8 ms of 136.8 ms. The SDK call with nothing else, the same one call, already takes 1.07× that peer in this run: the peer target asks for less than the SDK\'s own floor here, so it is this run\'s noise or the peer\'s handler wrapper, not the service, that decides it.',
    );
  });

  it('says met when both are met', () => {
    expect(coldStartVerdict(column({ bare: 40, sdk: 120, ssmPeer: 128, powertoolsPeer: 135, deployed: 125 }), TARGETS)).toBe(
      'On Node 24 (v24.22.3): the deployed bundle against the SDK call with nothing else: 1.04× (target ≤ 1.1×): met. Against the fastest peer (peer: bare SSMClient handler): 0.98× (target ≤ 1.05×): met.',
    );
  });
});

describe('fleetVerdict', () => {
  const summary = (containers: number, loginsPerStorm: number[]): FleetSummary => ({
    containers,
    repetitions: loginsPerStorm.length,
    loginsPerStorm,
    stormsWithMoreThanOneLogin: loginsPerStorm.filter((n) => n > 1).length,
    failedAnswers: 0,
    ssmCallsPerContainer: { p50: 4, max: 5, mean: 4.2 },
    secretReadsPerContainer: { p50: 1, max: 1, mean: 1 },
    dynamoCallsPerContainer: { p50: 2, max: 2, mean: 2 },
    callsPerStorm: [],
    firstTokenMs: { p50: 900, p99: 1500, max: 1500 },
    distinctTokensPerStorm: loginsPerStorm,
    extraLoginCalls: [],
  });

  it('counts the storms with more than one login, per fleet size, and the worst storm', () => {
    expect(fleetVerdict([summary(1, [1, 1]), summary(5, [1, 2, 1]), summary(20, [3, 1, 2])])).toBe(
      'More than one ArcGIS login in 1 of 3 storms of 5, 2 of 3 storms of 20 (at most 3 in one storm); target: exactly 1: **missed**.',
    );
  });

  it('counts a storm with no login as missed too: nobody got a token', () => {
    expect(fleetVerdict([summary(5, [1, 0, 1])])).toBe('No login at all (so no token) in 1 of 3 storms of 5; target: exactly 1: **missed**.');
  });

  it('says met when every storm logged in exactly once', () => {
    expect(fleetVerdict([summary(1, [1, 1]), summary(20, [1, 1, 1])])).toBe('Exactly one ArcGIS login in every one of the 5 storms (target: 1): met.');
  });
});

describe('extraLogins', () => {
  const withExtra = (extraLoginCalls: Array<Record<string, number>>): FleetSummary => ({
    containers: 20,
    repetitions: 3,
    loginsPerStorm: [2, 2, 1],
    stormsWithMoreThanOneLogin: 2,
    failedAnswers: 0,
    ssmCallsPerContainer: { p50: 4, max: 7, mean: 4.2 },
    secretReadsPerContainer: { p50: 1, max: 1, mean: 1 },
    dynamoCallsPerContainer: { p50: 2, max: 2, mean: 2 },
    callsPerStorm: [],
    firstTokenMs: { p50: 900, p99: 1500, max: 1500 },
    distinctTokensPerStorm: [2, 2, 1],
    extraLoginCalls,
  });

  it('says nothing when no storm logged in twice', () => {
    expect(extraLogins([withExtra([])])).toBe('');
  });

  it('tallies the extra logins by all their AWS calls, most common first', () => {
    const text = extraLogins([withExtra([{ GetParameter: 3, UpdateItem: 3, GetSecretValue: 1 }, { GetParameter: 2, UpdateItem: 2 }, { UpdateItem: 3, GetParameter: 3, GetSecretValue: 1 }])]);
    expect(text).toBe(' The 3 extra logins were made by containers whose AWS calls were: 3 GetParameter + 1 GetSecretValue + 3 UpdateItem (2), 2 GetParameter + 2 UpdateItem (1).');
  });
});

describe('fleetCalls', () => {
  const sized = (containers: number, callsPerStorm: Array<Record<string, number>>): FleetSummary => ({
    containers,
    repetitions: callsPerStorm.length,
    loginsPerStorm: callsPerStorm.map(() => 1),
    stormsWithMoreThanOneLogin: 0,
    failedAnswers: 0,
    ssmCallsPerContainer: { p50: 2, max: 4, mean: 2.3 },
    secretReadsPerContainer: { p50: 1, max: 1, mean: 1 },
    dynamoCallsPerContainer: { p50: 2, max: 2, mean: 1.8 },
    callsPerStorm,
    firstTokenMs: { p50: 900, p99: 1500, max: 1500 },
    distinctTokensPerStorm: callsPerStorm.map(() => 1),
    extraLoginCalls: [],
  });

  it('gives the median of each operation over the storms of each size beyond one', () => {
    const storms = [
      sized(1, [{ GetParameter: 3, UpdateItem: 2 }]),
      sized(5, [
        { GetParameter: 11, UpdateItem: 6, GetItem: 4 },
        { GetParameter: 10, UpdateItem: 5, GetItem: 3 },
        { GetParameter: 12, UpdateItem: 5 },
      ]),
    ];
    expect(fleetCalls(storms)).toMatch(/^The whole fleet's calls per storm, the median of each operation: 5 containers, 3 GetItem \+ 11 GetParameter \+ 5 UpdateItem \(/);
  });

  it('says nothing without a storm of more than one container', () => {
    expect(fleetCalls([sized(1, [{ GetParameter: 3 }])])).toBe('');
  });
});

describe('ssmBurst', () => {
  it('rates the largest storm\'s SSM calls over the time to its last answer', () => {
    const storm = (containers: number, mean: number, maxMs: number): FleetSummary => ({
      containers,
      repetitions: 10,
      loginsPerStorm: [1],
      stormsWithMoreThanOneLogin: 0,
      failedAnswers: 0,
      ssmCallsPerContainer: { p50: 4, max: 7, mean },
      secretReadsPerContainer: { p50: 1, max: 1, mean: 1 },
      dynamoCallsPerContainer: { p50: 2, max: 2, mean: 2 },
      callsPerStorm: [],
      firstTokenMs: { p50: 1000, p99: maxMs, max: maxMs },
      distinctTokensPerStorm: [1],
      extraLoginCalls: [],
    });
    expect(ssmBurst([storm(1, 4, 400), storm(20, 4.5, 3000)])).toMatch(/^SSM's limit is met in bursts, not on average: in a storm of 20 cold containers \(section 5\) the fleet made 90 SSM calls \(GetParameter and PutParameter\) on average before its last answer at 3 s, ≈ 30 calls\/s, against the default 40 TPS/);
  });
});

describe('loginCodeCost', () => {
  const withLeftOut = (deployed: number, without: number) => {
    const c = column({ bare: 40, sdk: 120, ssmPeer: 118, powertoolsPeer: 125, deployed });
    c.ladder.push({ name: 'deployed bundle, login code left out', does: '', kind: 'deployed', bundleKB: 330, medianMs: without, ratio: without / 40, samplesMs: [without] });
    c.ladder.find((r) => r.name === 'deployed bundle')!.bundleKB = 420;
    return c;
  };

  it('says what the login code costs a cached request and where the cached path would be without it', () => {
    expect(loginCodeCost(withLeftOut(150, 138), TARGETS)).toBe(
      'On Node 24, carrying the code only a login runs costs a cold cached request 12 ms (8 %; 420 KB against 330 KB bundled). Without it the cached path would take 1.15× the SDK call (target ≤ 1.1×) and 1.17× the fastest peer (target ≤ 1.05×).',
    );
  });

  it('does not claim a negative cost when the row without the login code came out slower', () => {
    expect(loginCodeCost(withLeftOut(150, 152), TARGETS)).toBe(
      'On Node 24, carrying the code only a login runs cost a cold cached request nothing this run could tell from its noise (150 ms against 152 ms without it; 420 KB against 330 KB bundled). Without it the cached path would take 1.27× the SDK call (target ≤ 1.1×) and 1.29× the fastest peer (target ≤ 1.05×).',
    );
  });

  it('says nothing when the run had no such row', () => {
    expect(loginCodeCost(column({ bare: 40, sdk: 120, ssmPeer: 118, powertoolsPeer: 125, deployed: 150 }), TARGETS)).toBe('');
  });
});

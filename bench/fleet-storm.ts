// Several cold containers at once: N separate Node processes, each loading the deployed bundle and
// answering one request, started together against one set of AWS stand-ins (empty token store)
// and one ArcGIS simulator that answers token requests after 200 ms. Counts what the fleet does:
// ArcGIS logins per storm (the promise is one), each container's AWS calls (told apart by the
// access key each one signs with), and the time from the start of the storm to each container's
// first token.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startArcGisSimulator } from '../lambda/local/arcgis-simulator.js';
import { apiEvent } from '../test/handlers/events.js';
import { FAKE_LOGIN, SECRET_ID } from './aws-wiring.js';
import { functionConfigEnvironment } from './cold-start.js';
import { startFakeAws, type AwsEndpoint, type FakeAws } from './fake-aws.js';
import { lambdaEnvironment, parseWrapperResult, runNode, writeHandlerWrapper } from './lambda-process.js';
import type { NodeRuntime } from './node-runtimes.js';
import type { PrivateCa } from './private-ca.js';
import { BENCH_SCRATCH } from './scratch.js';
import { percentile, round } from './stats.js';

export const ARCGIS_LATENCY_MS = 200;

/** What one container did in one storm. */
export interface ContainerOutcome {
  statusCode: number;
  /** Where its answer came from ('arcgis', 'cache', …: the API's `source`), or the problem type. */
  source: string;
  /** ms from the storm's start until its answer. */
  firstTokenMs: number;
  /** Its AWS calls by operation (GetParameter, PutParameter, GetSecretValue). */
  calls: Record<string, number>;
}

export interface StormOutcome {
  containers: ContainerOutcome[];
  /** Password logins ArcGIS saw (generateToken with a username and password). */
  logins: number;
  /** Distinct tokens the containers answered with. */
  distinctTokens: number;
}

export interface FleetSummary {
  containers: number;
  repetitions: number;
  /** Logins in each repetition, in order. */
  loginsPerStorm: number[];
  stormsWithMoreThanOneLogin: number;
  /** Answers that were not 200, over all repetitions. */
  failedAnswers: number;
  /** Each container's calls to the token store (SSM GetParameter + PutParameter), over all repetitions. */
  ssmCallsPerContainer: { p50: number; max: number; mean: number };
  secretReadsPerContainer: { p50: number; max: number; mean: number };
  firstTokenMs: { p50: number; p99: number; max: number };
  distinctTokensPerStorm: number[];
  /**
   * In storms with more than one login: the AWS calls of each container that logged in after the
   * first one did (by answer time), which tell how it came to log in (lease taken over, etc.).
   */
  extraLoginCalls: Array<Record<string, number>>;
}

/**
 * Everything a storm needs from its AWS stand-ins: their endpoints (one entry per service
 * variable) and each container's calls. Adding the coordination table is one more stand-in here.
 */
export interface StormStandIns {
  endpoints: AwsEndpoint[];
  callsOf(accessKeyId: string): Record<string, number>;
  close(): Promise<void>;
}

/** Today's stand-ins: SSM and Secrets Manager over https, empty store, the credentials secret set. */
export async function startStandIns(ca: PrivateCa): Promise<StormStandIns> {
  const aws: FakeAws = await startFakeAws({ tls: ca });
  aws.secrets.set(SECRET_ID, JSON.stringify(FAKE_LOGIN));
  return { endpoints: aws.endpoints, callsOf: (key) => ({ ...(aws.callsByAccessKey[key] ?? {}) }), close: () => aws.close() };
}

export interface FleetOptions {
  runtime: NodeRuntime;
  /** The deployed bundle (index.mjs as cdk synth builds it). */
  bundle: string;
  ca: PrivateCa;
  /** Starts a fresh set of AWS stand-ins for each storm. */
  standIns?: (ca: PrivateCa) => Promise<StormStandIns>;
  /** Variables the function gets beyond its configuration (e.g. the coordination table's name). */
  extraEnv?: Record<string, string>;
}

export async function fleetStorm(containers: number, options: FleetOptions): Promise<StormOutcome> {
  const sim = await startArcGisSimulator();
  sim.setLatency(ARCGIS_LATENCY_MS);
  const standIns = await (options.standIns ?? startStandIns)(options.ca);
  try {
    const dir = join(BENCH_SCRATCH, 'fleet');
    mkdirSync(dir, { recursive: true });
    const wrapper = writeHandlerWrapper(join(dir, 'wrapper.mjs'), options.bundle, apiEvent());
    // The simulator speaks plain http (it is the local ArcGIS of `npm start`): the function's
    // ArcGIS calls go through fetch either way, so only the AWS side needs https here.
    const config = functionConfigEnvironment(sim.portalUrl, { allowInsecureHttp: true });
    const keys = Array.from({ length: containers }, (_, i) => `AKIDFLEET${String(i).padStart(4, '0')}`);
    const started = performance.now();
    const runs = await Promise.all(
      keys.map((accessKeyId) => runNode(options.runtime.path, [wrapper], { ...lambdaEnvironment({ endpoints: standIns.endpoints, caBundlePath: options.ca.caBundlePath, accessKeyId }), ...config, ...options.extraEnv }, started)),
    );
    const tokens = new Set<string>();
    const outcomes = runs.map((run, i): ContainerOutcome => {
      const r = parseWrapperResult(run.stdout);
      const body = JSON.parse(r.body) as { source?: string; token?: string; type?: string };
      if (r.statusCode === 200 && body.token !== undefined) tokens.add(body.token);
      return { statusCode: r.statusCode, source: body.source ?? body.type ?? '', firstTokenMs: round(run.resultMs ?? run.ms, 1), calls: standIns.callsOf(keys[i]!) };
    });
    return { containers: outcomes, logins: sim.passwordLoginCount(), distinctTokens: tokens.size };
  } finally {
    await standIns.close();
    await sim.close();
  }
}

const spread = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), max: sorted[sorted.length - 1] ?? Number.NaN, mean: round(xs.reduce((a, b) => a + b, 0) / xs.length, 2) };
};

/** The figures of one fleet size over its repetitions. */
export function summarizeFleet(containers: number, storms: readonly StormOutcome[]): FleetSummary {
  const all = storms.flatMap((s) => s.containers);
  const times = all.map((c) => c.firstTokenMs).sort((a, b) => a - b);
  const loginsPerStorm = storms.map((s) => s.logins);
  return {
    containers,
    repetitions: storms.length,
    loginsPerStorm,
    stormsWithMoreThanOneLogin: loginsPerStorm.filter((n) => n > 1).length,
    failedAnswers: all.filter((c) => c.statusCode !== 200).length,
    ssmCallsPerContainer: spread(all.map((c) => (c.calls.GetParameter ?? 0) + (c.calls.PutParameter ?? 0))),
    secretReadsPerContainer: spread(all.map((c) => c.calls.GetSecretValue ?? 0)),
    firstTokenMs: { p50: percentile(times, 50), p99: percentile(times, 99), max: times[times.length - 1] ?? Number.NaN },
    distinctTokensPerStorm: storms.map((s) => s.distinctTokens),
    extraLoginCalls: storms
      .filter((s) => s.logins > 1)
      .flatMap((s) => [...s.containers].filter((c) => c.source === 'generated').sort((a, b) => a.firstTokenMs - b.firstTokenMs).slice(1))
      .map((c) => c.calls),
  };
}

export async function fleetStorms(sizes: readonly number[], repetitions: number, options: FleetOptions & { log: (message: string) => void }): Promise<FleetSummary[]> {
  const summaries: FleetSummary[] = [];
  for (const n of sizes) {
    const storms: StormOutcome[] = [];
    for (let i = 0; i < repetitions; i++) storms.push(await fleetStorm(n, options));
    const summary = summarizeFleet(n, storms);
    options.log(`  fleet of ${n}: logins per storm ${summary.loginsPerStorm.join(' ')}`);
    summaries.push(summary);
  }
  return summaries;
}

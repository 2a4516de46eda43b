// Several cold containers at once: N separate Node processes, each loading the deployed bundle and
// answering one request, started together against one set of AWS stand-ins (empty token store, the
// coordination table on dynalite, a real DynamoDB implementation) and one ArcGIS simulator that
// answers token requests after 200 ms. Counts what the fleet does: ArcGIS logins per storm (the
// promise is one), each container's AWS calls (told apart by the access key each one signs with),
// and the time from the start of the storm to each container's first token.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startArcGisSimulator } from '../lambda/local/arcgis-simulator.js';
import { httpApiEvent } from '../test/handlers/events.js';
import { startDynamoDb } from '../test/stand-ins/dynamodb.js';
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
  /** Its AWS calls by operation (GetParameter, PutParameter, GetSecretValue, UpdateItem, GetItem). */
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
  /** Each container's calls to the coordination table (DynamoDB UpdateItem + GetItem). */
  dynamoCallsPerContainer: { p50: number; max: number; mean: number };
  /** The whole fleet's AWS calls by operation, per storm (in a storm of 1: what one cold login costs). */
  callsPerStorm: Array<Record<string, number>>;
  firstTokenMs: { p50: number; p99: number; max: number };
  distinctTokensPerStorm: number[];
  /**
   * In storms with more than one login: the AWS calls of each container that logged in after the
   * first one did (by answer time), which tell how it came to log in.
   */
  extraLoginCalls: Array<Record<string, number>>;
}

/** Everything a storm needs from its AWS stand-ins: their endpoints (one entry per service variable) and each container's calls. */
export interface StormStandIns {
  endpoints: AwsEndpoint[];
  callsOf(accessKeyId: string): Record<string, number>;
  close(): Promise<void>;
}

/**
 * SSM, Secrets Manager and DynamoDB over https (the function only ever calls AWS over https): an
 * empty token store, the credentials secret set, and the coordination table on dynalite, created
 * as the construct creates it, behind the same https stand-in so its calls are counted per container.
 */
export async function startStandIns(ca: PrivateCa): Promise<StormStandIns> {
  const dynamodb = await startDynamoDb();
  const aws: FakeAws = await startFakeAws({ tls: ca, dynamodbUpstream: dynamodb.url });
  aws.secrets.set(SECRET_ID, JSON.stringify(FAKE_LOGIN));
  return {
    endpoints: aws.endpoints,
    callsOf: (key) => ({ ...(aws.callsByAccessKey[key] ?? {}) }),
    close: async () => {
      await aws.close();
      await dynamodb.close();
    },
  };
}

export interface FleetOptions {
  runtime: NodeRuntime;
  /** The deployed bundle (index.mjs as cdk synth builds it). */
  bundle: string;
  ca: PrivateCa;
  /** Starts a fresh set of AWS stand-ins for each storm (default startStandIns). */
  standIns?: (ca: PrivateCa) => Promise<StormStandIns>;
  /** Where the containers' wrapper is written (default: the bench's scratch folder). */
  dir?: string;
}

export async function fleetStorm(containers: number, options: FleetOptions): Promise<StormOutcome> {
  const sim = await startArcGisSimulator();
  sim.setLatency(ARCGIS_LATENCY_MS);
  const standIns = await (options.standIns ?? startStandIns)(options.ca);
  try {
    const dir = options.dir ?? join(BENCH_SCRATCH, 'fleet');
    mkdirSync(dir, { recursive: true });
    // The construct's default front door (an HTTP API) sends payload format 2.0.
    const wrapper = writeHandlerWrapper(join(dir, 'wrapper.mjs'), options.bundle, httpApiEvent());
    // The simulator speaks plain http (it is the local ArcGIS of `npm start`): the function's
    // ArcGIS calls go through fetch either way, so only the AWS side needs https here.
    const config = functionConfigEnvironment(sim.portalUrl, { allowInsecureHttp: true });
    const keys = Array.from({ length: containers }, (_, i) => `AKIDFLEET${String(i).padStart(4, '0')}`);
    const started = performance.now();
    const runs = await Promise.all(
      keys.map((accessKeyId) => runNode(options.runtime.path, [wrapper], { ...lambdaEnvironment({ endpoints: standIns.endpoints, caBundlePath: options.ca.caBundlePath, accessKeyId }), ...config }, started)),
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

/** Calls by operation, added up. */
export function sumCalls(calls: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const c of calls) for (const [op, n] of Object.entries(c)) sum[op] = (sum[op] ?? 0) + n;
  return Object.fromEntries(Object.entries(sum).sort(([a], [b]) => a.localeCompare(b)));
}

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
    dynamoCallsPerContainer: spread(all.map((c) => (c.calls.UpdateItem ?? 0) + (c.calls.GetItem ?? 0))),
    callsPerStorm: storms.map((s) => sumCalls(s.containers.map((c) => c.calls))),
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

// `npm run bench`: measures the service on this machine and writes bench/results.json and
// docs/benchmarks.md. Not part of the test suite: numbers depend on the machine.
//   --quick     fewer runs and repetitions (a smoke run of the bench itself)
//   --runs=N    cold-start rounds (default 20)
//   --render    re-render docs/benchmarks.md from bench/results.json
// Settings: BENCH_NODE (the first column's Node binary; default Node 24 from npm, cached in the
// scratch folder), BENCH_NODE_COMPARE (the second column's; default this process's Node; 'none').
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MEMORY_MB, DEFAULT_THROTTLE } from '../infra/token-vending-machine.js';
import { synthBundle } from './bundles.js';
import { accessLogFormat, coldStart, describeCalls } from './cold-start.js';
import { profileColdStart } from './cold-start-profile.js';
import { monthlyCost, type CostInputs } from './cost-model.js';
import { callsPerEvent, loginCalls, scheduledRunCalls } from './event-calls.js';
import { ARCGIS_LATENCY_MS, fleetStorms } from './fleet-storm.js';
import { benchRuntimes } from './node-runtimes.js';
import { createPrivateCa } from './private-ca.js';
import { measureEmfRecordBytes, platformLogLines, renderAccessLog, sampleAccessLogContext } from './rendered-logs.js';
import { fleetVerdict, renderMarkdown, type BenchResults } from './report.js';
import { BENCH_SCRATCH } from './scratch.js';
import { round } from './stats.js';
import { storm } from './storm.js';
import { sustained } from './sustained.js';
import { templateCounts } from './template-counts.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const quick = process.argv.includes('--quick');
const runsArg = process.argv.find((a) => a.startsWith('--runs='));
const coldRuns = runsArg === undefined ? (quick ? 3 : 20) : Number(runsArg.slice('--runs='.length));
if (!Number.isInteger(coldRuns) || coldRuns < 1) throw new Error(`--runs must be a positive integer, not ${runsArg}`);

function warmHit(): Promise<Record<string, unknown> & { baseline: { p50Ms: number; p99Ms: number }; handler: { p50Ms: number; p99Ms: number }; logBytesPerRequest: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/warm-hit-worker.ts'], { cwd: root, env: { ...process.env, BENCH_WARM_N: quick ? '20000' : '100000' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('exit', (code) => {
      const line = err.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice('BENCH_RESULT '.length)));
      else reject(new Error(`warm-hit worker exited ${code}:\n${err}`));
    });
  });
}

const log = (message: string) => process.stderr.write(`${message}\n`);

if (process.argv.includes('--render')) {
  writeFileSync(`${root}/docs/benchmarks.md`, renderMarkdown(JSON.parse(readFileSync(`${root}/bench/results.json`, 'utf8')) as BenchResults));
  log('re-rendered docs/benchmarks.md');
  process.exit(0);
}

const loadStart = loadavg().map((x) => round(x, 2));
const runtimes = benchRuntimes(process.env, BENCH_SCRATCH, log);
log(`Node columns: ${runtimes.map((r) => `${r.label} ${r.version} (${r.path})`).join(', ')}`);
const ca = createPrivateCa(join(BENCH_SCRATCH, 'ca'));
log('AWS stand-in transport: https with a throwaway private CA (NODE_EXTRA_CA_CERTS)');

log('1/7 warm hit latency…');
const warm = await warmHit();
log('2/7 storms in one container…');
const storms = [];
for (const n of quick ? [100, 1000] : [100, 1000, 10_000]) storms.push(await storm(n));
log('3/7 sustained load…');
const load = await sustained(quick ? 5 : 30, 3000);
log(`4/7 cold start (${coldRuns} interleaved rounds)…`);
const { result: cold, templatePath } = await coldStart({ runs: coldRuns, runtimes, ca, log });
log(`5/7 cold-start profile on ${runtimes[0]!.label}…`);
const profile = await profileColdStart({ runtime: runtimes[0]!, ca, runs: quick ? 3 : 10 });
const { bundle } = synthBundle('cdk-fleet');
log(`6/7 a scheduled run's calls on ${runtimes[0]!.label}…`);
const scheduledCalls = await scheduledRunCalls({ runtime: runtimes[0]!, bundle, ca });
log(`  ${describeCalls(scheduledCalls)}`);
log(`7/7 fleet storms on ${runtimes[0]!.label}…`);
const fleet = await fleetStorms(quick ? [1, 5] : [1, 5, 20], quick ? 2 : 10, { runtime: runtimes[0]!, bundle, ca, log });
const loginCallsMeasured = loginCalls(fleet, cold.cachedRequestCalls);
log(`  a login adds ${describeCalls(loginCallsMeasured)} to the request that needed it`);

const lambdaColumn = cold.columns[0]!;
/** One access log line of each stage, rendered from the format the construct synthesizes for it. */
function accessLogLineBytes(httpTemplatePath: string, answerBytes: number): { restApi: number; httpApi: number } {
  const line = (format: string) => Buffer.byteLength(renderAccessLog(format, sampleAccessLogContext(answerBytes))) + 1;
  const rest = synthBundle('cdk-rest', ['endpoint=rest']);
  return { restApi: line(accessLogFormat(rest.templatePath)), httpApi: line(accessLogFormat(httpTemplatePath, 'AWS::ApiGatewayV2::Stage')) };
}
const targets = 1;
const deployedCounts = templateCounts(templatePath);
const costInputs: CostInputs = {
  memoryMb: DEFAULT_MEMORY_MB,
  billedMsPerRequest: 2,
  initMsOneVcpu: round(lambdaColumn.phasesMedianMs.nodeBoot + lambdaColumn.phasesMedianMs.importBundle, 1),
  coldRequestMsOneVcpu: lambdaColumn.phasesMedianMs.firstRequest,
  scheduleRunMs: 50,
  loginMs: 1000,
  containerHours: 2,
  targets,
  tokenMinutes: 60,
  scheduleMinutes: 15,
  // Counted at the stand-ins (bench/event-calls.ts): every cold cached request of section 4, a
  // scheduled run of the deployed bundle, and the storms of one container in section 5.
  calls: { coldStart: callsPerEvent(cold.cachedRequestCalls), scheduledRun: callsPerEvent(scheduledCalls), login: callsPerEvent(loginCallsMeasured) },
  accessLogBytes: accessLogLineBytes(templatePath, lambdaColumn.answerBytes),
  platformLogBytesPerInvocation: Buffer.byteLength(platformLogLines({ cold: false })),
  coldStartLogBytes: lambdaColumn.coldStartLogBytes,
  emfRecordBytes: measureEmfRecordBytes(),
  // TokensServed, CacheHits, TokensGenerated and RefreshSucceeded in a month without faults.
  metricsPerTarget: 4,
  // Every metric the synthesized stack's alarms read, and its dashboard (billed beyond an account's 3 free).
  alarms: deployedCounts.alarmMetrics,
  dashboards: deployedCounts.dashboards,
  secrets: targets,
  logRetentionMonths: 1,
  stageRateLimit: DEFAULT_THROTTLE.rateLimit,
};
const costs = [1, 10, 100].map((rps) => monthlyCost(costInputs, rps));

const results: BenchResults = {
  measuredAt: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, benchNode: process.version, loadAverage: { start: loadStart, end: loadavg().map((x) => round(x, 2)) } },
  warmHit: { ...warm, p50Ratio: round(warm.handler.p50Ms / warm.baseline.p50Ms, 2), targets: { p50RatioMax: 2, p99MsMax: 1 } },
  storms,
  sustained: load,
  coldStart: { ...cold, targets: { bundleKBMax: 500, vsSdkMax: 1.1, vsPeerMax: 1.05 } },
  profile,
  fleet: { runtime: `${runtimes[0]!.label} (${runtimes[0]!.version})`, arcgisLatencyMs: ARCGIS_LATENCY_MS, storms: fleet, loginCalls: loginCallsMeasured, scheduledRunCalls: scheduledCalls },
  cost: { inputs: costInputs, months: costs },
};
mkdirSync(`${root}/docs`, { recursive: true });
writeFileSync(`${root}/bench/results.json`, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(`${root}/docs/benchmarks.md`, renderMarkdown(results));
log('wrote bench/results.json and docs/benchmarks.md');
// One login per storm is the fleet's safety promise (ArcGIS locks an account after a few failed
// logins): a miss is a bug, not noise, so it fails the bench rather than a line of the report.
const fleetResult = fleetVerdict(fleet);
if (!fleetResult.endsWith(': met.')) {
  log(`\n*** FLEET STORM TARGET MISSED: ${fleetResult.replace(/\*\*/g, '')} ***\n`);
  process.exitCode = 1;
}

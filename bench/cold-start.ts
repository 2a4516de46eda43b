// The deployed bundle as CDK's esbuild builds it: its size, and how long a fresh Node process takes
// to load it and answer one request from the SSM cache (real SDK clients against the fake AWS
// endpoint), as a ratio to a bare `node -e 0` measured in the same run.
//
// Beside it, in the same interleaved runs, a ladder of smaller bundles built with the deployed
// esbuild settings (infra/lambda-bundle.ts), each doing more of what a cold cached request does:
// an empty module, the two AWS calls signed by hand over node:http, the same calls through the SDK
// clients. The ladder shows where the time goes and what floor any implementation starts from.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { LAMBDA_BUNDLE, LAMBDA_RUNTIME_ENVIRONMENT, SOURCE_MAPS_NODE_OPTIONS } from '../infra/lambda-bundle.js';
import { CONFIG_ENV } from '../lambda/config/environment.js';
import { identityHash, targetFingerprint } from '../lambda/core/cached-token.js';
import { credentialIdentity } from '../lambda/core/ports.js';
import { apiEvent } from '../test/handlers/events.js';
import { benchConfig, FAKE_LOGIN, SECRET_ID } from './aws-wiring.js';
import { startFakeAws } from './fake-aws.js';
import { median, round } from './stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const TOKEN_PARAMETER = '/arcgis-token-vending/default/token';
/** Marks the wrapper's result line among the function's own log lines. */
const RESULT = 'BENCH_RESULT ';

/** One rung of the ladder: a fresh process loading a bundle and doing part of a cold request. */
export interface ColdStartRung {
  name: string;
  does: string;
  bundleKB: number | null;
  medianMs: number;
  ratio: number;
}

/** The ladder below the deployed bundle, cheapest first (sources in bench/cold-start-probes/). */
export const PROBES = [
  { file: 'empty-module', name: 'empty ES module', does: 'loads a module that only answers: the cost of the ESM loader and stdout' },
  { file: 'signed-requests', name: 'signed requests, no SDK client', does: 'GetParameter + GetSecretValue signed with @smithy/signature-v4 and sent with node:http; no validation, no logging' },
  { file: 'sdk-clients', name: 'SDK clients only', does: 'the same two calls through SSMClient and SecretsManagerClient, as bundled' },
] as const;

export interface ColdStartResult {
  bundleBytes: number;
  bundleKB: number;
  runs: number;
  nodeBareMedianMs: number;
  coldAnswerMedianMs: number;
  ratio: number;
  /** Inside the probe: Node's own start-up, importing the bundle, answering the first request. */
  phasesMedianMs: { nodeBoot: number; importBundle: number; firstRequest: number };
  answer: { statusCode: number; source: string };
  /** `node -e 0`, the probes, then the deployed bundle: medians of the same interleaved runs. */
  ladder: ColdStartRung[];
}

/** Builds a probe with the deployed bundle's esbuild settings; returns the path of its index.mjs. */
export async function buildProbe(file: string, outdir: string): Promise<string> {
  const outfile = join(outdir, `${file}.mjs`);
  await build({
    entryPoints: [join(root, 'bench', 'cold-start-probes', `${file}.ts`)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    target: LAMBDA_BUNDLE.target,
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    banner: { js: LAMBDA_BUNDLE.banner },
    alias: LAMBDA_BUNDLE.alias,
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

/** The function's bundle as `cdk synth` builds it, with the given extra context (e.g. sourceMaps=true). */
function synthBundle(name: string, context: string[] = []): string {
  const out = join(tmpdir(), `atv-bench-${name}.out`);
  rmSync(out, { recursive: true, force: true });
  execFileSync(process.execPath, [join(root, 'node_modules/aws-cdk/bin/cdk'), 'synth', '-q', '-c', 'arcgisUrl=https://www.arcgis.com', '-c', 'referer=https://apps.example.com', ...context.flatMap((c) => ['-c', c]), '-o', out], { cwd: root, stdio: 'ignore' });
  const bundles = readdirSync(out)
    .filter((d) => d.startsWith('asset.'))
    .map((d) => join(out, d, 'index.mjs'))
    .filter((f) => existsSync(f));
  if (bundles.length === 0) throw new Error('cdk synth produced no index.mjs asset');
  return bundles.sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
}

/** Wall time of a whole `node` process. Async: the fake AWS endpoint answers from this process. */
function timeProcess(args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => {
      const ms = performance.now() - start;
      if (code === 0) resolve({ ms, stdout });
      else reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

export async function coldStart(runs = 10): Promise<ColdStartResult> {
  const bundle = synthBundle('cdk');
  const mappedBundle = synthBundle('cdk-source-maps', ['sourceMaps=true']);
  const aws = await startFakeAws();
  try {
    // A cached token in "SSM", stored as a previous container would have stored it.
    const config = benchConfig('https://gis.example.com/portal');
    const target = config.targets[0]!;
    aws.secrets.set(SECRET_ID, JSON.stringify(FAKE_LOGIN));
    aws.parameters.set(
      TOKEN_PARAMETER,
      JSON.stringify({
        version: 2,
        token: { token: 'bench-cached-token', expires: Date.now() + 3_000_000, ssl: true, issuedAt: Date.now() - 600_000, fingerprint: targetFingerprint(target), identity: identityHash(credentialIdentity({ kind: 'user', ...FAKE_LOGIN })), binding: { client: 'referer', referer: target.referer } },
      }),
    );
    // Each deployed variant is loaded by a small wrapper that times its phases. The function logs to
    // stdout (as in Lambda), so the wrapper's result is the line that starts with RESULT.
    const wrapper = (path: string, name: string) => {
      const file = join(tmpdir(), `atv-cold-${name}.mjs`);
      writeFileSync(
        file,
        `const t0 = performance.now();\nconst { handler } = await import(${JSON.stringify(path)});\nconst t1 = performance.now();\nconst r = await handler(${JSON.stringify(apiEvent())});\nconst t2 = performance.now();\nprocess.stdout.write('\\n${RESULT}' + JSON.stringify({ statusCode: r.statusCode, source: JSON.parse(r.body).source, bootMs: t0, importMs: t1 - t0, requestMs: t2 - t1 }) + '\\n');\n`,
      );
      return file;
    };
    const awsEnv = {
      PATH: process.env.PATH,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDBENCH',
      AWS_SECRET_ACCESS_KEY: 'fake-bench-secret',
      AWS_SESSION_TOKEN: 'fake-bench-session',
      AWS_ENDPOINT_URL_SSM: aws.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url,
    };
    // The function's own variables, as the construct sets them.
    const functionEnv = {
      ...awsEnv,
      ...LAMBDA_RUNTIME_ENVIRONMENT,
      [CONFIG_ENV]: JSON.stringify({ targets: [{ name: 'default', url: target.url, referer: target.referer, secretId: SECRET_ID }] }),
    };
    const deployed = [
      { name: 'deployed bundle', does: 'the function as cdk synth bundles it, with its runtime variables, answering one request from the SSM cache', path: bundle, env: functionEnv },
      { name: 'deployed bundle, sourceMaps on', does: 'the same with the sourceMaps option: the map shipped and NODE_OPTIONS=--enable-source-maps', path: mappedBundle, env: { ...functionEnv, NODE_OPTIONS: SOURCE_MAPS_NODE_OPTIONS } },
    ].map((d, i) => ({ ...d, wrapper: wrapper(d.path, `bundle-${i}`), bundleKB: round(statSync(d.path).size / 1024, 1), ms: [] as number[] }));
    const probesDir = join(tmpdir(), 'atv-cold-probes');
    rmSync(probesDir, { recursive: true, force: true });
    mkdirSync(probesDir, { recursive: true });
    const probes = [];
    for (const probe of PROBES) {
      const path = await buildProbe(probe.file, probesDir);
      probes.push({ ...probe, path, bundleKB: round(statSync(path).size / 1024, 1), ms: [] as number[] });
    }
    const probeEnv = { ...awsEnv, BENCH_PARAMETER: TOKEN_PARAMETER, BENCH_SECRET_ID: SECRET_ID };
    const bare: number[] = [];
    const phases = { bootMs: [] as number[], importMs: [] as number[], requestMs: [] as number[] };
    let answer = { statusCode: 0, source: '' };
    // Warm the file cache for every process measured.
    await timeProcess(['-e', '0'], awsEnv);
    for (const probe of probes) await timeProcess([probe.path], probeEnv);
    for (const d of deployed) await timeProcess([d.wrapper], d.env);
    // Interleaved, so a slower moment of the machine touches every row alike.
    for (let i = 0; i < runs; i++) {
      bare.push((await timeProcess(['-e', '0'], awsEnv)).ms);
      for (const probe of probes) {
        const run = await timeProcess([probe.path], probeEnv);
        if ((JSON.parse(run.stdout) as { ok: boolean }).ok !== true) throw new Error(`probe ${probe.file} did not complete its calls: ${run.stdout}`);
        probe.ms.push(run.ms);
      }
      for (const [index, d] of deployed.entries()) {
        const run = await timeProcess([d.wrapper], d.env);
        const line = run.stdout.split('\n').find((l) => l.startsWith(RESULT));
        const probed = JSON.parse(line?.slice(RESULT.length) ?? '{}') as typeof answer & { bootMs: number; importMs: number; requestMs: number };
        if (probed.statusCode !== 200 || probed.source !== 'cache') throw new Error(`${d.name} answered ${JSON.stringify(probed)}, not a cached token`);
        d.ms.push(run.ms);
        if (index === 0) {
          answer = { statusCode: probed.statusCode, source: probed.source };
          phases.bootMs.push(probed.bootMs);
          phases.importMs.push(probed.importMs);
          phases.requestMs.push(probed.requestMs);
        }
      }
    }
    const bytes = statSync(bundle).size;
    const bareMs = median(bare);
    const cold = deployed[0]!.ms;
    const rung = (name: string, does: string, bundleKB: number | null, ms: number[]): ColdStartRung => ({ name, does, bundleKB, medianMs: round(median(ms), 1), ratio: round(median(ms) / bareMs, 2) });
    const ladder = [
      rung('node -e 0', 'starts Node and exits: the baseline', null, bare),
      ...probes.map((p) => rung(p.name, p.does, p.bundleKB, p.ms)),
      ...deployed.map((d) => rung(d.name, d.does, d.bundleKB, d.ms)),
    ];
    return {
      bundleBytes: bytes,
      bundleKB: round(bytes / 1024, 1),
      runs,
      nodeBareMedianMs: round(bareMs, 1),
      coldAnswerMedianMs: round(median(cold), 1),
      ratio: round(median(cold) / bareMs, 2),
      phasesMedianMs: { nodeBoot: round(median(phases.bootMs), 1), importBundle: round(median(phases.importMs), 1), firstRequest: round(median(phases.requestMs), 1) },
      answer,
      ladder,
    };
  } finally {
    await aws.close();
  }
}

// Where the deployed bundle's cold start spends the time that the "SDK call, nothing else"
// rung does not: CPU profiles (node --cpu-prof) of both, on the function's Node, attributed to
// the package or project file each sample's code came from (bench/cpu-profile.ts), averaged over
// several runs. Two builds of each, with the deployed esbuild settings and a source map:
// - minified, as deployed: what each group costs in the code that really ships (V8 parses and
//   compiles less than in an unminified build), the bundle's top level as one group;
// - unminified: the top level split by the module each line came from (module evaluation), and
//   this project's functions by name.
// The wall-clock figures come from bench/cold-start.ts; the profiler slows what it watches.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { httpApiEvent } from '../test/handlers/events.js';
import { buildDeployedEntry, buildProbe } from './bundles.js';
import { functionConfigEnvironment, seedCachedToken, TOKEN_PARAMETER } from './cold-start.js';
import { attributeProfile, extraCosts, meanAttribution, sourceGroup, type CostRow, type CpuProfile, type SourceResolver } from './cpu-profile.js';
import { startFakeAws } from './fake-aws.js';
import { lambdaEnvironment, parseWrapperResult, runNode, writeHandlerWrapper } from './lambda-process.js';
import type { NodeRuntime } from './node-runtimes.js';
import type { PrivateCa } from './private-ca.js';
import { BENCH_SCRATCH } from './scratch.js';
import { round } from './stats.js';

/** Sampling every 100 µs: a cold start is ~100 ms of CPU, so ~1000 samples a run. */
const INTERVAL_US = 100;
/** A sample counts at most this long (see attributeProfile): twice the interval absorbs timer jitter. */
const MAX_SAMPLE_US = 2 * INTERVAL_US;
/** The group of the bundle's top-level function in a minified build (every module's body). */
export const TOP_LEVEL = '(bundle top level: module bodies)';

export interface ProfiledBuild {
  /** Mean profiled time of one run (sum of sample intervals, idle included). */
  deployedTotalMs: number;
  sdkTotalMs: number;
  /** Groups whose self time grew most over the SDK rung, largest first. */
  extra: CostRow[];
}

export interface ColdStartProfile {
  runtime: string;
  runs: number;
  intervalUs: number;
  minified: ProfiledBuild;
  unminified: ProfiledBuild;
  /** This project's functions by inclusive time (unminified build, where names survive), largest first. */
  projectFunctions: Array<{ fn: string; ms: number }>;
  /** Library self time by the project function (or module body) that ran it (unminified build), largest first. */
  libraryCallers: Array<{ call: string; ms: number }>;
}

/** Resolves positions in one file of a bundle to the source group they came from, through its source map. */
function fileResolver(filePath: string): SourceResolver {
  const map = new SourceMap(JSON.parse(readFileSync(`${filePath}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
  const lines = readFileSync(filePath, 'utf8').split('\n');
  const source = (line: number, column: number) => {
    const entry = map.findEntry(line, column) as { originalSource?: string };
    return entry.originalSource === undefined ? '(bundle runtime)' : sourceGroup(entry.originalSource);
  };
  return (_scriptUrl, line, column) => {
    if (column >= 0) return line === 0 && column === 0 ? TOP_LEVEL : source(line, column);
    // A line-level tick: a line of an unminified bundle is one statement of one module; a
    // minified bundle's line holds them all, so there the tick cannot be placed.
    const text = lines[line] ?? '';
    if (text.length > 2000) return undefined;
    return source(line, /^\s*/.exec(text)?.[0].length ?? 0);
  };
}

/** The same for every file of a bundle folder (index.mjs and its chunks), each through its own map. */
function bundleResolver(entryPath: string): SourceResolver {
  const dir = dirname(entryPath);
  const files = new Map(
    readdirSync(dir)
      .filter((name) => name.endsWith('.mjs'))
      .map((name): [string, SourceResolver] => [pathToFileURL(join(dir, name)).href, fileResolver(join(dir, name))]),
  );
  return (scriptUrl, line, column) => files.get(scriptUrl)?.(scriptUrl, line, column);
}

function readProfiles(dir: string): CpuProfile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile);
}

const r1 = (n: number) => round(n, 1);

export async function profileColdStart(options: { runtime: NodeRuntime; ca: PrivateCa; runs: number }): Promise<ColdStartProfile> {
  const { runtime, ca, runs } = options;
  const dir = join(BENCH_SCRATCH, 'profile');
  rmSync(dir, { recursive: true, force: true });
  const aws = await startFakeAws({ tls: ca });
  try {
    seedCachedToken(aws);
    const env = lambdaEnvironment({ endpoints: aws.endpoints, caBundlePath: ca.caBundlePath });
    const functionEnv = { ...env, ...functionConfigEnvironment('https://gis.example.com/portal') };
    const sdkEnv = { ...env, BENCH_PARAMETER: TOKEN_PARAMETER };
    const profiled = async (variant: 'minified' | 'unminified') => {
      const out = join(dir, variant);
      mkdirSync(out, { recursive: true });
      const build = { minify: variant === 'minified', sourcemap: true };
      const deployed = await buildDeployedEntry(join(out, 'deployed'), build);
      const sdk = await buildProbe('sdk-call', out, build);
      const wrapper = writeHandlerWrapper(join(out, 'deployed-wrapper.mjs'), deployed, httpApiEvent());
      const prof = (name: string) => ['--cpu-prof', `--cpu-prof-dir=${join(out, name)}`, `--cpu-prof-interval=${INTERVAL_US}`];
      for (let i = 0; i < runs; i++) {
        const r = parseWrapperResult((await runNode(runtime.path, [...prof('deployed'), wrapper], functionEnv)).stdout);
        if (r.statusCode !== 200) throw new Error(`profiled bundle answered ${r.statusCode}: ${r.body.slice(0, 300)}`);
        await runNode(runtime.path, [...prof('sdk'), sdk], sdkEnv);
      }
      const d = meanAttribution(readProfiles(join(out, 'deployed')).map((p) => attributeProfile(p, bundleResolver(deployed), MAX_SAMPLE_US)));
      const s = meanAttribution(readProfiles(join(out, 'sdk')).map((p) => attributeProfile(p, bundleResolver(sdk), MAX_SAMPLE_US)));
      return { d, build: { deployedTotalMs: r1(d.totalMs), sdkTotalMs: r1(s.totalMs), extra: extraCosts(d, s, 15).map((r) => ({ group: r.group, ms: r1(r.ms), baselineMs: r1(r.baselineMs) })) } };
    };
    const minified = await profiled('minified');
    const unminified = await profiled('unminified');
    return {
      runtime: runtime.version,
      runs,
      intervalUs: INTERVAL_US,
      minified: minified.build,
      unminified: unminified.build,
      projectFunctions: Object.entries(unminified.d.inclusiveMs)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([fn, ms]) => ({ fn, ms: r1(ms) })),
      libraryCallers: Object.entries(unminified.d.byCallerMs)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([call, ms]) => ({ call, ms: r1(ms) })),
    };
  } finally {
    await aws.close();
  }
}

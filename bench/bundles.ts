// The bundles the bench runs: the function's bundle as `cdk synth` builds it, the deployed entry
// bundled by the bench itself (for profiles), and the probes and peers of the cold-start ladder,
// each with the deployed esbuild options (infra/lambda-bundle.ts, chunks included) so they compare
// like for like. Every bundle is a folder: index.mjs and the chunks it imports.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { LAMBDA_BUNDLE_FILE, LAMBDA_ENTRY, lambdaBuildOptions } from '../infra/lambda-bundle.js';
import { BENCH_SCRATCH } from './scratch.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface BuildOptions {
  /** Default true, as deployed. Off for CPU profiles that must tell module bodies apart by line. */
  minify?: boolean;
  /** Write FILE.map beside every file of the bundle (for CPU profiles). Default false. */
  sourcemap?: boolean;
  /** Bundle stand-ins for the modules only a login runs (see LOGIN_ONLY_MODULES). Default false. */
  leaveOutLoginCode?: boolean;
}

/**
 * The modules the deployed entry imports for logging in only, and the classes it takes from each:
 * the DynamoDB coordinator, the Secrets Manager source and the ArcGIS issuer, with the two SDK
 * clients. The entry builds them on their first call (lambda/adapters/deferred-adapters.ts), so a
 * bundle whose copies of them throw when built still answers a cached request. The deployed bundle
 * loads them with import() into chunks of their own (lambda/handlers/login-adapters.ts); this row
 * leaves them out altogether, so the difference is what the split still costs a cached request.
 */
export const LOGIN_ONLY_MODULES: Readonly<Record<string, readonly string[]>> = {
  '@aws-sdk/client-dynamodb': ['DynamoDBClient'],
  '@aws-sdk/client-secrets-manager': ['SecretsManagerClient'],
  '../adapters/dynamodb-login-coordinator.js': ['DynamoDbLoginCoordinator'],
  '../adapters/secrets-manager-credentials.js': ['SecretsManagerCredentialSource'],
  '../arcgis/arcgis-token-issuer.js': ['ArcGisTokenIssuer'],
};

/** The module the deployed entry imports them through (lambda/handlers/login-adapters.ts). */
const LOGIN_ADAPTERS = join(dirname(LAMBDA_ENTRY), 'login-adapters.ts');

/** Resolves the login adapters' imports of LOGIN_ONLY_MODULES to classes that refuse to be built. */
function leaveOutLoginCode(): Plugin {
  return {
    name: 'leave-out-login-code',
    setup(b) {
      b.onResolve({ filter: /./ }, (args) => (args.importer === LOGIN_ADAPTERS && LOGIN_ONLY_MODULES[args.path] !== undefined ? { path: args.path, namespace: 'left-out' } : undefined));
      b.onLoad({ filter: /./, namespace: 'left-out' }, (args) => ({
        contents: LOGIN_ONLY_MODULES[args.path]!.map((name) => `export class ${name} { constructor() { throw new Error('${name} is left out of this bundle: a cached request must not build it'); } }`).join('\n'),
        loader: 'js',
      }));
    },
  };
}

/** Bundles entry with the deployed bundle's esbuild options into outdir; returns its index.mjs. */
export async function buildBundle(entry: string, outdir: string, options: BuildOptions = {}): Promise<string> {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    ...lambdaBuildOptions(outdir, { entry, sourceMaps: options.sourcemap === true, ...(options.minify === undefined ? {} : { minify: options.minify }) }),
    logLevel: 'error',
    plugins: options.leaveOutLoginCode === true ? [leaveOutLoginCode()] : [],
  });
  return join(outdir, LAMBDA_BUNDLE_FILE);
}

/** Builds a probe or a peer (bench/cold-start-probes/FILE.ts) into outdir/FILE/; returns its index.mjs. */
export function buildProbe(file: string, outdir: string, options: BuildOptions = {}): Promise<string> {
  return buildBundle(join(root, 'bench', 'cold-start-probes', `${file}.ts`), join(outdir, file), options);
}

/** The deployed entry, bundled by the bench itself into outdir (for profiles: cdk synth cannot skip minifying). */
export function buildDeployedEntry(outdir: string, options: BuildOptions = {}): Promise<string> {
  return buildBundle(LAMBDA_ENTRY, outdir, options);
}

/** A bundle folder's size: its entry (index.mjs) and every .mjs file in it, chunks included. */
export function bundleSize(entry: string): { entryBytes: number; totalBytes: number; files: number } {
  const dir = dirname(entry);
  const files = readdirSync(dir).filter((name) => name.endsWith('.mjs'));
  return { entryBytes: statSync(entry).size, totalBytes: files.reduce((sum, name) => sum + statSync(join(dir, name)).size, 0), files: files.length };
}

/**
 * The files of a bundle folder that loading its entry reads: index.mjs and every chunk reachable
 * from it through static imports (`import … from "./chunk.mjs"`), sorted. A chunk reached only
 * through import() (`import("./chunk.mjs")`) is read when that code first runs, and not before.
 */
export function staticallyLoadedFiles(entry: string): string[] {
  const dir = dirname(entry);
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    // esbuild writes a chunk's static imports as `from"./x.mjs"` or `import"./x.mjs"`; import("./x.mjs") has a parenthesis.
    for (const [, next] of readFileSync(join(dir, name), 'utf8').matchAll(/(?:\bfrom|\bimport)\s*"\.\/([\w.-]+\.mjs)"/g)) visit(next!);
  };
  visit(basename(entry));
  return [...seen].sort();
}

/** The function's bundle as `cdk synth` builds it (its index.mjs), with the given extra context (e.g. sourceMaps=true). */
export function synthBundle(name: string, context: string[] = []): { bundle: string; templatePath: string } {
  const out = join(BENCH_SCRATCH, `${name}.out`);
  rmSync(out, { recursive: true, force: true });
  execFileSync(process.execPath, [join(root, 'node_modules/aws-cdk/bin/cdk'), 'synth', '-q', '-c', 'arcgisUrl=https://www.arcgis.com', '-c', 'referer=https://apps.example.com', ...context.flatMap((c) => ['-c', c]), '-o', out], { cwd: root, stdio: 'ignore' });
  const bundles = readdirSync(out)
    .filter((d) => d.startsWith('asset.'))
    .map((d) => join(out, d, 'index.mjs'))
    .filter((f) => existsSync(f));
  if (bundles.length === 0) throw new Error('cdk synth produced no index.mjs asset');
  const template = readdirSync(out).find((f) => f.endsWith('.template.json'));
  if (template === undefined) throw new Error('cdk synth produced no template');
  return { bundle: bundles.sort((a, b) => bundleSize(b).totalBytes - bundleSize(a).totalBytes)[0]!, templatePath: join(out, template) };
}

// The bundles the bench runs: the function's bundle as `cdk synth` builds it, the deployed entry
// bundled by the bench itself (for profiles), and the probes and peers of the cold-start ladder,
// each with the deployed esbuild settings (infra/lambda-bundle.ts) so they compare like for like.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { LAMBDA_BUNDLE, LAMBDA_ENTRY } from '../infra/lambda-bundle.js';
import { BENCH_SCRATCH } from './scratch.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface BuildOptions {
  /** Default true, as deployed. Off for CPU profiles that must tell module bodies apart by line. */
  minify?: boolean;
  /** Write FILE.map beside the bundle (for CPU profiles). Default false. */
  sourcemap?: boolean;
  /** Bundle stand-ins for the modules only a login runs (see LOGIN_ONLY_MODULES). Default false. */
  leaveOutLoginCode?: boolean;
}

/**
 * The modules the deployed entry imports for logging in only, and the classes it takes from each:
 * the DynamoDB coordinator, the Secrets Manager source and the ArcGIS issuer, with the two SDK
 * clients. The entry builds them on their first call (lambda/adapters/deferred-adapters.ts), so a
 * bundle whose copies of them throw when built still answers a cached request: the row measures
 * what carrying the login code costs a cold cached request, the most that splitting it into a
 * chunk of its own (which a one-file bundle cannot do) could give back.
 */
export const LOGIN_ONLY_MODULES: Readonly<Record<string, readonly string[]>> = {
  '@aws-sdk/client-dynamodb': ['DynamoDBClient'],
  '@aws-sdk/client-secrets-manager': ['SecretsManagerClient'],
  '../adapters/dynamodb-login-coordinator.js': ['DynamoDbLoginCoordinator'],
  '../adapters/secrets-manager-credentials.js': ['SecretsManagerCredentialSource'],
  '../arcgis/arcgis-token-issuer.js': ['ArcGisTokenIssuer'],
};

/** Resolves the deployed entry's imports of LOGIN_ONLY_MODULES to classes that refuse to be built. */
function leaveOutLoginCode(entry: string): Plugin {
  return {
    name: 'leave-out-login-code',
    setup(b) {
      b.onResolve({ filter: /./ }, (args) => (args.importer === entry && LOGIN_ONLY_MODULES[args.path] !== undefined ? { path: args.path, namespace: 'left-out' } : undefined));
      b.onLoad({ filter: /./, namespace: 'left-out' }, (args) => ({
        contents: LOGIN_ONLY_MODULES[args.path]!.map((name) => `export class ${name} { constructor() { throw new Error('${name} is left out of this bundle: a cached request must not build it'); } }`).join('\n'),
        loader: 'js',
      }));
    },
  };
}

/** Bundles entry with the deployed bundle's esbuild settings into outfile. */
export async function buildBundle(entry: string, outfile: string, options: BuildOptions = {}): Promise<string> {
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: options.minify ?? true,
    sourcemap: options.sourcemap === true ? 'external' : false,
    target: LAMBDA_BUNDLE.target,
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    banner: { js: LAMBDA_BUNDLE.banner },
    alias: LAMBDA_BUNDLE.alias,
    outfile,
    logLevel: 'error',
    plugins: options.leaveOutLoginCode === true ? [leaveOutLoginCode(entry)] : [],
  });
  return outfile;
}

/** Builds a probe or a peer (bench/cold-start-probes/FILE.ts) into outdir; returns the .mjs path. */
export function buildProbe(file: string, outdir: string, options: BuildOptions = {}): Promise<string> {
  return buildBundle(join(root, 'bench', 'cold-start-probes', `${file}.ts`), join(outdir, `${file}.mjs`), options);
}

/** The deployed entry, bundled by the bench itself (for profiles: cdk synth cannot skip minifying). */
export function buildDeployedEntry(outfile: string, options: BuildOptions = {}): Promise<string> {
  return buildBundle(LAMBDA_ENTRY, outfile, options);
}

/** The function's bundle as `cdk synth` builds it, with the given extra context (e.g. sourceMaps=true). */
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
  return { bundle: bundles.sort((a, b) => statSync(b).size - statSync(a).size)[0]!, templatePath: join(out, template) };
}

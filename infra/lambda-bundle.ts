// How the function's code is bundled and started, in one place: the construct's from-source asset
// (infra/function-code.ts) runs esbuild with these options, the package build
// (infra/build-package.ts) prebuilds the bundle the installed package deploys with them, and the
// cold-start benchmark builds its probes and the deployed entry with the very same options, so
// what it measures is what deploys.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../lambda/domain/metric-names.js';

/**
 * Repository root: entry, lock file and esbuild's working directory are resolved from here. (In the
 * compiled package this resolves to dist/, where nothing is bundled: infra/function-code.ts deploys
 * the prebuilt bundle there instead.)
 */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const LAMBDA_ENTRY = join(REPO_ROOT, 'lambda', 'handlers', 'lambda.ts');

export const LAMBDA_BUNDLE = {
  // Minified ES modules with every dependency inside, the AWS SDK included: bundling the SDK pins
  // its version to the lock file and measured faster to load than the runtime's copy.
  bundle: true,
  format: 'esm',
  platform: 'node',
  minify: true,
  target: 'node24',
  mainFields: ['module', 'main'],
  // Split into chunks: code reached only through import() (the login adapters,
  // lambda/handlers/login-adapters.ts; the SDK's own lazily loaded browser detection and event
  // streams) goes to chunks of its own that a cold cached request never reads or compiles. The
  // entry keeps Lambda's file name, index.mjs; the chunks are named by their content's hash.
  // Measured: 1.05-1.08x the SDK call against 1.11-1.18x for one file (docs/benchmarks.md, section 4).
  splitting: true,
  entryNames: 'index',
  outExtension: { '.js': '.mjs' },
  // ESM bundles have no `require`; some CommonJS dependencies inside the SDK still call it. Every
  // chunk gets the banner, as any of them may hold such a dependency.
  banner: { js: "import { createRequire } from 'module';const require = createRequire(import.meta.url);" },
  // Lambda supplies credentials in environment variables: the SDK's full default chain (SSO, INI,
  // IMDS, STS clients) is ~135 KB of bundle that can never succeed there.
  alias: { '@aws-sdk/credential-provider-node': join(REPO_ROOT, 'lambda', 'adapters', 'lambda-credentials.ts') },
} as const;

/** The entry's file name in the bundle folder (what Lambda's handler setting names) and the handler in it. */
export const LAMBDA_BUNDLE_FILE = 'index.mjs';
export const LAMBDA_HANDLER = 'index.handler';

export interface LambdaBuildOptions {
  /** Write FILE.map beside every file of the bundle, each pointed to by its last line. */
  readonly sourceMaps: boolean;
  /** Default LAMBDA_ENTRY; the bench builds its probes with the same options. */
  readonly entry?: string;
  /** Default LAMBDA_BUNDLE.minify; off for CPU profiles that must tell module bodies apart by line. */
  readonly minify?: boolean;
}

/**
 * esbuild's build options for the function's bundle in outdir (index.mjs and its chunks): what
 * the construct, the package build and the bench all pass to esbuild. Working directory is the
 * repository root, so esbuild finds the same tsconfig.json and names chunks the same way from
 * every caller (the package test checks the installed package deploys the repository's files).
 * (Typed by inference rather than as esbuild's BuildOptions: the package's declarations must not
 * name esbuild, which an installed package does not have.)
 */
export function lambdaBuildOptions(outdir: string, options: LambdaBuildOptions) {
  return {
    ...LAMBDA_BUNDLE,
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    outExtension: { ...LAMBDA_BUNDLE.outExtension },
    banner: { ...LAMBDA_BUNDLE.banner },
    alias: { ...LAMBDA_BUNDLE.alias },
    minify: options.minify ?? LAMBDA_BUNDLE.minify,
    absWorkingDir: REPO_ROOT,
    entryPoints: [options.entry ?? LAMBDA_ENTRY],
    outdir,
    sourcemap: options.sourceMaps,
    logLevel: 'warning' as const,
  };
}

/**
 * Where the package ships the prebuilt bundles, under dist/ (beside dist/infra, the compiled
 * construct), each a folder with index.mjs and its chunks: one plain, one with source maps (the
 * `sourceMaps` option; a map changes its file's last line, so it is a bundle of its own).
 */
export const PREBUILT_BUNDLE_DIRS = { plain: 'function', sourceMaps: 'function-source-maps' } as const;

/** Variables the function always runs with (the construct adds the configuration, key and CA). */
export const LAMBDA_RUNTIME_ENVIRONMENT = {
  POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
  POWERTOOLS_LOG_LEVEL: 'INFO',
  POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
} as const;

/**
 * With the `sourceMaps` option: Node maps stack traces through the bundle's source map. It parses
 * the ~2 MB map while loading the bundle, which docs/benchmarks.md measures as the price per cold
 * start; the option is off by default because the service's own errors never need a stack trace.
 */
export const SOURCE_MAPS_NODE_OPTIONS = '--enable-source-maps';

// How the function's code is bundled and started, in one place: the construct hands these to
// NodejsFunction (which runs esbuild) and to the function's environment, the package build
// (infra/build-package.ts) prebuilds the bundle the installed package deploys with them, and the
// cold-start benchmark builds its probes and runs the deployed bundle with the very same settings,
// so what it measures is what deploys.
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
  // One minified ES module with every dependency inside, the AWS SDK included: bundling the SDK
  // pins its version to the lock file and measured faster to load than the runtime's copy.
  format: 'esm',
  platform: 'node',
  minify: true,
  target: 'node24',
  mainFields: ['module', 'main'],
  // ESM bundles have no `require`; some CommonJS dependencies inside the SDK still call it.
  banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
  // Lambda supplies credentials in environment variables: the SDK's full default chain (SSO, INI,
  // IMDS, STS clients) is ~135 KB of bundle that can never succeed there.
  alias: { '@aws-sdk/credential-provider-node': join(REPO_ROOT, 'lambda', 'adapters', 'lambda-credentials.ts') },
} as const;

/** The bundle's file name (NodejsFunction names an ESM bundle index.mjs) and the handler Lambda calls in it. */
export const LAMBDA_BUNDLE_FILE = 'index.mjs';
export const LAMBDA_HANDLER = 'index.handler';

/**
 * Where the package ships the prebuilt bundles, under dist/ (beside dist/infra, the compiled
 * construct): one plain, one with its source map (the `sourceMaps` option; the map changes the
 * bundle's last line, so it is a bundle of its own).
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

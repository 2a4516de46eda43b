// How the function's code is bundled, in one place: the construct hands these to NodejsFunction
// (which runs esbuild), and the cold-start benchmark builds its comparison probes with the very
// same settings, so what it measures is what deploys.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Repository root: entry, lock file and esbuild's working directory are resolved from here. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const LAMBDA_ENTRY = join(REPO_ROOT, 'lambda', 'handlers', 'lambda.ts');

export const LAMBDA_BUNDLE = {
  target: 'node24',
  mainFields: ['module', 'main'],
  // ESM bundles have no `require`; some CommonJS dependencies inside the SDK still call it.
  banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
  // Lambda supplies credentials in environment variables: the SDK's full default chain (SSO, INI,
  // IMDS, STS clients) is ~135 KB of bundle that can never succeed there.
  alias: { '@aws-sdk/credential-provider-node': join(REPO_ROOT, 'lambda', 'handlers', 'lambda-credentials.ts') },
} as const;

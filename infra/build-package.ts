// `npm run build` (run by `prepare`, so by `npm ci`, `npm pack` and a git-dependency install):
// everything the package ships under dist/.
//   dist/infra, dist/lambda   the construct, the client and the CLI, compiled by tsc with declarations
//   dist/function             the function's bundle, built by esbuild with the settings NodejsFunction
//   dist/function-source-maps gets from infra/lambda-bundle.ts (and the same with its source map)
// dist/ is emptied first, so nothing a previous build left behind (a renamed module, an old bundle)
// can ship.
import { execFileSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { LAMBDA_BUNDLE, LAMBDA_BUNDLE_FILE, LAMBDA_ENTRY, PREBUILT_BUNDLE_DIRS, REPO_ROOT } from './lambda-bundle.js';

const DIST_DIR = join(REPO_ROOT, 'dist');

/**
 * The options NodejsFunction passes to esbuild (as command-line flags) for the construct's bundling
 * (infra/function-code.ts), as build options: same entry, same working directory (so esbuild finds
 * the same tsconfig.json), same output name. The package test checks the results are identical.
 */
function functionBundleOptions(outdir: string, sourceMaps: boolean): BuildOptions {
  return {
    absWorkingDir: REPO_ROOT,
    entryPoints: [LAMBDA_ENTRY],
    outfile: join(outdir, LAMBDA_BUNDLE_FILE),
    bundle: true,
    platform: LAMBDA_BUNDLE.platform,
    format: LAMBDA_BUNDLE.format,
    target: LAMBDA_BUNDLE.target,
    minify: LAMBDA_BUNDLE.minify,
    sourcemap: sourceMaps,
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    banner: { js: LAMBDA_BUNDLE.banner },
    alias: { ...LAMBDA_BUNDLE.alias },
    logLevel: 'warning',
  };
}

async function buildPackage(): Promise<void> {
  rmSync(DIST_DIR, { recursive: true, force: true });
  execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO_ROOT, 'tsconfig.build.json')], {
    cwd: REPO_ROOT,
    // Progress and errors on stderr, so `npm pack --json` keeps a clean stdout.
    stdio: ['ignore', process.stderr, 'inherit'],
  });
  for (const [variant, dir] of Object.entries(PREBUILT_BUNDLE_DIRS)) {
    const outdir = join(DIST_DIR, dir);
    await build(functionBundleOptions(outdir, variant === 'sourceMaps'));
    const size = statSync(join(outdir, LAMBDA_BUNDLE_FILE)).size;
    process.stderr.write(`dist/${dir}/${LAMBDA_BUNDLE_FILE}: ${Math.round(size / 1024)} KB\n`);
  }
}

await buildPackage();

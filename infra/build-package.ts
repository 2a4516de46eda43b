// `npm run build` (run by `prepare`, so by `npm ci`, `npm pack` and a git-dependency install):
// everything the package ships under dist/.
//   dist/infra, dist/lambda   the construct, the client and the CLI, compiled by tsc with declarations
//   dist/function             the function's bundle (index.mjs and its chunks), built by esbuild with
//   dist/function-source-maps the options the construct's own bundling uses (infra/lambda-bundle.ts),
//                             and the same with source maps
// dist/ is emptied first, so nothing a previous build left behind (a renamed module, an old chunk)
// can ship.
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_BUNDLE_FILE, PREBUILT_BUNDLE_DIRS, REPO_ROOT, lambdaBuildOptions } from './lambda-bundle.js';

const DIST_DIR = join(REPO_ROOT, 'dist');

async function buildPackage(): Promise<void> {
  rmSync(DIST_DIR, { recursive: true, force: true });
  execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO_ROOT, 'tsconfig.build.json')], {
    cwd: REPO_ROOT,
    // Progress and errors on stderr, so `npm pack --json` keeps a clean stdout.
    stdio: ['ignore', process.stderr, 'inherit'],
  });
  for (const [variant, dir] of Object.entries(PREBUILT_BUNDLE_DIRS)) {
    const outdir = join(DIST_DIR, dir);
    await build(lambdaBuildOptions(outdir, { sourceMaps: variant === 'sourceMaps' }));
    const kb = (bytes: number) => Math.round(bytes / 1024);
    const files = readdirSync(outdir).filter((name) => name.endsWith('.mjs'));
    const total = files.reduce((sum, name) => sum + statSync(join(outdir, name)).size, 0);
    process.stderr.write(`dist/${dir}: ${LAMBDA_BUNDLE_FILE} ${kb(statSync(join(outdir, LAMBDA_BUNDLE_FILE)).size)} KB, ${files.length} files ${kb(total)} KB\n`);
  }
}

await buildPackage();

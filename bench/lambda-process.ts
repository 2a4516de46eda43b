// Fresh Node processes that stand for cold Lambda containers: the environment Lambda gives a
// function (and nothing from this machine's shell: NODE_EXTRA_CA_CERTS, for one, is set here to
// the system bundle, which would make Node 20 parse 140 root certificates at start-up), and a small
// wrapper that imports a handler bundle, answers one event and reports its phases on stdout.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { AwsEndpoint } from './fake-aws.js';
import { endpointEnvironment } from './fake-aws.js';

/** Marks the wrapper's result line among the function's own log lines. */
export const RESULT_MARK = 'BENCH_RESULT ';
export const BENCH_REGION = 'eu-west-1';

/**
 * Variables the Lambda runtime defines for every function (AWS Lambda developer guide, "Defined
 * runtime environment variables") that code running in it may read: the SDK and Powertools look at
 * some of them. Credentials and Region come from lambdaEnvironment().
 */
export const LAMBDA_PLATFORM_ENVIRONMENT = {
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  AWS_LAMBDA_FUNCTION_NAME: 'arcgis-token-vending-bench',
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
  AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  LANG: 'en_US.UTF-8',
  TZ: ':UTC',
} as const;

export interface LambdaEnvironmentOptions {
  endpoints: readonly AwsEndpoint[];
  /** The private CA's bundle (NODE_EXTRA_CA_CERTS), for processes that call the https stand-in. */
  caBundlePath?: string;
  /** Distinct per container in the fleet storm, so the stand-in can count each one's calls. */
  accessKeyId?: string;
}

/** A cold container's environment: Lambda's own variables, its role's credentials, the stand-ins. */
export function lambdaEnvironment(options: LambdaEnvironmentOptions): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...LAMBDA_PLATFORM_ENVIRONMENT,
    AWS_REGION: BENCH_REGION,
    AWS_DEFAULT_REGION: BENCH_REGION,
    AWS_ACCESS_KEY_ID: options.accessKeyId ?? 'AKIDBENCH',
    AWS_SECRET_ACCESS_KEY: 'fake-bench-secret',
    AWS_SESSION_TOKEN: 'fake-bench-session',
    ...endpointEnvironment(options.endpoints),
    ...(options.caBundlePath === undefined ? {} : { NODE_EXTRA_CA_CERTS: options.caBundlePath }),
  };
}

/** Writes a wrapper that imports bundlePath, calls its handler with event and prints RESULT_MARK + JSON. */
export function writeHandlerWrapper(file: string, bundlePath: string, event: unknown): string {
  writeFileSync(
    file,
    [
      'const t0 = performance.now();',
      `const { handler } = await import(${JSON.stringify(bundlePath)});`,
      'const t1 = performance.now();',
      `const r = await handler(${JSON.stringify(event)});`,
      'const t2 = performance.now();',
      `process.stdout.write('\\n${RESULT_MARK}' + JSON.stringify({ statusCode: r.statusCode, body: r.body, bootMs: t0, importMs: t1 - t0, requestMs: t2 - t1 }) + '\\n');`,
      '',
    ].join('\n'),
  );
  return file;
}

export interface WrapperResult {
  statusCode: number;
  body: string;
  /** Node's own start-up, until the wrapper's first line ran. */
  bootMs: number;
  importMs: number;
  requestMs: number;
  /** What the function itself wrote to stdout (its logs), in bytes. */
  logBytes: number;
}

/** The wrapper's result line in a process's stdout, and the bytes of everything else (the logs). */
export function parseWrapperResult(stdout: string): WrapperResult {
  const lines = stdout.split('\n');
  const index = lines.findIndex((l) => l.startsWith(RESULT_MARK));
  if (index < 0) throw new Error(`no ${RESULT_MARK.trim()} line in the process output: ${stdout.slice(0, 500)}`);
  const result = JSON.parse(lines[index]!.slice(RESULT_MARK.length)) as Omit<WrapperResult, 'logBytes'>;
  const logs = lines.filter((_, i) => i !== index).join('\n');
  return { ...result, logBytes: Buffer.byteLength(logs.replace(/\n+$/, '')) };
}

export interface NodeRun {
  ms: number;
  stdout: string;
  /** What the process wrote to stderr (Powertools writes its ERROR lines there). */
  stderr: string;
  /** When the result line arrived, ms after start (the process may still be exiting). */
  resultMs: number | undefined;
}

/** Runs `node args` and measures its wall time; rejects on a non-zero exit. */
export function runNode(nodePath: string, args: readonly string[], env: Record<string, string>, startedAt = performance.now()): Promise<NodeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(nodePath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let resultMs: number | undefined;
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (resultMs === undefined && stdout.includes(`\n${RESULT_MARK}`)) resultMs = performance.now() - startedAt;
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = performance.now() - startedAt;
      if (code === 0) resolve({ ms, stdout, stderr, resultMs });
      else reject(new Error(`${nodePath} ${args.join(' ')} exited ${code}: …${stderr.slice(-2000)}`));
    });
  });
}

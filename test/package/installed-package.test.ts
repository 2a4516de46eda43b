// The package as a user gets it: `npm pack` (which builds dist/ through `prepare`), then an offline
// install of the tarball into two scratch projects outside the repository: a CDK app with
// aws-cdk-lib and constructs, and a plain Node app with neither. Then what a user does: synthesize
// the documented CDK app (docs/package.md) and compare its function asset with this repository's
// own synth, typecheck a TypeScript consumer against the declarations, import the client with plain
// Node and get a token from the local server, and run the command through npx and plain node.
// Nothing here reaches beyond loopback: each scratch project has `offline=true` in its .npmrc, so
// npm answers from its cache or fails (test/package/consumer-lock.ts says why that needs a lock).
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/lambda-bundle.js';
import { TokenVendingStack, type TokenVendingStackProps } from '../../infra/token-vending-stack.js';
import { DOCTOR_USAGE } from '../../lambda/cli/doctor.js';
import { SMOKE_USAGE } from '../../lambda/cli/smoke.js';
import { DEFAULT_SIMULATOR_USER, startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import { startFakeApiGateway, type FakeApiGateway } from '../client/fake-api-gateway.js';
import { tokenAnswer } from '../client/token-answers.js';
import { CDK_JSON_CONTEXT, ENV, ONE_TARGET } from '../infra/synth.js';
import { startLocalServer, type LocalProcess } from '../local/local-process.js';
import { consumerLock, type LockEntry, type PackageLock } from './consumer-lock.js';

const exec = promisify(execFile);
const PACKAGE = 'arcgis-token-vending';
const CREDENTIALS = { accessKeyId: 'AKIDFAKEEXAMPLE', secretAccessKey: 'fake-secret-access-key-not-real', sessionToken: 'fake-session-token-not-real' };
const CA_FIXTURE = join(REPO_ROOT, 'test/infra/fixtures/private-ca.pem');
const repoManifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as LockEntry & {
  name: string;
  version: string;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/**
 * Only what npm and node need: no npm_config_* from the `npm test` that may be running this, except
 * the cache location (the install reads it). Every npm command here, `npm pack` in the repository
 * included, runs offline and without the update check, which would ask the registry for npm itself.
 */
function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), npm_config_offline: 'true', npm_config_update_notifier: 'false' };
  if (process.env.npm_config_cache !== undefined) env.npm_config_cache = process.env.npm_config_cache;
  return { ...env, ...extra };
}

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(file: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Exit> {
  return exec(file, args, { cwd, env: childEnv(env), maxBuffer: 64 * 1024 * 1024 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: typeof error.code === 'number' ? error.code : -1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
}

/** Runs an ES module body with plain `node` in `cwd`, where the installed package resolves. */
async function node(cwd: string, body: string, env: Record<string, string> = {}): Promise<string> {
  const result = await run(process.execPath, ['--input-type=module', '-e', body], cwd, env);
  if (result.code !== 0) throw new Error(`node exited ${result.code}:\n${result.stderr}`);
  return result.stdout;
}

/** The fenced block after the `<!-- app.mjs … -->` marker in docs/package.md. */
function documentedApp(): string {
  const doc = readFileSync(join(REPO_ROOT, 'docs/package.md'), 'utf8');
  const match = /<!-- app\.mjs:[^>]*-->\n```js\n([\s\S]*?)```/.exec(doc);
  if (match === null) throw new Error('docs/package.md has no ```js block after its <!-- app.mjs: … --> marker');
  return match[1]!;
}

async function install(dir: string, tarball: { filename: string; integrity: string }, dependencies: Record<string, string>): Promise<void> {
  mkdirSync(dir);
  copyFileSync(join(dir, '..', tarball.filename), join(dir, tarball.filename));
  const repoLock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as PackageLock;
  const { manifest, lock } = consumerLock('consumer', repoLock, { ...tarball, manifest: repoManifest }, dependencies);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  // offline: npm may only use its cache, and fails (ENOTCACHED) rather than fetch anything.
  writeFileSync(join(dir, '.npmrc'), 'offline=true\naudit=false\nfund=false\nupdate-notifier=false\n');
  const result = await run('npm', ['install', '--offline', '--no-audit', '--no-fund'], dir);
  if (result.code !== 0) throw new Error(`npm install in ${dir} failed:\n${result.stderr}`);
}

interface FunctionAsset {
  s3Key: string;
  handler: unknown;
  runtime: unknown;
  architectures: unknown;
  /** File name → content of the asset folder in cdk.out. */
  files: Map<string, Buffer>;
}

function functionAsset(outdir: string, templateFile: string): FunctionAsset {
  const template = JSON.parse(readFileSync(join(outdir, templateFile), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: { Code: { S3Key: string }; Handler: unknown; Runtime: unknown; Architectures: unknown } }>;
  };
  const functions = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function');
  expect(functions).toHaveLength(1);
  const properties = functions[0]!.Properties;
  const s3Key = properties.Code.S3Key;
  const dir = join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`);
  const files = new Map(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name))]));
  return { s3Key, handler: properties.Handler, runtime: properties.Runtime, architectures: properties.Architectures, files };
}

/**
 * This repository's own synth (the construct from source, esbuild in its local bundling step), into a
 * folder directly under the repository root, as `cdk synth` writes cdk.out: a source map names its
 * sources relative to where it was built, so only the same depth gives the same map.
 */
function repoSynth(props: Partial<TokenVendingStackProps>): FunctionAsset {
  const outdir = mkdtempSync(join(REPO_ROOT, '.package-test-'));
  try {
    const app = new App({ outdir, context: CDK_JSON_CONTEXT });
    const stack = new TokenVendingStack(app, 'RepoStack', { env: ENV, config: ONE_TARGET, ...props });
    app.synth();
    return functionAsset(outdir, `${stack.stackName}.template.json`);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Every package a module in `dir` imports or re-exports (compiled JavaScript and declarations). */
function importedPackages(dir: string): Set<string> {
  const packages = new Set<string>();
  const specifiers = [/^\s*(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"]/gm, /^\s*import\s*['"]([^'"]+)['"]/gm, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
  const walk = (at: string): void => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(m?js|d\.ts)$/.test(name)) {
        const text = readFileSync(path, 'utf8');
        for (const pattern of specifiers) {
          for (const [, specifier] of text.matchAll(pattern)) {
            if (specifier === undefined || specifier.startsWith('.') || isBuiltin(specifier)) continue;
            const parts = specifier.split('/');
            packages.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
          }
        }
      }
    }
  };
  walk(dir);
  return packages;
}

describe('the packed package, installed offline', () => {
  let scratch: string;
  let cdkApp: string;
  let nodeApp: string;
  let packedFiles: string[];
  let serverStarted: Promise<LocalProcess> | undefined;
  let server: LocalProcess | undefined;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'arcgis-token-vending-package-'));
    cdkApp = join(scratch, 'cdk-app');
    nodeApp = join(scratch, 'node-app');
    // `npm start` as test/local/local-server.test.ts runs it: the local server and its built-in simulator.
    serverStarted = startLocalServer({});
    const pack = await run('npm', ['pack', '--offline', '--json', '--pack-destination', scratch], REPO_ROOT);
    if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
    const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string; integrity: string; files: Array<{ path: string }> }>;
    packedFiles = packed!.files.map((file) => file.path).sort();
    const pins = { 'aws-cdk-lib': repoManifest.devDependencies['aws-cdk-lib']!, constructs: repoManifest.devDependencies.constructs! };
    await Promise.all([install(cdkApp, packed!, pins), install(nodeApp, packed!, {})]);
    server = await serverStarted;
    // 15-20 s measured on a quiet 2-core machine (npm pack with its build, two installs); the margin is for
    // a machine shared with other jobs, where the aws-cdk-lib install alone can take a minute.
  }, 240_000);

  afterAll(async () => {
    // Also when beforeAll failed half-way: the server may have started anyway.
    const started = await serverStarted?.catch(() => undefined);
    if (started !== undefined && started.child.exitCode === null) {
      const exited = new Promise((resolve) => started.child.once('exit', resolve));
      started.child.kill('SIGTERM');
      // A loaded machine can take a while to wind the server down; it must not hold the suite.
      const killed = setTimeout(() => started.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killed);
    }
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  }, 120_000);

  describe('contents', () => {
    it('ships the compiled entry points, their declarations and both prebuilt bundles, and no sources, tests or benches', () => {
      const topLevel = [...new Set(packedFiles.map((path) => (path.startsWith('dist/') ? path.split('/').slice(0, 2).join('/') : path)))].sort();
      // npm adds README and LICENSE by itself; the Apache-2.0 text must travel with the code once the repository has it.
      const license = existsSync(join(REPO_ROOT, 'LICENSE')) ? ['LICENSE'] : [];
      expect(topLevel).toEqual([...license, 'README.md', 'bin/arcgis-token-vending.mjs', 'dist/function', 'dist/function-source-maps', 'dist/infra', 'dist/lambda', 'package.json']);
      expect(packedFiles).toEqual(
        expect.arrayContaining([
          'dist/function/index.mjs',
          'dist/function-source-maps/index.mjs',
          'dist/function-source-maps/index.mjs.map',
          'dist/infra/index.js',
          'dist/infra/index.d.ts',
          'dist/lambda/client/index.js',
          'dist/lambda/client/index.d.ts',
          'dist/lambda/cli/main.js',
        ]),
      );
      // Each bundle is a folder: index.mjs and its chunks, the login code in one of its own.
      expect(packedFiles.filter((path) => /^dist\/function\/login-adapters-[A-Z0-9]{8}\.mjs$/.test(path))).toHaveLength(1);
      expect(packedFiles.filter((path) => /^dist\/function-source-maps\/login-adapters-[A-Z0-9]{8}\.mjs\.map$/.test(path))).toHaveLength(1);
      expect(packedFiles.filter((path) => !/\.(js|d\.ts|mjs|map)$/.test(path))).toEqual([...license, 'README.md', 'package.json']);
      // The function's own modules are in the bundle; only what the construct, client and CLI import is compiled.
      expect(packedFiles.filter((path) => /^dist\/lambda\/(handlers|local|api)\//.test(path) || path.includes('app.'))).toEqual([]);
    });

    it('declares as dependencies exactly the packages its compiled code imports, besides its peers aws-cdk-lib and constructs', () => {
      const imported = importedPackages(join(nodeApp, 'node_modules', PACKAGE));
      const peers = Object.keys(repoManifest.peerDependencies).sort();
      expect(peers).toEqual(['aws-cdk-lib', 'constructs']);
      expect([...imported].filter((name) => !peers.includes(name)).sort()).toEqual(Object.keys(repoManifest.dependencies).sort());
      expect(peers.every((peer) => imported.has(peer))).toBe(true);
    });

    it('installs from the cache alone, with the dependency versions this repository tests, and without tsx, esbuild or (in a plain Node app) the CDK', async () => {
      for (const dir of [cdkApp, nodeApp]) {
        expect((await run('npm', ['config', 'get', 'offline', '--location=project'], dir)).stdout.trim()).toBe('true');
        for (const [name, version] of Object.entries(repoManifest.dependencies)) {
          expect([name, (JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version]).toEqual([name, version]);
        }
        expect(['tsx', 'esbuild', 'typescript'].filter((name) => existsSync(join(dir, 'node_modules', name)))).toEqual([]);
      }
      expect(existsSync(join(cdkApp, 'node_modules', 'aws-cdk-lib'))).toBe(true);
      expect(['aws-cdk-lib', 'constructs'].filter((name) => existsSync(join(nodeApp, 'node_modules', name)))).toEqual([]);
    });
  });

  describe('the construct in a consumer CDK app', () => {
    it('synthesizes the documented app with the prebuilt bundle: the same asset, byte for byte, as this repository builds', async () => {
      writeFileSync(join(cdkApp, 'app.mjs'), documentedApp());
      // What `cdk synth` does: run the app with CDK_OUTDIR (new App() writes there) and the default Region.
      const synthesized = run(process.execPath, ['app.mjs'], cdkApp, { CDK_OUTDIR: join(cdkApp, 'cdk.out'), CDK_DEFAULT_REGION: ENV.region });
      // The repository's synth runs here while the consumer's runs in its own process.
      const repo = repoSynth({});
      const synth = await synthesized;
      expect(synth.code, synth.stderr).toBe(0);
      const consumer = functionAsset(join(cdkApp, 'cdk.out'), 'ArcGisTokens.template.json');

      const shipped = join(cdkApp, 'node_modules', PACKAGE, 'dist/function');
      expect([...consumer.files.keys()]).toEqual(readdirSync(shipped).sort());
      expect([...consumer.files.keys()]).toEqual([...repo.files.keys()]);
      expect(consumer.files.has('index.mjs')).toBe(true);
      expect(consumer.files.size).toBeGreaterThan(2);
      for (const [name, content] of consumer.files) {
        expect([name, content.equals(repo.files.get(name)!), content.equals(readFileSync(join(shipped, name)))]).toEqual([name, true, true]);
      }
      expect(consumer.s3Key).toBe(repo.s3Key);
      expect([consumer.handler, consumer.runtime, consumer.architectures]).toEqual(['index.handler', 'nodejs24.x', ['arm64']]);
      expect([repo.handler, repo.runtime, repo.architectures]).toEqual(['index.handler', 'nodejs24.x', ['arm64']]);
    });

    it('deploys the source-mapped bundle with sourceMaps, and copies a CA bundle beside it, as the repository does', async () => {
      copyFileSync(CA_FIXTURE, join(cdkApp, 'private-ca.pem'));
      writeFileSync(
        join(cdkApp, 'mapped.mjs'),
        `import { App, Stack } from 'aws-cdk-lib';
import { TokenVendingMachine } from 'arcgis-token-vending/cdk';
const app = new App();
const stack = new Stack(app, 'Mapped', { env: { region: 'eu-west-1' } });
new TokenVendingMachine(stack, 'TokenVending', { config: ${JSON.stringify(ONE_TARGET)}, sourceMaps: true, caBundlePath: 'private-ca.pem' });
app.synth();
`,
      );
      const synthesized = run(process.execPath, ['mapped.mjs'], cdkApp, { CDK_OUTDIR: join(cdkApp, 'cdk.out.mapped') });
      const repo = repoSynth({ sourceMaps: true, caBundlePath: CA_FIXTURE });
      const synth = await synthesized;
      expect(synth.code, synth.stderr).toBe(0);
      const consumer = functionAsset(join(cdkApp, 'cdk.out.mapped'), 'Mapped.template.json');

      const shipped = readdirSync(join(cdkApp, 'node_modules', PACKAGE, 'dist/function-source-maps'));
      expect(shipped.filter((name) => !name.endsWith('.map')).every((name) => shipped.includes(`${name}.map`))).toBe(true);
      expect([...consumer.files.keys()]).toEqual(['extra-ca-certs.pem', ...shipped].sort());
      expect([...repo.files.keys()]).toEqual([...consumer.files.keys()]);
      for (const [name, content] of consumer.files) expect([name, content.equals(repo.files.get(name)!)]).toEqual([name, true]);
      expect(consumer.files.get('extra-ca-certs.pem')!.equals(readFileSync(CA_FIXTURE))).toBe(true);
      expect(consumer.s3Key).toBe(repo.s3Key);
    });

    it('typechecks a strict TypeScript consumer against the declarations (library declarations checked too)', async () => {
      writeFileSync(
        join(cdkApp, 'check.ts'),
        `import { App, Stack } from 'aws-cdk-lib';
import { TokenVendingMachine, type TokenVendingMachineProps } from 'arcgis-token-vending/cdk';
import { getToken, TokenProblemError, type TokenAnswer } from 'arcgis-token-vending/client';

const props: TokenVendingMachineProps = { config: ${JSON.stringify(ONE_TARGET)}, auth: { mode: 'iam' } };
const machine = new TokenVendingMachine(new Stack(new App(), 'S'), 'T', props);
export const functionName: string = machine.fn.functionName;
export const answer: Promise<TokenAnswer> = getToken({ apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/v1/token' });
export const isProblem = (error: unknown): boolean => error instanceof TokenProblemError;
`,
      );
      // A CDK app in TypeScript has @types/node among its own dev dependencies; this one borrows the repository's.
      writeFileSync(
        join(cdkApp, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2023', lib: ['es2023'], noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(REPO_ROOT, 'node_modules/@types')] },
          files: ['check.ts'],
        }),
      );
      const check = await run(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], cdkApp);
      expect([check.code, check.stdout]).toEqual([0, '']);
    });
  });

  describe('the client in a plain Node app', () => {
    let gateway: FakeApiGateway | undefined;
    afterAll(async () => gateway?.close());

    it('imports with plain node and exposes the documented API', async () => {
      const names = await node(nodeApp, "const m = await import('arcgis-token-vending/client'); process.stdout.write(Object.keys(m).sort().join(','));");
      expect(names).toBe('TokenAnswerError,TokenClientConfigError,TokenClientError,TokenProblemError,TokenRequestError,createTokenClient,getToken,isTokenRejection');
    });

    it('gets a token from the local server', async () => {
      const out = await node(
        nodeApp,
        `import { getToken } from 'arcgis-token-vending/client';
         const answer = await getToken({ apiUrl: ${JSON.stringify(`${server!.base}/token`)}, region: 'us-east-1', credentials: ${JSON.stringify(CREDENTIALS)} });
         process.stdout.write(JSON.stringify({ ...answer, token: typeof answer.token === 'string' && answer.token.length > 0 }));`,
      );
      expect(JSON.parse(out)).toMatchObject({ token: true, target: 'default', client: 'referer', referer: 'http://localhost', ssl: false });
    });

    it('signs its request with SigV4 that an API Gateway stand-in verifies', async () => {
      gateway = await startFakeApiGateway({ region: 'eu-west-1', credentials: CREDENTIALS, respond: () => ({ status: 200, body: tokenAnswer({ token: 'fake-token-installed', target: 'maps' }) }) });
      const out = await node(
        nodeApp,
        `import { getToken } from 'arcgis-token-vending/client';
         const answer = await getToken({ apiUrl: ${JSON.stringify(gateway.apiUrl)}, target: 'maps', region: 'eu-west-1', credentials: ${JSON.stringify(CREDENTIALS)} });
         process.stdout.write(JSON.stringify({ token: answer.token, target: answer.target }));`,
      );
      expect(JSON.parse(out)).toEqual({ token: 'fake-token-installed', target: 'maps' });
      expect(gateway.requests.map((r) => [r.method, r.path])).toEqual([['GET', '/v1/token/maps']]);
    });

    it('refuses plain http to a non-loopback host before sending anything, with its typed error', async () => {
      const out = await node(
        nodeApp,
        `import { getToken, TokenClientConfigError } from 'arcgis-token-vending/client';
         try { await getToken({ apiUrl: 'http://abc123.execute-api.eu-west-1.amazonaws.com/v1/token', credentials: ${JSON.stringify(CREDENTIALS)} }); }
         catch (error) { process.stdout.write(JSON.stringify({ typed: error instanceof TokenClientConfigError, message: error.message })); }`,
      );
      expect(JSON.parse(out)).toEqual({ typed: true, message: 'apiUrl must use https:// (plain http:// only to 127.0.0.1 or localhost), got http://abc123.execute-api.eu-west-1.amazonaws.com.' });
    });
  });

  describe('the command', () => {
    let sim: ArcGisSimulator | undefined;
    afterAll(async () => sim?.close());
    const bin = (dir: string) => join(dir, 'node_modules', PACKAGE, 'bin/arcgis-token-vending.mjs');

    it('prints the doctor and smoke usage through npx in the CDK app', async () => {
      const doctor = await run('npx', ['arcgis-token-vending', 'doctor', '--help'], cdkApp);
      const smoke = await run('npx', ['arcgis-token-vending', 'smoke', '--help'], cdkApp);
      expect([doctor.code, doctor.stdout]).toEqual([0, DOCTOR_USAGE]);
      expect([smoke.code, smoke.stdout]).toEqual([0, SMOKE_USAGE]);
    });

    it('runs doctor with plain node against the ArcGIS simulator and prints a configuration to deploy', async () => {
      sim = await startArcGisSimulator();
      const doctor = await run(process.execPath, [bin(nodeApp), 'doctor', sim.portalUrl, '--username', DEFAULT_SIMULATOR_USER.username, '--allow-insecure-http', '--referer', 'https://apps.example.com', '--json'], nodeApp, {
        ARCGIS_PASSWORD: DEFAULT_SIMULATOR_USER.password,
      });
      expect(doctor.code, doctor.stderr).toBe(0);
      const report = JSON.parse(doctor.stdout) as { ok: boolean; configuration: Record<string, unknown> | null };
      expect(report.ok).toBe(true);
      expect(report.configuration).toEqual({
        name: 'default',
        url: `${sim.portalUrl}/sharing/rest/generateToken`,
        kind: 'portal',
        client: 'referer',
        referer: 'https://apps.example.com',
        expirationMinutes: 60,
        secretId: 'arcgis-token-vending/default',
      });
      expect(doctor.stdout).not.toContain(DEFAULT_SIMULATOR_USER.password);
    });

    it('runs smoke with plain node against the local server, with credentials from the environment, never printing the token', async () => {
      const smoke = await run(process.execPath, [bin(nodeApp), 'smoke', '--api', `${server!.base}/token`, '--region', 'us-east-1'], nodeApp, {
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      });
      expect([smoke.code, smoke.stderr]).toEqual([0, '']);
      const lines = smoke.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe(`GET ${server!.base}/token (SigV4-signed for execute-api in us-east-1)`);
      expect(lines.at(-1)).toBe('Smoke check passed.');
      const served = (await (await fetch(`${server!.base}/token`)).json()) as { token: string };
      expect(smoke.stdout).not.toContain(served.token);
    });

    it('names the command and the fix for an unknown subcommand, exit code 2', async () => {
      const result = await run(process.execPath, [bin(nodeApp), 'deploy'], nodeApp);
      expect([result.code, result.stdout, result.stderr.split('\n')[0]]).toEqual([2, '', 'arcgis-token-vending: unknown command "deploy"']);
    });
  });
});

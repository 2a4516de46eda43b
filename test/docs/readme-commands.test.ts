// Every command in README.md is run here, offline and on loopback only. Each fenced block carries a
// marker on the line above it, `<!-- readme-test: KIND -->` (KIND `needs-aws` and `none` also give
// a reason in parentheses), and each block is one test, in the README's order:
//
//   local-server, local-server-site  the block runs in bash; its `npm start` is then started for real
//                 (PORT=0, since port 3000 may be taken on a shared machine) and must serve a token.
//                 `-site`: the README's example site https://gis.example.com is the ArcGIS simulator
//                 (plain http, so ARCGIS_ALLOW_INSECURE_HTTP=1 is added).
//   local-curl    `curl localhost:3000/…` against the server the block before started.
//   ci            `npm ci` is checked offline without writing (the install already ran), `npm test`
//                 lists the files it runs (the suite cannot run itself; CI runs it whole).
//   doctor        doctor against the simulator, the password typed at the `read` prompt.
//   synth         `npx cdk synth` as written (into a scratch folder), then the Region and outputs.
//   needs-aws     `cdk bootstrap/diff/deploy/destroy` and `aws …` are recorded, not sent: their -c
//                 keys are synthesized instead, and the secret they would store is checked.
//   sigv4         curl and `smoke` against the SigV4-checking API Gateway stand-in
//                 (test/client/fake-api-gateway.ts), which hands signed requests to a local server.
//   answer        the example answer: valid by docs/openapi.yaml and shaped as the real one.
//   node, python  the snippet run as a program against the stand-in (Node) or the local server (Python).
//   none          not a command (a diagram).
//
// The shell stand-ins are test/docs/readme-shell.bash.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTEXT_KEYS } from '../../infra/context.js';
import { startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import { createValidators, loadOpenApi } from '../http/openapi-document.js';
import { startFakeApiGateway, type FakeApiGateway } from '../client/fake-api-gateway.js';
import { fencedBlocks, prose, type FencedBlock } from './markdown.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(join(REPO, 'README.md'), 'utf8');
const PRELUDE = fileURLToPath(new URL('./readme-shell.bash', import.meta.url));
const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(join(REPO, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

const KINDS = ['local-server', 'local-server-site', 'local-curl', 'ci', 'doctor', 'synth', 'needs-aws', 'sigv4', 'answer', 'node', 'python', 'none'] as const;
type Kind = (typeof KINDS)[number];
const SHELL = new Set(['bash', 'sh', 'shell']);

/** The README's example account, and a password with what shells and JSON treat specially. */
const USERNAME = 'my_builtin_user';
const PASSWORD = 'fake pa"ss\\wo&rd%+#$1\'x';
const AWS_KEYS = { accessKeyId: 'AKIDREADMETEST', secretAccessKey: 'fake-secret-access-key-readme', sessionToken: 'fake-session-token-readme' };
const REGION = 'eu-west-1';
/** The target the README's deploy creates and calls, and the referer its answer shows. */
const TARGET = 'default';
const REFERER = 'https://apps.example.com';

interface ReadmeBlock extends FencedBlock {
  kind: Kind | undefined;
  reason: string | undefined;
}

function readmeBlocks(): ReadmeBlock[] {
  return fencedBlocks(README).map((block) => {
    const marker = /^([a-z0-9-]+)(?:\s+\((.+)\))?$/.exec(block.marker ?? '');
    const kind = KINDS.find((k) => k === marker?.[1]);
    return { ...block, kind, reason: marker?.[2] };
  });
}

// --- Processes

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { env: Record<string, string>; cwd?: string; stdin?: string; timeoutMs?: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? REPO, env: options.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      stopGroup(child);
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${options.timeoutMs ?? 50_000} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 50_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}

/** Ends a process this test started, with the children it started (npm → sh → node), by its group id. */
function stopGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

/** What every process gets: no AWS settings of the machine, no metadata service to wait for. */
function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    LANG: 'C.UTF-8',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

const AWS_ENV = {
  AWS_ACCESS_KEY_ID: AWS_KEYS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: AWS_KEYS.secretAccessKey,
  AWS_SESSION_TOKEN: AWS_KEYS.sessionToken,
  AWS_REGION: REGION,
};

interface LocalServer {
  child: ChildProcess;
  /** http://127.0.0.1:PORT */
  base: string;
}

async function startLocalServer(env: Record<string, string>): Promise<LocalServer> {
  const child = spawn('npm', ['start'], { cwd: REPO, env: { ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start printed no "listening on" within 40 s:\n${output}`)), 40_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const listening = /listening on (http:\/\/\S+)/.exec(output);
      if (listening !== null) {
        clearTimeout(timer);
        resolve(listening[1]!);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output}`));
    });
  });
  return { child, base };
}

async function stopLocalServer(server: LocalServer | undefined): Promise<void> {
  if (server === undefined || server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  stopGroup(server.child);
  await exited;
}

// --- The README's shell blocks

interface ShellOutcome extends Run {
  /** Recorded calls of the stand-ins, each as its argument list. */
  calls: string[][];
  state: string;
}

const scratch: string[] = [];

function scratchDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `readme-${name}-`));
  scratch.push(dir);
  return dir;
}

async function runBlock(block: ReadmeBlock, env: Record<string, string>, stdin = ''): Promise<ShellOutcome> {
  const state = scratchDir('block');
  const script = join(state, 'block.bash');
  writeFileSync(script, `source ${JSON.stringify(PRELUDE)}\n${block.body}`);
  const result = await run('bash', [script], { env: baseEnv({ README_STATE: state, ...env }), stdin });
  const log = join(state, 'calls.jsonl');
  const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as string[]) : [];
  return { ...result, calls, state };
}

/** The environment `npm start` saw in the block (`env -0`), without the test's own variables. */
function startEnvironment(state: string): Record<string, string> {
  const text = readFileSync(join(state, 'start.env'), 'utf8');
  const entries = text
    .split('\0')
    .filter((entry) => entry.includes('='))
    .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)] as const)
    .filter(([name]) => !name.startsWith('README_') && name !== '_' && name !== 'PWD' && name !== 'SHLVL' && name !== 'OLDPWD');
  return Object.fromEntries(entries);
}

/** `-c key=value` pairs of a cdk command line; anything else on it is refused by name. */
function contextOf(args: readonly string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg !== '-c' && arg !== '--context') throw new Error(`cdk argument ${JSON.stringify(arg)} is not a -c key=value: teach this test what it means`);
    const pair = args[++i] ?? '';
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`-c ${JSON.stringify(pair)} is not key=value`);
    context[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return context;
}

/** Context sets already synthesized, by their JSON: `npx cdk synth` as written, or infra/app.ts as the CLI runs it. */
const synthesized = new Map<string, Promise<Run>>();

function contextKey(context: Record<string, string>): string {
  return JSON.stringify(Object.entries(context).sort(([a], [b]) => a.localeCompare(b)));
}

/** Runs infra/app.ts the way the CDK CLI does (context in CDK_CONTEXT_JSON), without bundling: the settings are what is checked. */
function synthesize(context: Record<string, string>): Promise<Run> {
  const key = contextKey(context);
  let result = synthesized.get(key);
  if (result === undefined) {
    const outdir = scratchDir('synth');
    result = run(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      env: baseEnv({
        CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context }),
        CDK_OUTDIR: outdir,
        CDK_DEFAULT_REGION: REGION,
      }),
    });
    synthesized.set(key, result);
  }
  return result;
}

function option(args: readonly string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
}

// --- The world the README's commands run in

let simulator: ArcGisSimulator;
let gateway: FakeApiGateway;
/** The deployed service, as far as callers can tell: a local server with the README's target. */
let service: LocalServer;
/** The server the README's last `npm start` started. */
let current: LocalServer | undefined;
/** The stack `npx cdk synth` wrote, as written in the README. */
let stack: { name: string; environment: string; outputs: Record<string, { Value: unknown }> } | undefined;

/** The README's synth blocks, started at once: the CDK CLI takes longest, and needs nothing the other blocks start. */
const synthRuns = new Map<number, Promise<ShellOutcome>>();

beforeAll(async () => {
  for (const block of readmeBlocks().filter((b) => b.kind === 'synth')) {
    const outcome = runBlock(block, {});
    outcome.catch(() => undefined); // reported by the block's own test, which awaits it
    synthRuns.set(block.line, outcome);
  }
  simulator = await startArcGisSimulator({ users: [{ username: USERNAME, password: PASSWORD }], serverAdaptor: 'server' });
  const config = scratchDir('service');
  writeFileSync(
    join(config, 'targets.json'),
    JSON.stringify({ targets: [{ name: TARGET, url: simulator.portalUrl, referer: REFERER, secretId: 'arcgis-token-vending/default' }], allowInsecureHttp: true }),
  );
  service = await startLocalServer(baseEnv({ TARGETS_FILE: join(config, 'targets.json'), ARCGIS_USERNAME: USERNAME, ARCGIS_PASSWORD: PASSWORD }));
  gateway = await startFakeApiGateway({
    region: REGION,
    credentials: AWS_KEYS,
    respond: async (request) => {
      const query = new URLSearchParams(request.query).toString();
      const rejected = request.headers['x-rejected-token'];
      const answer = await fetch(`${service.base}/token${request.target === undefined ? '' : `/${request.target}`}${query === '' ? '' : `?${query}`}`, {
        headers: rejected === undefined ? {} : { 'x-rejected-token': rejected },
      });
      return { status: answer.status, body: await answer.text(), contentType: answer.headers.get('content-type') ?? 'application/json' };
    },
  });
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(synthRuns.values());
  await Promise.all([stopLocalServer(current), stopLocalServer(service)]);
  await Promise.all([gateway?.close(), simulator?.close()]);
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

// --- What each kind of block must do

const check: Record<Kind, (block: ReadmeBlock) => Promise<void>> = {
  async 'local-server'(block) {
    const outcome = await runBlock(block, {});
    expect([outcome.code, outcome.stderr, outcome.calls.at(-1)]).toEqual([0, '', ['npm', 'start']]);
    await stopLocalServer(current);
    current = await startLocalServer(startEnvironment(outcome.state));
    const answer = await fetch(`${current.base}/token`);
    expect(answer.status).toBe(200);
    expect((await answer.json()) as Record<string, unknown>).toMatchObject({ target: 'default', source: 'generated', stale: false });
  },

  async 'local-server-site'(block) {
    const outcome = await runBlock(block, {}, `${PASSWORD}\n`);
    expect([outcome.code, outcome.stderr, outcome.calls.at(-1)]).toEqual([0, '', ['npm', 'start']]);
    const env = Object.fromEntries(Object.entries(startEnvironment(outcome.state)).map(([name, value]) => [name, value.replaceAll('https://gis.example.com', simulator.url)]));
    expect(env.ARCGIS_PASSWORD).toBe(PASSWORD);
    await stopLocalServer(current);
    current = await startLocalServer({ ...env, ARCGIS_ALLOW_INSECURE_HTTP: '1' });
    const answer = await fetch(`${current.base}/token`);
    expect(answer.status).toBe(200);
    expect((await answer.json()) as Record<string, unknown>).toMatchObject({ target: 'default', client: 'referer', referer: REFERER, source: 'generated' });
    const logins = simulator.requests.filter((request) => request.form.username === USERNAME);
    expect(logins.at(-1)?.form.password).toBe(PASSWORD);
  },

  async 'local-curl'(block) {
    expect(current, 'a local-server block must come before this one').toBeDefined();
    const outcome = await runBlock(block, { README_LOCAL: new URL(current!.base).host });
    expect([outcome.code, outcome.stderr]).toEqual([0, '']);
    const answer = JSON.parse(outcome.stdout) as Record<string, unknown>;
    expect([typeof answer.token, answer.target, answer.stale]).toEqual(['string', 'default', false]);
  },

  async ci(block) {
    const outcome = await runBlock(block, {});
    expect([outcome.code, outcome.stderr]).toEqual([0, '']);
    expect(outcome.stdout.split('\n')).toContain('test/docs/readme-commands.test.ts');
    // What the listed files are run with, and that CI runs the same two commands.
    expect((JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.test).toBe('vitest run');
    const ci = readFileSync(join(REPO, '.ci/run'), 'utf8').split('\n').map((line) => line.trim());
    expect([ci.includes('npm ci --no-audit --no-fund'), ci.some((line) => line.startsWith('npm test'))]).toEqual([true, true]);
  },

  async doctor(block) {
    const seen = simulator.requests.length;
    const outcome = await runBlock(block, { README_SITE: simulator.url }, `${PASSWORD}\n`);
    expect(outcome.code, outcome.stdout + outcome.stderr).toBe(0);
    expect(outcome.stdout).toContain('Result: ✓ working configuration: client=referer');
    expect(outcome.stdout).toContain(`npx cdk deploy -c arcgisUrl=${simulator.portalUrl}`);
    expect(`${outcome.stdout}${outcome.stderr}`).not.toContain(PASSWORD);
    // It logged in with the password typed at the prompt, as the README's user.
    const logins = simulator.requests.slice(seen).filter((request) => request.form.username !== undefined);
    expect(logins.length).toBeGreaterThan(0);
    expect(logins.every((request) => request.form.username === USERNAME && request.form.password === PASSWORD)).toBe(true);
  },

  async synth(block) {
    const outcome = await (synthRuns.get(block.line) ?? runBlock(block, {}));
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.calls.map((call) => call.slice(0, 3).join(' '))).toEqual(['npx cdk synth']);
    synthesized.set(contextKey(contextOf(outcome.calls[0]!.slice(3))), Promise.resolve({ code: 0, stdout: outcome.stdout, stderr: outcome.stderr }));
    // The Region the block chose is the stack's.
    const manifest = JSON.parse(readFileSync(join(outcome.state, 'cdk.out', 'manifest.json'), 'utf8')) as { artifacts: Record<string, { type: string; environment?: string }> };
    const [name, artifact] = Object.entries(manifest.artifacts).find(([, a]) => a.type === 'aws:cloudformation:stack')!;
    const template = JSON.parse(readFileSync(join(outcome.state, 'cdk.out', `${name}.template.json`), 'utf8')) as { Outputs: Record<string, { Value: unknown }> };
    stack = { name, environment: artifact.environment ?? '', outputs: template.Outputs };
    const region = /AWS_REGION=(\S+)/.exec(block.body)?.[1];
    expect([region, stack.environment]).toEqual([REGION, `aws://unknown-account/${REGION}`]);
    expect(Object.keys(stack.outputs)).toEqual(expect.arrayContaining(['ApiUrl', 'SecretNames']));
  },

  async 'needs-aws'(block) {
    const outcome = await runBlock(block, {}, `${PASSWORD}\n`);
    expect([outcome.code, outcome.stderr]).toEqual([0, '']);
    expect(outcome.calls.length).toBeGreaterThan(0);
    for (const call of outcome.calls) {
      const [tool, first, second, ...rest] = call;
      if (tool === 'npx' && first === 'cdk' && second === 'bootstrap') {
        expect(rest.length === 0 || (rest.length === 1 && /^aws:\/\/\d{12}\/[a-z]{2}(-[a-z]+)+-\d$/.test(rest[0]!)), call.join(' ')).toBe(true);
      } else if (tool === 'npx' && first === 'cdk' && ['diff', 'deploy', 'destroy'].includes(second!)) {
        const synth = await synthesize(contextOf(rest));
        expect(synth.code, `synth of: ${call.join(' ')}\n${synth.stderr}`).toBe(0);
      } else if (tool === 'aws' && first === 'secretsmanager' && second === 'put-secret-value') {
        const secretId = option(rest, '--secret-id');
        expect(String(stack?.outputs.SecretNames?.Value).split(',')).toContain(`default=${secretId}`);
        expect(JSON.parse(option(rest, '--secret-string') ?? '')).toEqual({ username: USERNAME, password: PASSWORD });
      } else {
        throw new Error(`no check for ${call.join(' ')}: teach this test what it must verify`);
      }
    }
  },

  async sigv4(block) {
    const [seen, refused] = [gateway.requests.length, gateway.refused.length];
    const outcome = await runBlock(block, { ...AWS_ENV, API_URL: gateway.apiUrl, README_API_URL: gateway.apiUrl });
    expect(outcome.code, outcome.stdout + outcome.stderr).toBe(0);
    expect(gateway.refused.slice(refused)).toEqual([]);
    const requests = gateway.requests.slice(seen);
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) expect(request.headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${AWS_KEYS.accessKeyId}/\\d{8}/${REGION}/execute-api/`));
    for (const call of outcome.calls) {
      if (call[0] === 'aws' && call[1] === 'configure') {
        expect(call).toEqual(['aws', 'configure', 'export-credentials', '--format', 'env']);
      } else if (call[0] === 'aws') {
        // The stack and output the README reads are the ones synth writes.
        expect(call.slice(1, 3)).toEqual(['cloudformation', 'describe-stacks']);
        expect(option(call, '--stack-name')).toBe(stack?.name);
        const output = /OutputKey=='(\w+)'/.exec(option(call, '--query') ?? '')?.[1];
        expect(Object.keys(stack?.outputs ?? {})).toContain(output);
      } else if (call[1] === 'arcgis-token-vending') {
        expect(call[2]).toBe('smoke');
        expect(outcome.stdout).toContain('Smoke check passed.');
      }
    }
    if (outcome.stdout.trimStart().startsWith('{')) {
      expect(JSON.parse(outcome.stdout) as Record<string, unknown>).toMatchObject({ target: TARGET, referer: REFERER, stale: false });
    }
  },

  async answer(block) {
    const documented = JSON.parse(block.body) as Record<string, unknown>;
    const validate = createValidators(loadOpenApi())('#/components/schemas/TokenAnswer');
    expect(validate(documented), JSON.stringify(validate.errors)).toBe(true);
    const real = (await (await fetch(`${service.base}/token/${TARGET}`)).json()) as Record<string, unknown>;
    const shape = (answer: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(answer).map(([key, value]) => [key, typeof value === 'object' && value !== null ? Object.keys(value).sort() : typeof value]));
    expect(shape(documented)).toEqual(shape(real));
    expect([documented.target, documented.referer, String(documented.token).startsWith('fake-')]).toEqual([real.target, real.referer, true]);
  },

  async node(block) {
    const dir = scratchDir('node');
    // As an app that installed the package: `arcgis-token-vending` resolves to this repository.
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(REPO, join(dir, 'node_modules', 'arcgis-token-vending'), 'dir');
    writeFileSync(join(dir, 'app.mjs'), block.body);
    const [seen, refused] = [gateway.requests.length, gateway.refused.length];
    const result = await run(process.execPath, ['app.mjs'], { cwd: dir, env: baseEnv({ ...AWS_ENV, TOKEN_API_URL: gateway.apiUrl }) });
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toMatch(new RegExp(`^token for ${TARGET} valid until \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\n$`));
    expect(gateway.requests.slice(seen).map((r) => [r.path, r.query])).toEqual([['/v1/token', { minValidity: '600' }]]);
    expect(gateway.refused.slice(refused)).toEqual([]);
  },

  async python(block) {
    const dir = scratchDir('python');
    writeFileSync(join(dir, 'app.py'), block.body);
    const result = await run('/usr/bin/python3', ['app.py'], {
      cwd: dir,
      env: baseEnv({ PYTHONPATH: join(REPO, 'clients/python'), PYTHONDONTWRITEBYTECODE: '1', TOKEN_API_URL: service.base }),
    });
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toMatch(new RegExp(`^token for ${TARGET} valid until \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\n$`));
  },

  async none(block) {
    expect([SHELL.has(block.lang), ['js', 'ts', 'python'].includes(block.lang), block.reason !== undefined]).toEqual([false, false, true]);
  },
};

describe('README.md', () => {
  const blocks = readmeBlocks();

  it('marks every fenced block with how it is tested; only non-commands are "none", and what is not run says why', () => {
    const problems = blocks.flatMap((block) => {
      if (block.kind === undefined) return [`line ${block.line}: no <!-- readme-test: KIND --> marker (or an unknown KIND: ${block.marker ?? 'none'})`];
      if ((block.kind === 'none' || block.kind === 'needs-aws') && block.reason === undefined) return [`line ${block.line}: ${block.kind} needs a reason in parentheses`];
      if (block.kind === 'none' && (SHELL.has(block.lang) || ['js', 'ts', 'python'].includes(block.lang))) return [`line ${block.line}: a ${block.lang} block is a command: give it a kind that runs it`];
      return [];
    });
    expect(problems).toEqual([]);
    expect(blocks.length).toBeGreaterThan(10);
  });

  it('names only -c keys that synth accepts', () => {
    // `-c key=value` in commands and prose, and `-c key` in prose; `key` itself is the placeholder of `-c key=value`.
    const named = [...README.matchAll(/-c\s+([A-Za-z]\w*)(?==|`)/g)].map((match) => match[1]!).filter((key) => key !== 'key');
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((key) => !(CONTEXT_KEYS as readonly string[]).includes(key))).toEqual([]);
  });

  it('is short, and its contents list every section in order', () => {
    expect(README.trimEnd().split('\n').length).toBeLessThanOrEqual(300);
    const sections = [...prose(README).matchAll(/^## (.+)$/gm)].map((match) => match[1]!).filter((title) => title !== 'Contents');
    const contents = [...README.slice(README.indexOf('## Contents'), README.indexOf('\n## ', README.indexOf('## Contents') + 1)).matchAll(/^\d+\. \[([^\]]+)\]/gm)].map((match) => match[1]!);
    expect(contents).toEqual(sections);
  });

  it('checks the -c keys of commands that need AWS with a synth that refuses a mistyped key', async () => {
    const typo = await synthesize({ arcgisURL: 'https://gis.example.com/portal', referer: REFERER });
    expect([typo.code, typo.stderr]).toEqual([1, expect.stringContaining('arcgisURL: not a setting of this app; did you mean arcgisUrl?')]);
  }, 60_000);

  describe.each(blocks.filter((block) => block.kind !== undefined).map((block) => [`line ${block.line} (${block.kind}): ${block.body.split('\n')[0]}`, block] as const))('%s', (_name, block) => {
    it('runs as documented', async () => {
      await check[block.kind!](block);
    }, 60_000);
  });
});

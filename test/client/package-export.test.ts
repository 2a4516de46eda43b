// "arcgis-token-vending/client" as an app gets it: the package export resolves to JavaScript and
// declarations compiled by `npm run build:client` (run by `prepare` on install), imported by plain
// Node with no TypeScript loader, signing a real request the fake API Gateway verifies.
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/lambda-bundle.js';
import { startFakeApiGateway, type FakeApiGateway } from './fake-api-gateway.js';
import { tokenAnswer } from './token-answers.js';

const run = promisify(execFile);
const CREDENTIALS = { accessKeyId: 'AKIDFAKEEXAMPLE', secretAccessKey: 'fake-secret-access-key-not-real', sessionToken: 'fake-session-token-not-real' };

/** Runs an ES module body with plain `node` from the repository root, where the package's own exports resolve. */
async function node(body: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', body], { cwd: REPO_ROOT, env: { PATH: process.env.PATH } });
  return stdout;
}

describe('the compiled client package export', () => {
  let gateway: FakeApiGateway | undefined;
  beforeAll(() => {
    execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(REPO_ROOT, 'lambda/client/tsconfig.build.json')], { cwd: REPO_ROOT });
  });
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  it('points at JavaScript and declarations that exist', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown>; scripts: Record<string, string> };
    expect(pkg.exports['./client']).toEqual({ types: './dist/client/index.d.ts', default: './dist/client/index.js' });
    expect(pkg.scripts.prepare).toBe('npm run build:client');
    expect(readFileSync(join(REPO_ROOT, 'dist/client/index.d.ts'), 'utf8')).toContain("export { getToken, type GetTokenOptions } from './get-token.js';");
  });

  it('imports with plain node and exposes the documented API', async () => {
    const names = await node("const m = await import('arcgis-token-vending/client'); process.stdout.write(Object.keys(m).sort().join(','));");
    expect(names).toBe('TokenAnswerError,TokenClientConfigError,TokenClientError,TokenProblemError,TokenRequestError,createTokenClient,getToken');
  });

  it('gets a token through a SigV4-verifying API Gateway stand-in', async () => {
    gateway = await startFakeApiGateway({ region: 'eu-west-1', credentials: CREDENTIALS, respond: () => ({ status: 200, body: tokenAnswer({ token: 'fake-token-compiled', target: 'maps' }) }) });
    const out = await node(
      `import { getToken } from 'arcgis-token-vending/client';
       const answer = await getToken({ apiUrl: ${JSON.stringify(gateway.apiUrl)}, target: 'maps', region: 'eu-west-1', credentials: ${JSON.stringify(CREDENTIALS)} });
       process.stdout.write(JSON.stringify({ token: answer.token, target: answer.target }));`,
    );
    expect(JSON.parse(out)).toEqual({ token: 'fake-token-compiled', target: 'maps' });
    expect(gateway.requests.map((r) => [r.method, r.path])).toEqual([['GET', '/v1/token/maps']]);
  });

  it('refuses plain http to a non-loopback host before sending anything, with its typed error', async () => {
    const out = await node(
      `import { getToken, TokenClientConfigError } from 'arcgis-token-vending/client';
       try { await getToken({ apiUrl: 'http://abc123.execute-api.eu-west-1.amazonaws.com/v1/token', credentials: ${JSON.stringify(CREDENTIALS)} }); }
       catch (error) { process.stdout.write(JSON.stringify({ typed: error instanceof TokenClientConfigError, message: error.message })); }`,
    );
    expect(JSON.parse(out)).toEqual({ typed: true, message: 'apiUrl must use https:// (plain http:// only to 127.0.0.1 or localhost), got http://abc123.execute-api.eu-west-1.amazonaws.com.' });
  });
});

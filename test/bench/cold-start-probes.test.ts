// The cold-start ladder's probes are measured, not tested for speed; this only checks that each one,
// bundled with the deployed settings, really makes the calls its row claims against the loopback
// AWS stand-in, and fails when they fail, so the benchmark cannot time a probe that does nothing.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBES, buildProbe } from '../../bench/cold-start.js';
import { startFakeAws, type FakeAws } from '../../bench/fake-aws.js';

const PARAMETER = '/arcgis-token-vending/default/token';
const SECRET_ID = 'arcgis-token-vending/default';

function run(path: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout }));
  });
}

describe('cold-start probes', () => {
  let aws: FakeAws;
  let dir: string;
  const paths = new Map<string, string>();
  const env = () => ({
    PATH: process.env.PATH,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDPROBETEST',
    AWS_SECRET_ACCESS_KEY: 'fake-probe-secret',
    AWS_SESSION_TOKEN: 'fake-probe-session',
    AWS_ENDPOINT_URL_SSM: aws.url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url,
    BENCH_PARAMETER: PARAMETER,
    BENCH_SECRET_ID: SECRET_ID,
  });

  beforeAll(async () => {
    aws = await startFakeAws();
    dir = mkdtempSync(join(tmpdir(), 'atv-probes-'));
    for (const probe of PROBES) paths.set(probe.file, await buildProbe(probe.file, dir));
  });
  afterAll(async () => {
    await aws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the empty module, the hand-signed calls and the SDK clients, cheapest first', () => {
    expect(PROBES.map((p) => p.file)).toEqual(['empty-module', 'signed-requests', 'sdk-clients']);
  });

  it('each answers after making exactly the calls its row names', async () => {
    aws.parameters.set(PARAMETER, '{"version":2}');
    aws.secrets.set(SECRET_ID, '{"username":"fake-user","password":"fake-password"}');
    for (const [file, path] of paths) {
      const before = { ...aws.calls };
      const result = await run(path, env());
      expect({ file, ...result }).toEqual({ file, code: 0, stdout: '{"ok":true}' });
      const made = Object.fromEntries(Object.entries(aws.calls).map(([op, n]) => [op, n - (before[op] ?? 0)]).filter(([, n]) => n !== 0));
      expect({ file, made }).toEqual({ file, made: file === 'empty-module' ? {} : { GetParameter: 1, GetSecretValue: 1 } });
      if (file !== 'empty-module') {
        // SigV4 with the environment's key, scoped to the Region and each call's own service.
        const scope = (service: string) => new RegExp(`^AWS4-HMAC-SHA256 Credential=AKIDPROBETEST/\\d{8}/eu-west-1/${service}/aws4_request, SignedHeaders=[a-z0-9;-]*\\bhost\\b[a-z0-9;-]*, Signature=[0-9a-f]{64}$`);
        expect(aws.authorizations.GetParameter).toMatch(scope('ssm'));
        expect(aws.authorizations.GetSecretValue).toMatch(scope('secretsmanager'));
        delete aws.authorizations.GetParameter;
        delete aws.authorizations.GetSecretValue;
      }
    }
  });

  it('the probes that call AWS fail when a call fails, so a broken probe cannot be timed', async () => {
    aws.parameters.set(PARAMETER, '{"version":2}');
    aws.secrets.delete(SECRET_ID);
    for (const file of ['signed-requests', 'sdk-clients']) {
      const result = await run(paths.get(file)!, env());
      expect({ file, failed: result.code !== 0, stdout: result.stdout }).toEqual({ file, failed: true, stdout: '' });
    }
  });
});

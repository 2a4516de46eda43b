// The cold-start ladder's probes and peers are measured, not tested for speed; this only checks
// that each one, bundled with the deployed settings, really makes the calls its row claims against
// the https AWS stand-in (trusting the throwaway CA, as the bench runs them), and fails when they
// fail, so the benchmark cannot time a row that does nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProbe } from '../../bench/bundles.js';
import { CACHED_REQUEST_CALLS, PEERS, PROBES } from '../../bench/cold-start.js';
import { startFakeAws, type FakeAws } from '../../bench/fake-aws.js';
import { lambdaEnvironment, parseWrapperResult, runNode, writeHandlerWrapper } from '../../bench/lambda-process.js';
import { createPrivateCa, type PrivateCa } from '../../bench/private-ca.js';
import { apiEvent } from '../handlers/events.js';

const PARAMETER = '/arcgis-token-vending/default/token';
const VALUE = '{"version":2}';

describe('cold-start probes and peers', () => {
  let aws: FakeAws;
  let ca: PrivateCa;
  let dir: string;
  const probes = new Map<string, string>();
  const peers = new Map<string, string>();
  const env = (key: string): Record<string, string> => ({ ...lambdaEnvironment({ endpoints: aws.endpoints, caBundlePath: ca.caBundlePath, accessKeyId: key }), BENCH_PARAMETER: PARAMETER });
  const scope = (key: string, service: string) =>
    new RegExp(`^AWS4-HMAC-SHA256 Credential=${key}/\\d{8}/eu-west-1/${service}/aws4_request, SignedHeaders=[a-z0-9;-]*\\bhost\\b[a-z0-9;-]*, Signature=[0-9a-f]{64}$`);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'atv-probes-'));
    ca = createPrivateCa(join(dir, 'ca'));
    aws = await startFakeAws({ tls: ca });
    for (const probe of PROBES) probes.set(probe.file, await buildProbe(probe.file, dir));
    for (const peer of PEERS) peers.set(peer.file, writeHandlerWrapper(join(dir, `${peer.file}-wrapper.mjs`), await buildProbe(peer.file, dir), apiEvent()));
  }, 60_000);
  afterAll(async () => {
    await aws.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the ladder cheapest first, then the two peers a user would write instead', () => {
    expect(PROBES.map((p) => p.file)).toEqual(['empty-module', 'signed-request', 'sdk-call']);
    expect(PEERS.map((p) => p.file)).toEqual(['peer-ssm-client', 'peer-powertools']);
  });

  it('serves https only, with a certificate for 127.0.0.1 from the throwaway CA', () => {
    expect(aws.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(aws.endpoints).toEqual([
      { env: 'AWS_ENDPOINT_URL_SSM', url: aws.url },
      { env: 'AWS_ENDPOINT_URL_SECRETS_MANAGER', url: aws.url },
      { env: 'AWS_ENDPOINT_URL_DYNAMODB', url: aws.url },
    ]);
  });

  it('each probe answers after making exactly the one call of a cold cached request, signed for SSM', async () => {
    aws.parameters.set(PARAMETER, VALUE);
    for (const [file, path] of probes) {
      const key = `AKIDPROBE${file.replace(/-/g, '').toUpperCase().slice(0, 8)}`;
      const run = await runNode(process.execPath, [path], env(key));
      expect({ file, stdout: run.stdout }).toEqual({ file, stdout: '{"ok":true}' });
      expect({ file, made: aws.callsByAccessKey[key] }).toEqual({ file, made: file === 'empty-module' ? undefined : CACHED_REQUEST_CALLS });
      if (file !== 'empty-module') expect(aws.authorizations.GetParameter).toMatch(scope(key, 'ssm'));
    }
  });

  it('each peer answers a request with the parameter value after exactly one GetParameter', async () => {
    aws.parameters.set(PARAMETER, VALUE);
    for (const [file, wrapper] of peers) {
      const key = `AKIDPEER${file.replace(/-/g, '').toUpperCase().slice(4, 12)}`;
      const run = await runNode(process.execPath, [wrapper], env(key));
      const result = parseWrapperResult(run.stdout);
      expect({ file, statusCode: result.statusCode, body: result.body, made: aws.callsByAccessKey[key] }).toEqual({ file, statusCode: 200, body: VALUE, made: { GetParameter: 1 } });
      expect(aws.authorizations.GetParameter).toMatch(scope(key, 'ssm'));
    }
  });

  it('the rows that call AWS fail when a call fails, so a broken row cannot be timed', async () => {
    aws.parameters.set(PARAMETER, VALUE);
    aws.parameters.delete(PARAMETER);
    for (const file of ['signed-request', 'sdk-call']) {
      await expect(runNode(process.execPath, [probes.get(file)!], env('AKIDFAILING'))).rejects.toThrow(/exited 1/);
    }
    for (const [file, wrapper] of peers) {
      await expect(runNode(process.execPath, [wrapper], env('AKIDFAILING')), file).rejects.toThrow(/ParameterNotFound/);
    }
  });

  it('without the CA the stand-in is not trusted: the rows really use https', async () => {
    aws.parameters.set(PARAMETER, VALUE);
    const { NODE_EXTRA_CA_CERTS: _ca, ...untrusted } = env('AKIDNOCA');
    await expect(runNode(process.execPath, [peers.get('peer-ssm-client')!], untrusted)).rejects.toThrow(/self[- ]signed|unable to verify|UNABLE_TO_GET_ISSUER_CERT|certificate/i);
    expect(aws.callsByAccessKey.AKIDNOCA).toBeUndefined();
  });
});

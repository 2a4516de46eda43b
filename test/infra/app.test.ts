import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs infra/app.ts the way the CDK CLI does: context in CDK_CONTEXT_JSON, output dir in CDK_OUTDIR. */
function runApp(context: Record<string, unknown>, outdir: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir, CDK_DEFAULT_REGION: 'eu-west-1' },
  });
}

describe('infra/app.ts', () => {
  let outdir: string | undefined;
  afterEach(() => {
    if (outdir !== undefined) rmSync(outdir, { recursive: true, force: true });
  });

  it('exits 1 with only the settings message on stderr when the referer is missing', () => {
    outdir = mkdtempSync(join(tmpdir(), 'token-vending-app-'));
    const result = runApp({}, outdir);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      "Missing context 'referer': ArcGIS binds a referer token to the app that sends it. Give -c referer=https://your-app.example.com (the URL apps send as Referer) or choose -c client=ip -c ip=<address of the machine that uses the token>.\n",
    );
  });

  it('exits 1 with the schema message when a setting is invalid', () => {
    outdir = mkdtempSync(join(tmpdir(), 'token-vending-app-'));
    const result = runApp({ referer: 'https://apps.example.com', arcgisUrl: 'http://gis.example.com' }, outdir);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^Invalid configuration in CDK context:\n {2}- targets\[0\]\.url: http:\/\/ would send the password in clear/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('synthesises stack ArcGisTokenVending when the settings are valid', () => {
    outdir = mkdtempSync(join(tmpdir(), 'token-vending-app-'));
    const result = runApp({ referer: 'https://apps.example.com', 'aws:cdk:bundling-stacks': [] }, outdir);
    expect(result.status).toBe(0);
    expect(existsSync(join(outdir, 'ArcGisTokenVending.template.json'))).toBe(true);
  });
});

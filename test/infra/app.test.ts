import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT_PATH } from './synth.js';

/** Runs infra/app.ts the way the CDK CLI does: context in CDK_CONTEXT_JSON, output dir in CDK_OUTDIR. */
function runApp(context: Record<string, unknown>, outdir: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
    cwd: REPO_ROOT_PATH,
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
    expect([result.status, result.stderr]).toEqual([
      1,
      "Missing context 'referer': ArcGIS binds a referer token to the app that sends it. Give -c referer=https://your-app.example.com (the URL apps send as Referer) or choose -c client=ip -c ip=<address of the machine that uses the token>, or give several targets in a file with -c config=examples/targets.json.\n",
    ]);
  });

  it('exits 1 naming the file field when a single-target key is mixed with a config file', () => {
    outdir = mkdtempSync(join(tmpdir(), 'token-vending-app-'));
    const result = runApp({ config: 'examples/targets.json', scheduleMinutes: '5' }, outdir);
    expect([result.status, result.stderr]).toEqual([
      1,
      "Context 'scheduleMinutes' cannot be combined with -c config=examples/targets.json: set scheduleIntervalMinutes in the file instead.\n",
    ]);
  });

  it('exits 1 with the schema message, without a stack trace, when a setting is invalid', () => {
    outdir = mkdtempSync(join(tmpdir(), 'token-vending-app-'));
    const result = runApp({ referer: 'https://apps.example.com', arcgisUrl: 'http://gis.example.com' }, outdir);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^Invalid configuration in CDK context:\n {2}- targets\[0\]\.url: http:\/\/ would send the password in clear/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('synthesises the example config into stack ArcGisTokenVending with an empty AwsSolutions report', () => {
    outdir = mkdtempSync(join(tmpdir(), 'token-vending-app-'));
    const result = runApp({ config: 'examples/targets.json', 'aws:cdk:bundling-stacks': [] }, outdir);
    expect(result.status).toBe(0);
    expect(existsSync(join(outdir, 'ArcGisTokenVending.template.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')).pluginReports).toEqual([]);
  });
});

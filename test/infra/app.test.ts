import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CDK_JSON_CONTEXT, REPO_ROOT_PATH } from './synth.js';

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

  it('exits 1 with only the settings message on stderr when the ArcGIS URL and the referer are missing', () => {
    outdir = mkdtempSync(join(tmpdir(), 'token-vending-app-'));
    const result = runApp({}, outdir);
    expect([result.status, result.stderr]).toEqual([
      1,
      'Invalid CDK context (-c key=value):\n' +
        '  - arcgisUrl: missing: name the ArcGIS site the password is sent to, e.g. -c arcgisUrl=https://www.arcgis.com (ArcGIS Online) or -c arcgisUrl=https://gis.example.com/portal (ArcGIS Enterprise). There is no default, so an Enterprise password is never posted to ArcGIS Online by mistake\n' +
        '  - referer: missing: ArcGIS binds a referer token to the app that sends it. Give -c referer=https://your-app.example.com (the URL apps send as Referer) or choose -c client=ip -c ip=<address of the machine that uses the token>, or give several targets in a file with -c config=examples/targets.json\n',
    ]);
  });

  it('exits 1 on a mis-cased key instead of deploying against ArcGIS Online, beside the feature flags cdk.json and the CLI set', () => {
    outdir = mkdtempSync(join(tmpdir(), 'token-vending-app-'));
    const cli = { ...CDK_JSON_CONTEXT, 'aws:cdk:enable-path-metadata': true, 'aws:cdk:version-reporting': true, 'aws:cdk:bundling-stacks': [] };
    const result = runApp({ ...cli, arcgisURL: 'https://gis.example.com/portal', referer: 'https://apps.example.com' }, outdir);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^Invalid CDK context \(-c key=value\):\n {2}- arcgisURL: not a setting of this app; did you mean arcgisUrl\?/);
    expect(existsSync(join(outdir, 'ArcGisTokenVending.template.json'))).toBe(false);
  });

  it('exits 1 naming the file field when a single-target key is mixed with a config file', () => {
    outdir = mkdtempSync(join(tmpdir(), 'token-vending-app-'));
    const result = runApp({ config: 'examples/targets.json', scheduleMinutes: '5' }, outdir);
    expect([result.status, result.stderr]).toEqual([
      1,
      'Invalid CDK context (-c key=value):\n  - scheduleMinutes: cannot be combined with -c config=examples/targets.json: set scheduleIntervalMinutes in the file instead\n',
    ]);
  });

  it('refuses -c allowInsecureHttp=true for a deployment unless -c acceptInsecureHttp=true is given too', () => {
    outdir = mkdtempSync(join(tmpdir(), 'token-vending-app-'));
    const insecure = { arcgisUrl: 'http://gis.lab.internal/portal', referer: 'https://apps.example.com', allowInsecureHttp: 'true', 'aws:cdk:bundling-stacks': [] };
    const refused = runApp(insecure, outdir);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^Invalid configuration in CDK context:\n {2}- allowInsecureHttp: plain http:\/\/ sends the ArcGIS password and the tokens in clear/);
    const accepted = runApp({ ...insecure, acceptInsecureHttp: 'true' }, outdir);
    expect([accepted.status, accepted.stderr]).toEqual([0, '']);
    const config = JSON.parse(readFileSync(join(outdir, 'ArcGisTokenVending.template.json'), 'utf8')) as { Resources: Record<string, { Type: string; Properties: any }> };
    const fn = Object.values(config.Resources).find((r) => r.Type === 'AWS::Lambda::Function')!;
    expect(JSON.stringify(fn.Properties.Environment.Variables.TOKEN_VENDING_CONFIG)).toContain('\\"allowInsecureHttp\\":true');
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

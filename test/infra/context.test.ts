import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { CLIENT_MODES } from '../../lambda/domain/config/settings.js';
import { CONTEXT_KEYS, closestKey, isCdkContextKey, stackPropsFromContext } from '../../infra/context.js';
import { CDK_JSON_CONTEXT, EXAMPLE_CONFIG, REPO_ROOT, REPO_ROOT_PATH } from './synth.js';

/** `cdk synth -c key=value` hands every value over as a string. */
function propsFor(context: Record<string, unknown>) {
  return stackPropsFromContext(new App({ context }), REPO_ROOT_PATH);
}

const SITE = { arcgisUrl: 'https://www.arcgis.com', referer: 'https://apps.example.com' };
const HEADER = 'Invalid CDK context (-c key=value):\n';
const UNKNOWN = "(every key is listed in docs/deployment.md; CDK's own @aws-cdk/… and aws:cdk:… keys pass through)";

describe('stackPropsFromContext: one target from context keys', () => {
  it('makes target "default" with the referer client in stack ArcGisTokenVending from arcgisUrl and referer', () => {
    expect(propsFor(SITE)).toEqual({
      stackName: 'ArcGisTokenVending',
      config: { targets: [{ name: 'default', url: 'https://www.arcgis.com', client: 'referer', referer: 'https://apps.example.com' }] },
      configSource: 'CDK context',
    });
  });

  it('reads every single-target key into a one-target config', () => {
    expect(
      propsFor({
        arcgisUrl: 'https://gis.example.com/portal',
        targetName: 'enterprise',
        client: 'ip',
        ip: '203.0.113.7',
        expirationMinutes: '120',
        secretName: 'prod/arcgis',
        secretKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        scheduleMinutes: '5',
        parameterPrefix: '/prod/tokens',
        allowInsecureHttp: 'false',
      }).config,
    ).toEqual({
      targets: [{ name: 'enterprise', url: 'https://gis.example.com/portal', client: 'ip', ip: '203.0.113.7', expirationMinutes: 120, secretName: 'prod/arcgis', secretKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' }],
      scheduleIntervalMinutes: 5,
      parameterPrefix: '/prod/tokens',
      allowInsecureHttp: false,
    });
  });

  it('accepts numbers given as JSON numbers in cdk.json', () => {
    expect(propsFor({ ...SITE, scheduleMinutes: 10 }).config.scheduleIntervalMinutes).toBe(10);
  });

  it('has no default ArcGIS URL: a missing one stops synth naming the setting', () => {
    expect(() => propsFor({ referer: 'https://apps.example.com' })).toThrow(
      `${HEADER}  - arcgisUrl: missing: name the ArcGIS site the password is sent to, e.g. -c arcgisUrl=https://www.arcgis.com (ArcGIS Online) or -c arcgisUrl=https://gis.example.com/portal (ArcGIS Enterprise). There is no default, so an Enterprise password is never posted to ArcGIS Online by mistake`,
    );
  });

  it('fails without a referer in referer mode and says how to give one', () => {
    expect(() => propsFor({ arcgisUrl: 'https://www.arcgis.com' })).toThrow(
      `${HEADER}  - referer: missing: ArcGIS binds a referer token to the app that sends it. Give -c referer=https://your-app.example.com (the URL apps send as Referer) or choose -c client=ip -c ip=<address of the machine that uses the token>, or give several targets in a file with -c config=examples/targets.json`,
    );
  });

  it('treats an empty referer as missing', () => {
    expect(() => propsFor({ ...SITE, referer: '  ' })).toThrow(/^Invalid CDK context \(-c key=value\):\n {2}- referer: missing: .*-c referer=/);
  });

  it('rejects a non-numeric scheduleMinutes naming the key', () => {
    expect(() => propsFor({ ...SITE, scheduleMinutes: 'often' })).toThrow(`${HEADER}  - scheduleMinutes: expected a whole number, got "often" (e.g. -c scheduleMinutes=15)`);
  });

  it('rejects a fractional expirationMinutes naming the key', () => {
    expect(() => propsFor({ ...SITE, expirationMinutes: '1.5' })).toThrow(/^Invalid CDK context \(-c key=value\):\n {2}- expirationMinutes: expected a whole number, got "1\.5"/);
  });

  it('rejects an unknown client mode listing the allowed ones', () => {
    expect(() => propsFor({ ...SITE, client: 'cookie' })).toThrow(`${HEADER}  - client: "cookie" is not one of ${CLIENT_MODES.join(', ')}`);
  });
});

describe('stackPropsFromContext: strict keys', () => {
  it('stops synth on a mis-cased key, naming the key it was meant to be, and still reports the missing URL', () => {
    // The mistake that used to deploy an Enterprise password against ArcGIS Online.
    expect(() => propsFor({ arcgisURL: 'https://gis.example.com/portal', referer: 'https://apps.example.com' })).toThrow(
      `${HEADER}  - arcgisURL: not a setting of this app; did you mean arcgisUrl? ${UNKNOWN}\n  - arcgisUrl: missing: name the ArcGIS site`,
    );
  });

  it('suggests the closest key for a misspelling, and none for a word unlike any key', () => {
    expect([closestKey('throttleRatelimit'), closestKey('expirationMinute'), closestKey('refferer'), closestKey('colour')]).toEqual([
      'throttleRateLimit',
      'expirationMinutes',
      'referer',
      undefined,
    ]);
  });

  it('refuses an unknown key without a suggestion when nothing is close', () => {
    expect(() => propsFor({ ...SITE, colour: 'blue' })).toThrow(`${HEADER}  - colour: not a setting of this app ${UNKNOWN}`);
  });

  it("refuses -c allowInsecureHttp's misspelling rather than ignoring it", () => {
    expect(() => propsFor({ ...SITE, allowInsecureHTTP: 'true' })).toThrow(`${HEADER}  - allowInsecureHTTP: not a setting of this app; did you mean allowInsecureHttp? ${UNKNOWN}`);
  });

  it("passes CDK's own keys through: cdk.json's feature flags, the CLI's keys and cached lookups", () => {
    const cdk = {
      ...CDK_JSON_CONTEXT,
      'aws:cdk:enable-path-metadata': true,
      'aws:cdk:enable-asset-metadata': true,
      'aws:cdk:version-reporting': true,
      'aws:cdk:bundling-stacks': ['**'],
      '@aws-cdk/core:failSynthOnValidationErrors': false,
      'availability-zones:account=123456789012:region=eu-west-1': ['eu-west-1a'],
      'acknowledged-issue-numbers': [32775],
      'aws-cdk:enableDiffNoFail': true,
    };
    expect(propsFor({ ...cdk, ...SITE }).config.targets[0]!.url).toBe('https://www.arcgis.com');
    expect(Object.keys(cdk).every(isCdkContextKey)).toBe(true);
    expect(CONTEXT_KEYS.some(isCdkContextKey)).toBe(false);
  });

  it('reports every problem of one synth at once, in key order', () => {
    expect(() => propsFor({ referer: 'https://apps.example.com', scheduleMinutes: 'often', tracing: 'yes', endpoint: 'grpc', memorysize: '512' })).toThrow(
      HEADER +
        '  - scheduleMinutes: expected a whole number, got "often" (e.g. -c scheduleMinutes=15)\n' +
        '  - endpoint: "grpc" is not one of http, rest, function-url\n' +
        '  - tracing: expected true or false, got "yes"\n' +
        `  - memorysize: not a setting of this app; did you mean memorySize? ${UNKNOWN}\n` +
        '  - arcgisUrl: missing: name the ArcGIS site',
    );
  });
});

describe('stackPropsFromContext: targets from a config file', () => {
  it('reads -c config=examples/targets.json and names the file as the config source', () => {
    expect(propsFor({ config: 'examples/targets.json' })).toEqual({
      stackName: 'ArcGisTokenVending',
      config: EXAMPLE_CONFIG,
      configSource: 'examples/targets.json',
    });
  });

  it('refuses single-target keys next to a config file, naming the file fields to use', () => {
    expect(() => propsFor({ config: 'examples/targets.json', referer: 'https://apps.example.com', scheduleMinutes: '5', allowInsecureHttp: 'true' })).toThrow(
      HEADER +
        '  - referer: cannot be combined with -c config=examples/targets.json: set targets[].referer in the file instead\n' +
        '  - scheduleMinutes: cannot be combined with -c config=examples/targets.json: set scheduleIntervalMinutes in the file instead\n' +
        '  - allowInsecureHttp: cannot be combined with -c config=examples/targets.json: set allowInsecureHttp in the file instead',
    );
  });

  it('passes the file errors through with the file name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'token-vending-context-'));
    try {
      writeFileSync(join(dir, 'targets.json'), JSON.stringify({ targets: [{ name: 'x y', url: 'https://www.arcgis.com', referer: 'https://a.example.com' }] }));
      expect(() => stackPropsFromContext(new App({ context: { config: 'targets.json' } }), dir)).toThrow(
        'Invalid configuration in targets.json:\n  - targets[0].name: use 1-64 letters, digits, "-" or "_", starting with a letter or digit',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses allowInsecureHttp in the file without -c acceptInsecureHttp=true, and accepts it with', () => {
    const dir = mkdtempSync(join(tmpdir(), 'token-vending-context-'));
    try {
      writeFileSync(join(dir, 'targets.json'), JSON.stringify({ targets: [{ name: 'lab', url: 'http://gis.lab.internal/portal', referer: 'https://a.example.com' }], allowInsecureHttp: true }));
      expect(() => stackPropsFromContext(new App({ context: { config: 'targets.json' } }), dir)).toThrow(/^Invalid configuration in targets\.json:\n {2}- allowInsecureHttp: plain http:\/\/ sends the ArcGIS password/);
      expect(stackPropsFromContext(new App({ context: { config: 'targets.json', acceptInsecureHttp: 'true' } }), dir).acceptInsecureHttp).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('stackPropsFromContext: deployment settings', () => {
  it('reads every deployment key, parsing numbers, booleans and lists from strings', () => {
    const props = propsFor({
      ...SITE,
      stackName: 'TokensProd',
      endpoint: 'rest',
      logRetentionDays: '90',
      throttleRateLimit: '20.5',
      throttleBurstLimit: '40',
      expectedRequestsPerSecond: '12.5',
      reservedConcurrency: '5',
      acceptInsecureHttp: 'false',
      allowedAccounts: '111111111111, 222222222222',
      vpcEndpointIds: 'vpce-0123456789abcdef0',
      kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      vpcId: 'vpc-0123456789abcdef0',
      subnetIds: 'subnet-0123456789abcdef0,subnet-0fedcba9876543210',
      securityGroupIds: 'sg-0123456789abcdef0',
      caBundlePath: 'certs/ca.pem',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops',
      dashboard: 'false',
      tracing: 'true',
      sourceMaps: 'true',
      memorySize: '512',
      apiGatewayCloudWatchRole: 'false',
      webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/api/0123',
    });
    const { config: _config, configSource: _source, ...settings } = props;
    expect(settings).toEqual({
      stackName: 'TokensProd',
      endpoint: 'rest',
      logRetention: RetentionDays.THREE_MONTHS,
      throttle: { rateLimit: 20.5, burstLimit: 40 },
      expectedRequestsPerSecond: 12.5,
      reservedConcurrency: 5,
      acceptInsecureHttp: false,
      allowedAccounts: ['111111111111', '222222222222'],
      vpcEndpointIds: ['vpce-0123456789abcdef0'],
      kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'], securityGroupIds: ['sg-0123456789abcdef0'] },
      caBundlePath: 'certs/ca.pem',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops',
      dashboard: false,
      tracing: true,
      sourceMaps: true,
      memorySize: 512,
      apiGatewayCloudWatchRole: false,
      webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/api/0123',
    });
  });

  it('reads every key the construct documents', () => {
    expect([...CONTEXT_KEYS].sort()).toEqual(
      [
        'config',
        'arcgisUrl',
        'targetName',
        'client',
        'referer',
        'ip',
        'expirationMinutes',
        'secretName',
        'secretKmsKeyArn',
        'scheduleMinutes',
        'parameterPrefix',
        'allowInsecureHttp',
        'acceptInsecureHttp',
        'stackName',
        'endpoint',
        'logRetentionDays',
        'auth',
        'apiKeyRateLimit',
        'apiKeyBurstLimit',
        'apiKeyQuotaPerDay',
        'throttleRateLimit',
        'throttleBurstLimit',
        'expectedRequestsPerSecond',
        'reservedConcurrency',
        'allowedAccounts',
        'vpcEndpointIds',
        'kmsKeyArn',
        'vpcId',
        'subnetIds',
        'securityGroupIds',
        'caBundlePath',
        'alarmEmail',
        'alarmTopicArn',
        'dashboard',
        'tracing',
        'sourceMaps',
        'memorySize',
        'apiGatewayCloudWatchRole',
        'webAclArn',
      ].sort(),
    );
  });

  it('documents every key in the settings tables of docs/deployment.md, as the unknown-key message promises', () => {
    const doc = readFileSync(new URL('docs/deployment.md', REPO_ROOT), 'utf8');
    const tables = doc.slice(doc.indexOf('## Settings'), doc.indexOf('## Throttling'));
    expect(CONTEXT_KEYS.filter((key) => !tables.includes(`| \`${key}\``) && !tables.includes(`, \`${key}\``))).toEqual([]);
  });

  it('accepts lists and booleans as JSON values from cdk.json', () => {
    const props = propsFor({ ...SITE, allowedAccounts: ['111111111111'], tracing: true });
    expect([props.allowedAccounts, props.tracing]).toEqual([['111111111111'], true]);
  });

  it('fills the other throttle value from the default when only one is given', () => {
    expect(propsFor({ ...SITE, throttleBurstLimit: '500' }).throttle).toEqual({ rateLimit: 100, burstLimit: 500 });
  });

  it('reads API-key auth with its usage-plan settings', () => {
    expect(propsFor({ ...SITE, auth: 'apiKey', apiKeyRateLimit: '5', apiKeyQuotaPerDay: '10000' }).auth).toEqual({
      mode: 'apiKey',
      throttle: { rateLimit: 5, burstLimit: 20 },
      quotaPerDay: 10_000,
    });
  });

  it('reads -c auth=iam as IAM auth', () => {
    expect(propsFor({ ...SITE, auth: 'iam' }).auth).toEqual({ mode: 'iam' });
  });

  it('rejects an unknown auth mode listing the allowed ones', () => {
    expect(() => propsFor({ ...SITE, auth: 'cognito' })).toThrow(`${HEADER}  - auth: "cognito" is not one of iam, apiKey`);
  });

  it('rejects API-key settings without API-key auth', () => {
    expect(() => propsFor({ ...SITE, apiKeyQuotaPerDay: '100' })).toThrow(`${HEADER}  - apiKeyQuotaPerDay: only applies with -c auth=apiKey`);
  });

  it('rejects subnets without a VPC id', () => {
    expect(() => propsFor({ ...SITE, subnetIds: 'subnet-0123456789abcdef0' })).toThrow(`${HEADER}  - subnetIds: needs vpcId: give -c vpcId=vpc-… with it`);
  });

  it('rejects a VPC id without subnets', () => {
    expect(() => propsFor({ ...SITE, vpcId: 'vpc-0123456789abcdef0' })).toThrow(
      `${HEADER}  - subnetIds: missing: a function in vpc-0123456789abcdef0 needs its subnets, e.g. -c subnetIds=subnet-aaa,subnet-bbb (private subnets with a route to AWS APIs)`,
    );
  });

  it('rejects a boolean that is not true or false', () => {
    expect(() => propsFor({ ...SITE, tracing: 'yes' })).toThrow(`${HEADER}  - tracing: expected true or false, got "yes"`);
  });

  it('rejects a list given as a number', () => {
    expect(() => propsFor({ ...SITE, allowedAccounts: 111111111111 })).toThrow(`${HEADER}  - allowedAccounts: expected a comma-separated list, got 111111111111`);
  });

  it('rejects a log retention CloudWatch does not offer, listing the allowed values', () => {
    expect(() => propsFor({ ...SITE, logRetentionDays: '8' })).toThrow(
      `${HEADER}  - logRetentionDays: 8 is not a CloudWatch Logs retention; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, 9999`,
    );
  });

  it('rejects a reserved concurrency that is not a whole number, with an example', () => {
    expect(() => propsFor({ ...SITE, reservedConcurrency: 'few' })).toThrow(`${HEADER}  - reservedConcurrency: expected a whole number, got "few" (e.g. -c reservedConcurrency=3)`);
  });
});

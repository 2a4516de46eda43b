import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { CLIENT_MODES } from '../../lambda/config/schema.js';
import { stackPropsFromContext } from '../../infra/context.js';
import { EXAMPLE_CONFIG, REPO_ROOT_PATH } from './synth.js';

/** `cdk synth -c key=value` hands every value over as a string. */
function propsFor(context: Record<string, unknown>) {
  return stackPropsFromContext(new App({ context }), REPO_ROOT_PATH);
}

const REFERER = { referer: 'https://apps.example.com' };

describe('stackPropsFromContext: one target from context keys', () => {
  it('defaults to ArcGIS Online, target "default", referer client and stack ArcGisTokenVending', () => {
    expect(propsFor(REFERER)).toEqual({
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
      }).config,
    ).toEqual({
      targets: [{ name: 'enterprise', url: 'https://gis.example.com/portal', client: 'ip', ip: '203.0.113.7', expirationMinutes: 120, secretName: 'prod/arcgis', secretKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' }],
      scheduleIntervalMinutes: 5,
      parameterPrefix: '/prod/tokens',
    });
  });

  it('accepts numbers given as JSON numbers in cdk.json', () => {
    expect(propsFor({ ...REFERER, scheduleMinutes: 10 }).config.scheduleIntervalMinutes).toBe(10);
  });

  it('fails without a referer in referer mode and says how to give one', () => {
    expect(() => propsFor({})).toThrow(
      "Missing context 'referer': ArcGIS binds a referer token to the app that sends it. Give -c referer=https://your-app.example.com (the URL apps send as Referer) or choose -c client=ip -c ip=<address of the machine that uses the token>, or give several targets in a file with -c config=examples/targets.json.",
    );
  });

  it('treats an empty referer as missing', () => {
    expect(() => propsFor({ referer: '  ' })).toThrow(/^Missing context 'referer'.*-c referer=/);
  });

  it('rejects a non-numeric scheduleMinutes naming the key', () => {
    expect(() => propsFor({ ...REFERER, scheduleMinutes: 'often' })).toThrow(
      `Invalid context 'scheduleMinutes': expected a whole number, got "often" (e.g. -c scheduleMinutes=15).`,
    );
  });

  it('rejects a fractional expirationMinutes naming the key', () => {
    expect(() => propsFor({ ...REFERER, expirationMinutes: '1.5' })).toThrow(/^Invalid context 'expirationMinutes': expected a whole number, got "1.5"/);
  });

  it('rejects an unknown client mode listing the allowed ones', () => {
    expect(() => propsFor({ client: 'cookie' })).toThrow(`Invalid context 'client': "cookie"; use one of ${CLIENT_MODES.join(', ')}.`);
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
    expect(() => propsFor({ config: 'examples/targets.json', referer: 'https://apps.example.com', scheduleMinutes: '5' })).toThrow(
      "Context 'referer', 'scheduleMinutes' cannot be combined with -c config=examples/targets.json: set targets[].referer, scheduleIntervalMinutes in the file instead.",
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
});

describe('stackPropsFromContext: deployment settings', () => {
  it('reads every deployment key, parsing numbers, booleans and lists from strings', () => {
    const props = propsFor({
      ...REFERER,
      stackName: 'TokensProd',
      logRetentionDays: '90',
      throttleRateLimit: '20.5',
      throttleBurstLimit: '40',
      allowedAccounts: '111111111111, 222222222222',
      vpcEndpointIds: 'vpce-0123456789abcdef0',
      kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      vpcId: 'vpc-0123456789abcdef0',
      subnetIds: 'subnet-0123456789abcdef0,subnet-0fedcba9876543210',
      securityGroupIds: 'sg-0123456789abcdef0',
      caBundlePath: 'certs/ca.pem',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops',
      tracing: 'true',
      sourceMaps: 'true',
      memorySize: '512',
      apiGatewayCloudWatchRole: 'false',
      webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/api/0123',
    });
    const { config: _config, configSource: _source, ...settings } = props;
    expect(settings).toEqual({
      stackName: 'TokensProd',
      logRetention: RetentionDays.THREE_MONTHS,
      throttle: { rateLimit: 20.5, burstLimit: 40 },
      allowedAccounts: ['111111111111', '222222222222'],
      vpcEndpointIds: ['vpce-0123456789abcdef0'],
      kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'], securityGroupIds: ['sg-0123456789abcdef0'] },
      caBundlePath: 'certs/ca.pem',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops',
      tracing: true,
      sourceMaps: true,
      memorySize: 512,
      apiGatewayCloudWatchRole: false,
      webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/api/0123',
    });
  });

  it('accepts lists and booleans as JSON values from cdk.json', () => {
    const props = propsFor({ ...REFERER, allowedAccounts: ['111111111111'], tracing: true });
    expect([props.allowedAccounts, props.tracing]).toEqual([['111111111111'], true]);
  });

  it('fills the other throttle value from the default when only one is given', () => {
    expect(propsFor({ ...REFERER, throttleBurstLimit: '500' }).throttle).toEqual({ rateLimit: 50, burstLimit: 500 });
  });

  it('reads API-key auth with its usage-plan settings', () => {
    expect(propsFor({ ...REFERER, auth: 'apiKey', apiKeyRateLimit: '5', apiKeyQuotaPerDay: '10000' }).auth).toEqual({
      mode: 'apiKey',
      throttle: { rateLimit: 5, burstLimit: 20 },
      quotaPerDay: 10_000,
    });
  });

  it('reads -c auth=iam as IAM auth', () => {
    expect(propsFor({ ...REFERER, auth: 'iam' }).auth).toEqual({ mode: 'iam' });
  });

  it('rejects an unknown auth mode listing the allowed ones', () => {
    expect(() => propsFor({ ...REFERER, auth: 'cognito' })).toThrow(`Invalid context 'auth': "cognito"; use one of iam, apiKey.`);
  });

  it('rejects API-key settings without API-key auth', () => {
    expect(() => propsFor({ ...REFERER, apiKeyQuotaPerDay: '100' })).toThrow("Context 'apiKeyQuotaPerDay' only applies with -c auth=apiKey.");
  });

  it('rejects subnets without a VPC id', () => {
    expect(() => propsFor({ ...REFERER, subnetIds: 'subnet-0123456789abcdef0' })).toThrow(
      "Context 'subnetIds' and 'securityGroupIds' need 'vpcId': give -c vpcId=vpc-… with them.",
    );
  });

  it('rejects a VPC id without subnets', () => {
    expect(() => propsFor({ ...REFERER, vpcId: 'vpc-0123456789abcdef0' })).toThrow(
      "Missing context 'subnetIds': a function in vpc-0123456789abcdef0 needs its subnets, e.g. -c subnetIds=subnet-aaa,subnet-bbb (private subnets with a route to AWS APIs).",
    );
  });

  it('rejects a boolean that is not true or false', () => {
    expect(() => propsFor({ ...REFERER, tracing: 'yes' })).toThrow(`Invalid context 'tracing': expected true or false, got "yes".`);
  });

  it('rejects a list given as a number', () => {
    expect(() => propsFor({ ...REFERER, allowedAccounts: 111111111111 })).toThrow(
      "Invalid context 'allowedAccounts': expected a comma-separated list, got 111111111111.",
    );
  });

  it('rejects a log retention CloudWatch does not offer, listing the allowed values', () => {
    expect(() => propsFor({ ...REFERER, logRetentionDays: '8' })).toThrow(
      "Invalid context 'logRetentionDays': 8 is not a CloudWatch Logs retention; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, 9999.",
    );
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONFIG_ENV, MAX_CONFIG_ENV_BYTES } from '../../lambda/domain/config/environment.js';
import {
  createdSecretName,
  placeholderSecretArn,
  readDeploymentConfigFile,
  serviceConfigInput,
  validateDeploymentConfig,
} from '../../infra/deployment-config.js';
import { REPO_ROOT_PATH } from './synth.js';

const ONLINE = { name: 'online', url: 'https://www.arcgis.com', referer: 'https://apps.example.com' };
const SECRET_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('validateDeploymentConfig', () => {
  it('creates arcgis-token-vending/<name> for a target without secretName and imports a named one', () => {
    const deployment = validateDeploymentConfig(
      { targets: [ONLINE, { name: 'enterprise', url: 'https://gis.example.com/portal', client: 'ip', ip: '203.0.113.10', secretName: 'prod/arcgis' }] },
      'test',
    );
    expect(deployment.targets.map((t) => t.secret)).toEqual([
      { kind: 'created', name: 'arcgis-token-vending/online' },
      { kind: 'imported', name: 'prod/arcgis' },
    ]);
  });

  it('keeps the given fields without secretName and fills secretId from the given ids', () => {
    const deployment = validateDeploymentConfig(
      { targets: [{ ...ONLINE, secretName: 'prod/arcgis' }], scheduleIntervalMinutes: 5, refreshMarginSeconds: 120 },
      'test',
    );
    expect(serviceConfigInput(deployment, ['prod/arcgis'])).toEqual({
      targets: [{ ...ONLINE, secretId: 'prod/arcgis' }],
      scheduleIntervalMinutes: 5,
      refreshMarginSeconds: 120,
    });
  });

  it('threads portalUrl and allowedOrigins from the file to the function\'s configuration', () => {
    const fed = { name: 'fed', url: 'https://gis.example.com/server', kind: 'federated' as const, portalUrl: 'https://portal.example.com/portal', allowedOrigins: ['https://gis-internal.example.com:6443'], referer: 'https://apps.example.com' };
    const deployment = validateDeploymentConfig({ targets: [fed] }, 'test');
    expect(deployment.config.targets[0]).toMatchObject({ portalUrl: 'https://portal.example.com/portal', allowedOrigins: ['https://gis-internal.example.com:6443'] });
    expect(serviceConfigInput(deployment, ['arn:fed'])).toEqual({ targets: [{ ...fed, secretId: 'arn:fed' }] });
  });

  it('refuses an allowedOrigins entry with a path at synth time, naming the field', () => {
    expect(() => validateDeploymentConfig({ targets: [{ ...ONLINE, allowedOrigins: ['https://portal.example.com/portal'] }] }, 'test')).toThrow(
      'Invalid configuration in test:\n  - targets[0].allowedOrigins[0]: "https://portal.example.com/portal" is not an origin: give scheme, host and port only (https://portal.example.com), without a path, query or fragment',
    );
  });

  it('returns the configuration with the schema defaults applied', () => {
    const { config } = validateDeploymentConfig({ targets: [ONLINE] }, 'test');
    expect(config).toEqual({
      targets: [{ ...ONLINE, client: 'referer', expirationMinutes: 60, secretId: placeholderSecretArn(createdSecretName('online')) }],
      defaultTarget: 'online',
      allowInsecureHttp: false,
      parameterPrefix: '/arcgis-token-vending',
      scheduleIntervalMinutes: 15,
      requestTimeoutMs: 10_000,
      deadlineMs: 25_000,
      minValidityRefreshIntervalSeconds: 300,
    });
  });

  it('reports every schema problem by field path under the source name', () => {
    expect(() =>
      validateDeploymentConfig({ targets: [ONLINE, { name: 'online', url: 'http://gis.example.com', referer: 'https://apps.example.com' }] }, 'targets.json'),
    ).toThrow(
      'Invalid configuration in targets.json:\n' +
        '  - targets[1].name: target name "online" is used twice; names must be unique (case-insensitive)\n' +
        '  - targets[1].url: http:// would send the password in clear: use https://, or set allowInsecureHttp (ARCGIS_ALLOW_INSECURE_HTTP=1) for a local simulator only',
    );
  });

  it('refuses allowInsecureHttp for a deployment, naming the override, whether it comes from a file or from context', () => {
    const insecure = { targets: [{ ...ONLINE, url: 'http://gis.example.com/portal' }], allowInsecureHttp: true };
    const message =
      'Invalid configuration in targets.json:\n  - allowInsecureHttp: plain http:// sends the ArcGIS password and the tokens in clear between the function and ArcGIS; it exists for the local simulator (npm start). Use the https:// URL of the site, or, for a site without TLS that the function reaches only over a private network, also give acceptInsecureHttp (-c acceptInsecureHttp=true, or the construct prop) to deploy it anyway';
    expect(() => validateDeploymentConfig(insecure, 'targets.json')).toThrow(message);
    expect(() => validateDeploymentConfig(insecure, 'targets.json', { acceptInsecureHttp: false })).toThrow(message);
  });

  it('deploys allowInsecureHttp with acceptInsecureHttp, and refuses the override without it', () => {
    const insecure = { targets: [{ ...ONLINE, url: 'http://gis.example.com/portal' }], allowInsecureHttp: true };
    expect(validateDeploymentConfig(insecure, 'x', { acceptInsecureHttp: true }).config.allowInsecureHttp).toBe(true);
    expect(() => validateDeploymentConfig({ targets: [ONLINE] }, 'x', { acceptInsecureHttp: true })).toThrow(
      'Invalid configuration in x:\n  - acceptInsecureHttp: only applies with allowInsecureHttp true in the configuration; leave it out',
    );
  });

  it('refuses an unknown field in a target, naming it', () => {
    expect(() => validateDeploymentConfig({ targets: [{ ...ONLINE, expiration: 60 }] }, 'targets.json')).toThrow(
      /^Invalid configuration in targets\.json:\n {2}- targets\[0\]: Unrecognized key: "expiration"$/,
    );
  });

  it('refuses a secretId in the file and says what to give instead', () => {
    expect(() => validateDeploymentConfig({ targets: [{ ...ONLINE, secretId: 'prod/arcgis' }] }, 'targets.json')).toThrow(
      'Invalid configuration in targets.json:\n  - targets[0].secretId: leave secretId out; the deployment fills it in. Give secretName to use an existing secret, or neither to create arcgis-token-vending/online',
    );
  });

  it('keeps the key of an existing secret for the construct and out of the function\'s config', () => {
    const deployment = validateDeploymentConfig({ targets: [{ ...ONLINE, secretName: 'prod/arcgis', secretKmsKeyArn: SECRET_KEY_ARN }] }, 'test');
    expect(deployment.targets.map((t) => t.secret)).toEqual([{ kind: 'imported', name: 'prod/arcgis', kmsKeyArn: SECRET_KEY_ARN }]);
    expect(serviceConfigInput(deployment, ['prod/arcgis'])).toEqual({ targets: [{ ...ONLINE, secretId: 'prod/arcgis' }] });
  });

  it('refuses secretKmsKeyArn on a secret the deployment creates', () => {
    expect(() => validateDeploymentConfig({ targets: [{ ...ONLINE, secretKmsKeyArn: SECRET_KEY_ARN }] }, 'targets.json')).toThrow(
      'Invalid configuration in targets.json:\n  - targets[0].secretKmsKeyArn: only for an existing secret named with secretName; the secret the deployment creates uses the AWS managed key aws/secretsmanager',
    );
  });

  it('refuses a key alias as secretKmsKeyArn', () => {
    expect(() =>
      validateDeploymentConfig({ targets: [{ ...ONLINE, secretName: 'prod/arcgis', secretKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:alias/arcgis' }] }, 'targets.json'),
    ).toThrow(
      'Invalid configuration in targets.json:\n  - targets[0].secretKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias/arcgis" is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID); give the ARN of the key that encrypts the secret, not an alias: IAM grants on an alias do not cover the key',
    );
  });

  it('refuses two different keys for one secret', () => {
    const other = SECRET_KEY_ARN.replace('1234abcd', '9999ffff');
    expect(() =>
      validateDeploymentConfig(
        {
          targets: [
            { ...ONLINE, secretName: 'prod/arcgis', secretKmsKeyArn: SECRET_KEY_ARN },
            { ...ONLINE, name: 'second', secretName: 'prod/arcgis', secretKmsKeyArn: other },
          ],
        },
        'targets.json',
      ),
    ).toThrow(
      'Invalid configuration in targets.json:\n  - targets[1].secretKmsKeyArn: secret "prod/arcgis" is given two different keys; a secret has one key, give the same secretKmsKeyArn (or leave it out) on every target that names it',
    );
  });

  it('refuses a secret ARN as secretName', () => {
    expect(() =>
      validateDeploymentConfig({ targets: [{ ...ONLINE, secretName: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/arcgis-AbCdEf' }] }, 'targets.json'),
    ).toThrow(
      'Invalid configuration in targets.json:\n  - targets[0].secretName: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/arcgis-AbCdEf" is not a Secrets Manager secret name; give the name (letters, digits and /_+=.@-), not an ARN',
    );
  });

  it('refuses a configuration without targets', () => {
    expect(() => validateDeploymentConfig({ targets: [] }, 'targets.json')).toThrow('Invalid configuration in targets.json:\n  - targets: configure at least one target');
  });

  it('refuses a schedule that cannot refresh before the token enters its margin, with the numbers', () => {
    expect(() =>
      validateDeploymentConfig({ targets: [ONLINE, { ...ONLINE, name: 'short', expirationMinutes: 10 }], scheduleIntervalMinutes: 15 }, 'targets.json'),
    ).toThrow(
      'Invalid configuration in targets.json: scheduleIntervalMinutes 15 is too slow; the schedule must run again before a fresh token enters its refresh margin, or callers wait for ArcGIS logins between runs:\n' +
        '  - targets[1] "short": 10-minute tokens (600 s) are refreshed 60 s before they expire, so the interval must be under 540 s (lifetime 600 s - margin 60 s), not 900 s: use scheduleIntervalMinutes 8 or less, or raise expirationMinutes',
    );
  });

  it('uses the 10% margin of a long lifetime in the schedule check', () => {
    // 120-minute tokens: margin 720 s, so 108 minutes is the limit and 108 itself is too slow.
    expect(() => validateDeploymentConfig({ targets: [{ ...ONLINE, expirationMinutes: 120 }], scheduleIntervalMinutes: 108 }, 'x')).toThrow(
      'refreshed 720 s before they expire, so the interval must be under 6480 s (lifetime 7200 s - margin 720 s), not 6480 s: use scheduleIntervalMinutes 107 or less',
    );
    expect(() => validateDeploymentConfig({ targets: [{ ...ONLINE, expirationMinutes: 120 }], scheduleIntervalMinutes: 107 }, 'x')).not.toThrow();
  });

  it('uses refreshMarginSeconds, capped at half the lifetime, in the schedule check', () => {
    expect(() =>
      validateDeploymentConfig({ targets: [{ ...ONLINE, expirationMinutes: 30 }], refreshMarginSeconds: 3600, scheduleIntervalMinutes: 15 }, 'x'),
    ).toThrow('30-minute tokens (1800 s) are refreshed 900 s before they expire, so the interval must be under 900 s (lifetime 1800 s - margin 900 s), not 900 s: use scheduleIntervalMinutes 14 or less');
  });

  it('says to raise the lifetime when no whole-minute interval fits', () => {
    expect(() => validateDeploymentConfig({ targets: [{ ...ONLINE, expirationMinutes: 1 }], scheduleIntervalMinutes: 1 }, 'x')).toThrow(
      '1-minute tokens (60 s) are refreshed 30 s before they expire, so the interval must be under 30 s (lifetime 60 s - margin 30 s), not 60 s: raise expirationMinutes',
    );
  });

  it('refuses a configuration too large for the environment variable, with both sizes', () => {
    const referer = `https://apps.example.com/${'a'.repeat(MAX_CONFIG_ENV_BYTES)}`;
    expect(() => validateDeploymentConfig({ targets: [{ ...ONLINE, referer }] }, 'x')).toThrow(
      new RegExp(`^Invalid configuration in x: the configuration is 3\\d{3} bytes as JSON, more than the ${MAX_CONFIG_ENV_BYTES} bytes ${CONFIG_ENV} may use`),
    );
  });

  it('measures created secrets at the length of a real ARN', () => {
    expect(placeholderSecretArn('arcgis-token-vending/online')).toBe(
      'arn:aws-us-gov:secretsmanager:us-gov-west-1:000000000000:secret:arcgis-token-vending/online-XXXXXX',
    );
  });
});

describe('readDeploymentConfigFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'token-vending-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads examples/targets.json: two targets, one created and one imported secret', () => {
    const config = readDeploymentConfigFile('examples/targets.json', REPO_ROOT_PATH);
    expect(config.targets.map((t) => [t.name, t.secretName])).toEqual([
      ['online', undefined],
      ['enterprise', 'prod/arcgis-enterprise'],
    ]);
    expect(config.defaultTarget).toBe('online');
  });

  it('names the path it looked for when the file is missing', () => {
    expect(() => readDeploymentConfigFile('nope/targets.json', dir)).toThrow(
      `Cannot read config file "nope/targets.json": no such file (looked for ${join(dir, 'nope/targets.json')}). Give -c config=<path to a JSON file>, relative to the directory you run cdk in, e.g. -c config=examples/targets.json.`,
    );
  });

  it('refuses a directory as the config file', () => {
    expect(() => readDeploymentConfigFile('.', dir)).toThrow(/^Cannot read config file "\.": no such file/);
  });

  it('reports invalid JSON with the parser message', () => {
    writeFileSync(join(dir, 'bad.json'), '{ "targets": [ }');
    expect(() => readDeploymentConfigFile('bad.json', dir)).toThrow(/^Config file "bad\.json" is not valid JSON: Unexpected token/);
  });

  it('reports schema problems against the file name', () => {
    writeFileSync(join(dir, 'targets.json'), JSON.stringify({ targets: [{ name: 'a', url: 'https://gis.example.com', client: 'ip' }] }));
    expect(() => readDeploymentConfigFile('targets.json', dir)).toThrow(
      'Invalid configuration in targets.json:\n  - targets[0].ip: client "ip" needs ip: the IPv4 or IPv6 address of the machine that will use the token (ArcGIS answers "Client id cannot be determined" without it)',
    );
  });
});

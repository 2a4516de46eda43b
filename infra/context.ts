// Turns `cdk synth -c key=value` settings into stack props. Values given with -c arrive as
// strings, values from cdk.json may be numbers, booleans or arrays: both are accepted, anything
// else is refused with the key's name, so a typo fails synth instead of deploying a silent default.
//
// Targets come either from a config file (`-c config=examples/targets.json`) or, for one target,
// from the single-target keys (`-c arcgisUrl=… -c referer=…`), which become a one-target config.
import type { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ConfigurationError } from '../lambda/errors.js';
import { CLIENT_MODES, type ClientMode } from '../lambda/config/schema.js';
import { readDeploymentConfigFile, type DeploymentConfig } from './deployment-config.js';
import { AUTH_MODES, DEFAULT_API_KEY_THROTTLE, DEFAULT_THROTTLE, type AuthMode, type TokenVendingAuth } from './token-vending-machine.js';
import type { TokenVendingStackProps } from './token-vending-stack.js';

export const DEFAULT_ARCGIS_URL = 'https://www.arcgis.com';
export const DEFAULT_TARGET_NAME = 'default';
export const DEFAULT_STACK_NAME = 'ArcGisTokenVending';

/** Keys that describe the one target of a config given without a file. */
export const SINGLE_TARGET_KEYS = [
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
] as const;

/** The context keys this app reads. */
export const CONTEXT_KEYS = [
  'config',
  ...SINGLE_TARGET_KEYS,
  'stackName',
  'logRetentionDays',
  'auth',
  'apiKeyRateLimit',
  'apiKeyBurstLimit',
  'apiKeyQuotaPerDay',
  'throttleRateLimit',
  'throttleBurstLimit',
  'allowedAccounts',
  'vpcEndpointIds',
  'kmsKeyArn',
  'vpcId',
  'subnetIds',
  'securityGroupIds',
  'caBundlePath',
  'alarmEmail',
  'alarmTopicArn',
  'tracing',
  'sourceMaps',
  'memorySize',
  'apiGatewayCloudWatchRole',
  'webAclArn',
] as const;
export type ContextKey = (typeof CONTEXT_KEYS)[number];

/** Where each single-target key goes in a config file, for the message refusing the mix. */
const FILE_FIELD: Record<(typeof SINGLE_TARGET_KEYS)[number], string> = {
  arcgisUrl: 'targets[].url',
  targetName: 'targets[].name',
  client: 'targets[].client',
  referer: 'targets[].referer',
  ip: 'targets[].ip',
  expirationMinutes: 'targets[].expirationMinutes',
  secretName: 'targets[].secretName',
  secretKmsKeyArn: 'targets[].secretKmsKeyArn',
  scheduleMinutes: 'scheduleIntervalMinutes',
  parameterPrefix: 'parameterPrefix',
};

const RETENTION_DAYS: readonly number[] = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');

export interface ContextSource {
  tryGetContext(key: string): unknown;
}

/** Stack props read from context, plus the stack name (also used as the construct id). */
export type ContextStackProps = TokenVendingStackProps & { readonly stackName: string };

export function stackPropsFromContext(app: App | { node: ContextSource }, baseDir: string = process.cwd()): ContextStackProps {
  const node = app.node;
  const configPath = readString(node, 'config');
  let config: DeploymentConfig;
  let configSource: string;
  if (configPath !== undefined) {
    const mixed = SINGLE_TARGET_KEYS.filter((key) => node.tryGetContext(key) !== undefined);
    if (mixed.length > 0) {
      throw new ConfigurationError(
        `Context ${mixed.map((k) => `'${k}'`).join(', ')} cannot be combined with -c config=${configPath}: set ${mixed.map((k) => FILE_FIELD[k]).join(', ')} in the file instead.`,
      );
    }
    config = readDeploymentConfigFile(configPath, baseDir);
    configSource = configPath;
  } else {
    config = singleTargetConfig(node);
    configSource = 'CDK context';
  }

  // Read in this order, so the first invalid key named is the same whatever else is wrong.
  return {
    stackName: readString(node, 'stackName') ?? DEFAULT_STACK_NAME,
    config,
    configSource,
    ...given({
      logRetention: readRetention(node),
      throttle: readThrottle(node, 'throttleRateLimit', 'throttleBurstLimit', DEFAULT_THROTTLE),
      auth: readAuth(node),
      allowedAccounts: readList(node, 'allowedAccounts'),
      vpcEndpointIds: readList(node, 'vpcEndpointIds'),
      kmsKeyArn: readString(node, 'kmsKeyArn'),
      vpc: readVpc(node),
      caBundlePath: readString(node, 'caBundlePath'),
      alarmEmail: readString(node, 'alarmEmail'),
      alarmTopicArn: readString(node, 'alarmTopicArn'),
      tracing: readBoolean(node, 'tracing'),
      sourceMaps: readBoolean(node, 'sourceMaps'),
      memorySize: readInteger(node, 'memorySize'),
      apiGatewayCloudWatchRole: readBoolean(node, 'apiGatewayCloudWatchRole'),
      webAclArn: readString(node, 'webAclArn'),
    }),
  };
}

/** The entries whose value was given: a key without a value is left out, not set to undefined. */
function given<T extends Record<string, unknown>>(values: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

function singleTargetConfig(node: ContextSource): DeploymentConfig {
  const client = readClient(node);
  const referer = readString(node, 'referer');
  if (client === 'referer' && referer === undefined) {
    throw new ConfigurationError(
      "Missing context 'referer': ArcGIS binds a referer token to the app that sends it. Give -c referer=https://your-app.example.com (the URL apps send as Referer) or choose -c client=ip -c ip=<address of the machine that uses the token>, or give several targets in a file with -c config=examples/targets.json.",
    );
  }
  return {
    targets: [
      {
        name: readString(node, 'targetName') ?? DEFAULT_TARGET_NAME,
        url: readString(node, 'arcgisUrl') ?? DEFAULT_ARCGIS_URL,
        client,
        ...given({
          referer,
          ip: readString(node, 'ip'),
          expirationMinutes: readInteger(node, 'expirationMinutes'),
          secretName: readString(node, 'secretName'),
          secretKmsKeyArn: readString(node, 'secretKmsKeyArn'),
        }),
      },
    ],
    ...given({ scheduleIntervalMinutes: readInteger(node, 'scheduleMinutes'), parameterPrefix: readString(node, 'parameterPrefix') }),
  };
}

function readAuth(node: ContextSource): TokenVendingAuth | undefined {
  const value = readString(node, 'auth');
  const keyThrottle = readThrottle(node, 'apiKeyRateLimit', 'apiKeyBurstLimit', DEFAULT_API_KEY_THROTTLE);
  const quotaPerDay = readInteger(node, 'apiKeyQuotaPerDay');
  let mode: AuthMode | undefined;
  if (value !== undefined) {
    mode = AUTH_MODES.find((m) => m === value);
    if (mode === undefined) throw new ConfigurationError(`Invalid context 'auth': "${value}"; use one of ${AUTH_MODES.join(', ')}.`);
  }
  if (mode !== 'apiKey') {
    const stray = (['apiKeyRateLimit', 'apiKeyBurstLimit', 'apiKeyQuotaPerDay'] as const).filter((k) => node.tryGetContext(k) !== undefined);
    if (stray.length > 0) {
      throw new ConfigurationError(`Context ${stray.map((k) => `'${k}'`).join(', ')} only applies with -c auth=apiKey.`);
    }
    return mode === undefined ? undefined : { mode };
  }
  return {
    mode,
    ...(keyThrottle === undefined ? {} : { throttle: keyThrottle }),
    ...(quotaPerDay === undefined ? {} : { quotaPerDay }),
  };
}

function readThrottle(node: ContextSource, rateKey: ContextKey, burstKey: ContextKey, defaults: { rateLimit: number; burstLimit: number }) {
  const rateLimit = readNumber(node, rateKey);
  const burstLimit = readInteger(node, burstKey);
  if (rateLimit === undefined && burstLimit === undefined) return undefined;
  return { rateLimit: rateLimit ?? defaults.rateLimit, burstLimit: burstLimit ?? defaults.burstLimit };
}

function readVpc(node: ContextSource): TokenVendingStackProps['vpc'] {
  const vpcId = readString(node, 'vpcId');
  const subnetIds = readList(node, 'subnetIds');
  const securityGroupIds = readList(node, 'securityGroupIds');
  if (vpcId === undefined) {
    if (subnetIds !== undefined || securityGroupIds !== undefined) {
      throw new ConfigurationError("Context 'subnetIds' and 'securityGroupIds' need 'vpcId': give -c vpcId=vpc-… with them.");
    }
    return undefined;
  }
  if (subnetIds === undefined) {
    throw new ConfigurationError(`Missing context 'subnetIds': a function in ${vpcId} needs its subnets, e.g. -c subnetIds=subnet-aaa,subnet-bbb (private subnets with a route to AWS APIs).`);
  }
  return { vpcId, subnetIds, ...(securityGroupIds === undefined ? {} : { securityGroupIds }) };
}

function readString(node: ContextSource, key: ContextKey): string | undefined {
  const value = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new ConfigurationError(`Invalid context '${key}': expected a string, got ${JSON.stringify(value)}.`);
  }
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** A comma-separated string (`-c subnetIds=subnet-a,subnet-b`) or a JSON array of strings (cdk.json). */
function readList(node: ContextSource, key: ContextKey): string[] | undefined {
  const value = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  let items: unknown[];
  if (typeof value === 'string') items = value.split(',');
  else if (Array.isArray(value)) items = value;
  else throw new ConfigurationError(`Invalid context '${key}': expected a comma-separated list, got ${JSON.stringify(value)}.`);
  if (!items.every((item): item is string => typeof item === 'string')) {
    throw new ConfigurationError(`Invalid context '${key}': expected a list of strings, got ${JSON.stringify(value)}.`);
  }
  const list = items.map((item) => item.trim()).filter((item) => item !== '');
  return list.length === 0 ? undefined : list;
}

function readInteger(node: ContextSource, key: ContextKey): number | undefined {
  const value = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) {
    const parsed = Number(value);
    if (Number.isSafeInteger(parsed)) return parsed;
  }
  throw new ConfigurationError(`Invalid context '${key}': expected a whole number, got ${JSON.stringify(value)} (e.g. -c ${key}=15).`);
}

function readNumber(node: ContextSource, key: ContextKey): number | undefined {
  const value = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  throw new ConfigurationError(`Invalid context '${key}': expected a number, got ${JSON.stringify(value)} (e.g. -c ${key}=10).`);
}

function readBoolean(node: ContextSource, key: ContextKey): boolean | undefined {
  const value = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ConfigurationError(`Invalid context '${key}': expected true or false, got ${JSON.stringify(value)}.`);
}

function readClient(node: ContextSource): ClientMode {
  const value = readString(node, 'client');
  if (value === undefined) return 'referer';
  const mode = CLIENT_MODES.find((m) => m === value);
  if (mode === undefined) {
    throw new ConfigurationError(`Invalid context 'client': "${value}"; use one of ${CLIENT_MODES.join(', ')}.`);
  }
  return mode;
}

function readRetention(node: ContextSource): RetentionDays | undefined {
  const days = readInteger(node, 'logRetentionDays');
  if (days === undefined) return undefined;
  if (!RETENTION_DAYS.includes(days)) {
    throw new ConfigurationError(
      `Invalid context 'logRetentionDays': ${days} is not a CloudWatch Logs retention; use one of ${RETENTION_DAYS.join(', ')}.`,
    );
  }
  return days as RetentionDays;
}

// Turns `cdk synth -c key=value` settings into stack props. Values given with -c arrive as
// strings, values from cdk.json may be numbers, booleans or arrays: both are accepted. One zod
// schema reads every key and reports every problem at once: an unknown or mis-cased key (with the
// key it was probably meant to be), a value of the wrong type, a setting that needs another. A
// typo therefore stops synth instead of deploying a silent default; there is no default ArcGIS
// URL, so a password is never sent to a site nobody named.
//
// Targets come either from a config file (`-c config=examples/targets.json`) or, for one target,
// from the single-target keys (`-c arcgisUrl=… -c referer=…`), which become a one-target config.
// Both then pass through the same deployment schema (infra/deployment-config.ts), so a setting
// means the same, and is refused for the same reasons, whichever way it is given.
import type { App } from 'aws-cdk-lib';
import * as z from 'zod/mini';
import '../lambda/domain/config/zod-locale.js';
import { ConfigurationError } from '../lambda/domain/errors.js';
import { CLIENT_MODES } from '../lambda/domain/config/settings.js';
import { readDeploymentConfigFile, type DeploymentConfig } from './deployment-config.js';
import { AUTH_MODES, DEFAULT_API_KEY_THROTTLE, DEFAULT_THROTTLE, ENDPOINTS, type TokenVendingAuth, type TokenVendingThrottle } from './machine-settings.js';
import type { TokenVendingStackProps } from './token-vending-stack.js';
import { closestKey as closestOf } from './closest-key.js';
import { boolean, decimal, integer, list, oneOf, retention, setting, text, type Reader } from './context-readers.js';

export const DEFAULT_TARGET_NAME = 'default';
export const DEFAULT_STACK_NAME = 'ArcGisTokenVending';

/** Where each single-target key goes in a config file, for the message refusing the mix. */
const FILE_FIELD = {
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
  allowInsecureHttp: 'allowInsecureHttp',
} as const;

/** Keys that describe the one target of a config given without a file. */
export const SINGLE_TARGET_KEYS = Object.keys(FILE_FIELD) as ReadonlyArray<keyof typeof FILE_FIELD>;

// --- The keys. Each is documented in docs/deployment.md.

const READERS = {
  config: text,
  arcgisUrl: text,
  targetName: text,
  client: oneOf(CLIENT_MODES),
  referer: text,
  ip: text,
  expirationMinutes: integer(60),
  secretName: text,
  secretKmsKeyArn: text,
  scheduleMinutes: integer(15),
  parameterPrefix: text,
  allowInsecureHttp: boolean,
  acceptInsecureHttp: boolean,
  stackName: text,
  endpoint: oneOf(ENDPOINTS),
  logRetentionDays: retention,
  auth: oneOf(AUTH_MODES),
  apiKeyRateLimit: decimal(10),
  apiKeyBurstLimit: integer(20),
  apiKeyQuotaPerDay: integer(10000),
  throttleRateLimit: decimal(100),
  throttleBurstLimit: integer(200),
  expectedRequestsPerSecond: decimal(50),
  reservedConcurrency: integer(3),
  allowedAccounts: list,
  vpcEndpointIds: list,
  kmsKeyArn: text,
  vpcId: text,
  subnetIds: list,
  securityGroupIds: list,
  caBundlePath: text,
  alarmEmail: text,
  alarmTopicArn: text,
  dashboard: boolean,
  tracing: boolean,
  sourceMaps: boolean,
  memorySize: integer(512),
  apiGatewayCloudWatchRole: boolean,
  webAclArn: text,
} satisfies Record<string, Reader<unknown>>;

export type ContextKey = keyof typeof READERS;
/** The context keys this app reads. */
export const CONTEXT_KEYS = Object.keys(READERS) as readonly ContextKey[];

type ContextValues = { [K in ContextKey]?: Exclude<(typeof READERS)[K] extends Reader<infer T> ? T : never, undefined> };

const API_KEY_KEYS = ['apiKeyRateLimit', 'apiKeyBurstLimit', 'apiKeyQuotaPerDay'] as const;

const ContextSchema = z
  .strictObject(
    Object.fromEntries(
      CONTEXT_KEYS.map((key) => [key, z.optional(setting(key, READERS[key] as Reader<unknown>))]),
    ) as Record<ContextKey, z.ZodMiniOptional<ReturnType<typeof setting<unknown>>>>,
  )
  .check(
    // Settings that need one another are checked on what was given, even when some values are
    // bad (zod's `when` runs the check despite earlier issues; a bad value reads as given but is
    // no string), so one synth reports every problem.
    z.superRefine(
      (values: Record<string, unknown>, ctx) => {
        const given = (key: ContextKey) => values[key] !== undefined;
        const problem = (key: ContextKey, message: string) => ctx.addIssue({ code: 'custom', path: [key], message, input: values[key] });
        const configPath = values.config;
        if (typeof configPath === 'string') {
          for (const key of SINGLE_TARGET_KEYS) {
            if (given(key)) problem(key, `cannot be combined with -c config=${configPath}: set ${FILE_FIELD[key]} in the file instead`);
          }
        } else if (!given('config')) {
          if (!given('arcgisUrl')) {
            problem(
              'arcgisUrl',
              'missing: name the ArcGIS site the password is sent to, e.g. -c arcgisUrl=https://www.arcgis.com (ArcGIS Online) or -c arcgisUrl=https://gis.example.com/portal (ArcGIS Enterprise). There is no default, so an Enterprise password is never posted to ArcGIS Online by mistake',
            );
          }
          if ((values.client === undefined || values.client === 'referer') && !given('referer')) {
            problem(
              'referer',
              'missing: ArcGIS binds a referer token to the app that sends it. Give -c referer=https://your-app.example.com (the URL apps send as Referer) or choose -c client=ip -c ip=<address of the machine that uses the token>, or give several targets in a file with -c config=examples/targets.json',
            );
          }
        }
        if (values.auth !== 'apiKey') {
          for (const key of API_KEY_KEYS) if (given(key)) problem(key, 'only applies with -c auth=apiKey');
        }
        if (!given('vpcId')) {
          for (const key of ['subnetIds', 'securityGroupIds'] as const) if (given(key)) problem(key, 'needs vpcId: give -c vpcId=vpc-… with it');
        } else if (!given('subnetIds')) {
          problem('subnetIds', `missing: a function in ${typeof values.vpcId === 'string' ? values.vpcId : 'a VPC'} needs its subnets, e.g. -c subnetIds=subnet-aaa,subnet-bbb (private subnets with a route to AWS APIs)`);
        }
      },
      { when: () => true },
    ),
  );

// --- Keys that belong to CDK, not to this app.

/**
 * CDK itself puts keys into the context: feature flags (`@aws-cdk/…` in cdk.json), the CLI's own
 * (`aws:cdk:enable-path-metadata`, `aws:cdk:bundling-stacks`, …), cached lookups in
 * cdk.context.json (`availability-zones:account=…:region=…`) and acknowledged notices. None of
 * this app's keys contains ':' or starts with '@', so those are left to CDK.
 */
export function isCdkContextKey(key: string): boolean {
  return key.startsWith('@aws-cdk') || key.startsWith('cdk-') || key.includes(':') || key === 'acknowledged-issue-numbers';
}

/** The known context key a mistyped one was most likely meant to be. */
export function closestKey(unknown: string): ContextKey | undefined {
  return closestOf(unknown, CONTEXT_KEYS);
}

// --- From context to stack props.

export interface ContextSource {
  tryGetContext(key: string): unknown;
  getAllContext(): Record<string, unknown>;
}

/** Stack props read from context, plus the stack name (also used as the construct id). */
export type ContextStackProps = TokenVendingStackProps & { readonly stackName: string };

/** Reads and checks every context key, throwing one ConfigurationError that lists every problem. */
export function readContext(node: ContextSource): ContextValues {
  const all = node.getAllContext();
  const own = Object.fromEntries(Object.entries(all).filter(([key]) => !isCdkContextKey(key)));
  const result = ContextSchema.safeParse(own);
  if (result.success) return result.data as ContextValues;
  const lines = result.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const meant = closestKey(key);
        return `  - ${key}: not a setting of this app${meant === undefined ? '' : `; did you mean ${meant}?`} (every key is listed in docs/deployment.md; CDK's own @aws-cdk/… and aws:cdk:… keys pass through)`;
      });
    }
    return [`  - ${issue.path.map(String).join('.')}: ${issue.message}`];
  });
  throw new ConfigurationError(`Invalid CDK context (-c key=value):\n${lines.join('\n')}`);
}

export function stackPropsFromContext(app: App | { node: ContextSource }, baseDir: string = process.cwd()): ContextStackProps {
  const values = readContext(app.node);
  const config = values.config === undefined ? singleTargetConfig(values) : readDeploymentConfigFile(values.config, baseDir, { acceptInsecureHttp: values.acceptInsecureHttp });
  return {
    stackName: values.stackName ?? DEFAULT_STACK_NAME,
    config,
    configSource: values.config ?? 'CDK context',
    ...given({
      endpoint: values.endpoint,
      logRetention: values.logRetentionDays,
      throttle: throttleOf(values.throttleRateLimit, values.throttleBurstLimit, DEFAULT_THROTTLE),
      expectedRequestsPerSecond: values.expectedRequestsPerSecond,
      reservedConcurrency: values.reservedConcurrency,
      auth: authOf(values),
      acceptInsecureHttp: values.acceptInsecureHttp,
      allowedAccounts: values.allowedAccounts,
      vpcEndpointIds: values.vpcEndpointIds,
      kmsKeyArn: values.kmsKeyArn,
      vpc: values.vpcId === undefined ? undefined : { vpcId: values.vpcId, subnetIds: values.subnetIds ?? [], ...given({ securityGroupIds: values.securityGroupIds }) },
      caBundlePath: values.caBundlePath,
      alarmEmail: values.alarmEmail,
      alarmTopicArn: values.alarmTopicArn,
      dashboard: values.dashboard,
      tracing: values.tracing,
      sourceMaps: values.sourceMaps,
      memorySize: values.memorySize,
      apiGatewayCloudWatchRole: values.apiGatewayCloudWatchRole,
      webAclArn: values.webAclArn,
    }),
  };
}

/** The entries whose value was given: a key without a value is left out, not set to undefined. */
function given<T extends Record<string, unknown>>(values: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

function singleTargetConfig(values: ContextValues): DeploymentConfig {
  return {
    targets: [
      {
        name: values.targetName ?? DEFAULT_TARGET_NAME,
        // readContext refused a missing arcgisUrl.
        url: values.arcgisUrl!,
        client: values.client ?? 'referer',
        ...given({
          referer: values.referer,
          ip: values.ip,
          expirationMinutes: values.expirationMinutes,
          secretName: values.secretName,
          secretKmsKeyArn: values.secretKmsKeyArn,
        }),
      },
    ],
    ...given({ scheduleIntervalMinutes: values.scheduleMinutes, parameterPrefix: values.parameterPrefix, allowInsecureHttp: values.allowInsecureHttp }),
  };
}

function authOf(values: ContextValues): TokenVendingAuth | undefined {
  if (values.auth !== 'apiKey') return values.auth === undefined ? undefined : { mode: values.auth };
  const throttle = throttleOf(values.apiKeyRateLimit, values.apiKeyBurstLimit, DEFAULT_API_KEY_THROTTLE);
  return { mode: 'apiKey', ...given({ throttle, quotaPerDay: values.apiKeyQuotaPerDay }) };
}

/** One of the two given: the other keeps its default. */
function throttleOf(rateLimit: number | undefined, burstLimit: number | undefined, defaults: TokenVendingThrottle): TokenVendingThrottle | undefined {
  if (rateLimit === undefined && burstLimit === undefined) return undefined;
  return { rateLimit: rateLimit ?? defaults.rateLimit, burstLimit: burstLimit ?? defaults.burstLimit };
}

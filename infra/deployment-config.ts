// The deployment configuration: the service configuration the function validates at cold start
// (lambda/domain/config/schema.ts), except that each target names its credentials secret with
// `secretName` (an existing secret) or leaves it out (the construct creates one). The construct
// fills in `secretId` itself, because a created secret's ARN only exists at deploy time.
//
// Everything here runs at synth time, so a bad configuration stops `cdk synth` with the same
// messages the function would give, plus the checks only the deployment can make (the schedule
// against each token's lifetime, the size of the environment variable).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigurationError } from '../lambda/domain/errors.js';
import { CONFIG_ENV, MAX_CONFIG_ENV_BYTES } from '../lambda/domain/config/environment.js';
import { ServiceConfigSchema, formatIssues, type ServiceConfig, type ServiceConfigInput, type TargetInput } from '../lambda/domain/config/schema.js';
import { withDefaultTarget } from '../lambda/domain/config/parse-config.js';
import { refreshMarginMs } from '../lambda/domain/refresh-policy.js';

export { SERVICE_NAME } from '../lambda/domain/metric-names.js';
import { SERVICE_NAME } from '../lambda/domain/metric-names.js';

/** Secret name used when the construct creates a target's credentials secret itself. */
export function createdSecretName(targetName: string): string {
  return `${SERVICE_NAME}/${targetName}`;
}

/** A target as written in the deployment configuration. */
export type DeploymentTarget = Omit<TargetInput, 'secretId'> & {
  /**
   * Name of an existing Secrets Manager secret holding `{"username":…,"password":…}`.
   * @default - a secret named `arcgis-token-vending/<name>` is created
   */
  readonly secretName?: string;
  /**
   * ARN of the customer-managed KMS key that encrypts the existing secret named by `secretName`.
   * The function may then call kms:Decrypt on that key, only through Secrets Manager and only for
   * that secret. Without it, reading a secret encrypted with such a key fails with AccessDenied.
   * @default - the secret uses the AWS managed key aws/secretsmanager, which needs no grant
   */
  readonly secretKmsKeyArn?: string;
};

/** The service configuration with `secretName` per target instead of `secretId`. */
export type DeploymentConfig = Omit<ServiceConfigInput, 'targets'> & {
  readonly targets: readonly DeploymentTarget[];
};

/** Where a target's credentials come from. */
export type TargetSecret =
  | { readonly kind: 'imported'; readonly name: string; readonly kmsKeyArn?: string }
  | { readonly kind: 'created'; readonly name: string };

export interface ValidatedDeployment {
  /** The configuration with defaults applied (placeholder ARNs stand in for created secrets). */
  readonly config: ServiceConfig;
  /** The configuration as given, without `secretName`, ready to receive each target's `secretId`. */
  readonly targets: ReadonlyArray<{ readonly input: Omit<TargetInput, 'secretId'>; readonly secret: TargetSecret }>;
  /** The top-level settings as given (everything but `targets`). */
  readonly settings: Omit<ServiceConfigInput, 'targets'>;
}

/** A KMS key ARN. An alias will not do: IAM grants on an alias do not cover the key. */
export const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** Secrets Manager names: 1-512 of these characters (an ARN has ':' and is refused with a hint). */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/**
 * Stands in for a created secret's ARN, whose real value is a deploy-time token, while the
 * configuration is validated and measured at synth time. It is as long as a real ARN with the
 * longest partition and Region names, so the size check cannot pass a config that deploys too large.
 */
export function placeholderSecretArn(secretName: string): string {
  return `arn:aws-us-gov:secretsmanager:us-gov-west-1:000000000000:secret:${secretName}-XXXXXX`;
}

/** Builds the JSON the function receives in TOKEN_VENDING_CONFIG from the given secret ids. */
export function serviceConfigInput(deployment: ValidatedDeployment, secretIds: readonly string[]): ServiceConfigInput {
  return {
    ...deployment.settings,
    targets: deployment.targets.map((target, index) => ({ ...target.input, secretId: secretIds[index]! })),
  };
}

export interface DeploymentOptions {
  /**
   * Deploy a configuration with allowInsecureHttp. Without it, synth refuses one: allowInsecureHttp
   * exists for the local simulator, and deployed it sends the password in clear.
   */
  readonly acceptInsecureHttp?: boolean | undefined;
}

/**
 * Validates a deployment configuration (from construct props or a JSON file) and returns it split
 * into what the construct needs. Throws a ConfigurationError naming `source` and every bad field.
 */
export function validateDeploymentConfig(input: unknown, source: string, options: DeploymentOptions = {}): ValidatedDeployment {
  const extraIssues: string[] = [];
  const insecure = isRecord(input) ? input.allowInsecureHttp : undefined;
  if (insecure === true && options.acceptInsecureHttp !== true) {
    extraIssues.push(
      '  - allowInsecureHttp: plain http:// sends the ArcGIS password and the tokens in clear between the function and ArcGIS; it exists for the local simulator (npm start). Use the https:// URL of the site, or, for a site without TLS that the function reaches only over a private network, also give acceptInsecureHttp (-c acceptInsecureHttp=true, or the construct prop) to deploy it anyway',
    );
  }
  if (options.acceptInsecureHttp === true && insecure !== true) {
    extraIssues.push('  - acceptInsecureHttp: only applies with allowInsecureHttp true in the configuration; leave it out');
  }
  const secrets: TargetSecret[] = [];
  const inputs: Array<Omit<TargetInput, 'secretId'>> = [];
  let candidate: unknown = input;

  if (isRecord(input) && Array.isArray(input.targets)) {
    const targets = input.targets.map((target: unknown, index) => {
      if (!isRecord(target)) return target;
      const { secretName, secretId, secretKmsKeyArn, ...rest } = target;
      if (secretId !== undefined) {
        extraIssues.push(
          `  - targets[${index}].secretId: leave secretId out; the deployment fills it in. Give secretName to use an existing secret, or neither to create ${createdSecretName(String(target.name))}`,
        );
      }
      let secret: TargetSecret;
      if (secretName === undefined) {
        secret = { kind: 'created', name: createdSecretName(String(target.name)) };
        if (secretKmsKeyArn !== undefined) {
          extraIssues.push(
            `  - targets[${index}].secretKmsKeyArn: only for an existing secret named with secretName; the secret the deployment creates uses the AWS managed key aws/secretsmanager`,
          );
        }
      } else {
        if (typeof secretName !== 'string' || !SECRET_NAME.test(secretName)) {
          extraIssues.push(
            `  - targets[${index}].secretName: ${JSON.stringify(secretName)} is not a Secrets Manager secret name; give the name (letters, digits and /_+=.@-), not an ARN`,
          );
        }
        if (secretKmsKeyArn !== undefined && (typeof secretKmsKeyArn !== 'string' || !KMS_KEY_ARN.test(secretKmsKeyArn))) {
          extraIssues.push(
            `  - targets[${index}].secretKmsKeyArn: ${JSON.stringify(secretKmsKeyArn)} is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID); give the ARN of the key that encrypts the secret, not an alias: IAM grants on an alias do not cover the key`,
          );
        }
        const kmsKeyArn = typeof secretKmsKeyArn === 'string' ? secretKmsKeyArn : undefined;
        const other = secrets.find((s) => s.kind === 'imported' && s.name === secretName && s.kmsKeyArn !== undefined && kmsKeyArn !== undefined && s.kmsKeyArn !== kmsKeyArn);
        if (other !== undefined) {
          extraIssues.push(
            `  - targets[${index}].secretKmsKeyArn: secret ${JSON.stringify(secretName)} is given two different keys; a secret has one key, give the same secretKmsKeyArn (or leave it out) on every target that names it`,
          );
        }
        secret = { kind: 'imported', name: String(secretName), ...(kmsKeyArn === undefined ? {} : { kmsKeyArn }) };
      }
      secrets.push(secret);
      inputs.push(rest as Omit<TargetInput, 'secretId'>);
      return { ...rest, secretId: secret.kind === 'created' ? placeholderSecretArn(secret.name) : secret.name };
    });
    candidate = { ...input, targets };
  }

  const result = ServiceConfigSchema.safeParse(candidate);
  if (!result.success || extraIssues.length > 0) {
    const lines = [...(result.success ? [] : [formatIssues(result.error.issues)]), ...extraIssues];
    throw new ConfigurationError(`Invalid configuration in ${source}:\n${lines.join('\n')}`);
  }
  const config = withDefaultTarget(result.data);

  checkSchedule(config, source);

  const bytes = Buffer.byteLength(JSON.stringify(candidate), 'utf8');
  if (bytes > MAX_CONFIG_ENV_BYTES) {
    throw new ConfigurationError(
      `Invalid configuration in ${source}: the configuration is ${bytes} bytes as JSON, more than the ${MAX_CONFIG_ENV_BYTES} bytes ${CONFIG_ENV} may use (Lambda allows 4 KB of environment in total): shorten the URLs or the referers, or split the targets over two deployments.`,
    );
  }

  const { targets: _targets, ...settings } = input as DeploymentConfig;
  return {
    config,
    targets: inputs.map((targetInput, index) => ({ input: targetInput, secret: secrets[index]! })),
    settings,
  };
}

/**
 * The schedule must come back before a fresh token enters its refresh margin: otherwise, between
 * two runs, callers find no servable token and wait for an ArcGIS login themselves. The margin is
 * the function's own (domain/refresh-policy.ts), computed on the requested lifetime.
 */
function checkSchedule(config: ServiceConfig, source: string): void {
  const intervalSeconds = config.scheduleIntervalMinutes * 60;
  const problems = config.targets.flatMap((target, index) => {
    // caller-ip tokens belong to each caller and are made on request; the schedule skips them.
    if (target.client === 'caller-ip') return [];
    const lifetimeSeconds = target.expirationMinutes * 60;
    const marginSeconds = refreshMarginMs({ issuedAt: 0, expires: lifetimeSeconds * 1000 }, config.refreshMarginSeconds) / 1000;
    const limitSeconds = lifetimeSeconds - marginSeconds;
    if (intervalSeconds < limitSeconds) return [];
    const fastestFit = Math.ceil(limitSeconds / 60) - 1;
    const fix = fastestFit >= 1 ? `use scheduleIntervalMinutes ${fastestFit} or less, or raise expirationMinutes` : 'raise expirationMinutes';
    return [
      `  - targets[${index}] "${target.name}": ${target.expirationMinutes}-minute tokens (${lifetimeSeconds} s) are refreshed ${marginSeconds} s before they expire, so the interval must be under ${limitSeconds} s (lifetime ${lifetimeSeconds} s - margin ${marginSeconds} s), not ${intervalSeconds} s: ${fix}`,
    ];
  });
  if (problems.length > 0) {
    throw new ConfigurationError(
      `Invalid configuration in ${source}: scheduleIntervalMinutes ${config.scheduleIntervalMinutes} is too slow; the schedule must run again before a fresh token enters its refresh margin, or callers wait for ArcGIS logins between runs:\n${problems.join('\n')}`,
    );
  }
}

/**
 * Reads and validates a deployment configuration file (`-c config=examples/targets.json`), so its
 * mistakes are reported against the file's name. A relative path is taken from `baseDir` (the
 * directory `cdk` runs in).
 */
export function readDeploymentConfigFile(path: string, baseDir: string = process.cwd(), options: DeploymentOptions = {}): DeploymentConfig {
  const absolute = resolve(baseDir, path);
  if (!existsSync(absolute) || !statSync(absolute).isFile()) {
    throw new ConfigurationError(
      `Cannot read config file "${path}": no such file (looked for ${absolute}). Give -c config=<path to a JSON file>, relative to the directory you run cdk in, e.g. -c config=examples/targets.json.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(absolute, 'utf8'));
  } catch (error) {
    throw new ConfigurationError(`Config file "${path}" is not valid JSON: ${(error as Error).message}.`);
  }
  validateDeploymentConfig(json, path, options);
  return json as DeploymentConfig;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

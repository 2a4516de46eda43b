// The whole service in one stack: the function, its credentials secret, the IAM-authenticated
// REST API in front of it and the schedule that keeps cached tokens fresh.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AuthorizationType, EndpointType, LambdaIntegration, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { ConfigurationError } from '../lambda/errors.js';
import { CONFIG_ENV, MAX_CONFIG_ENV_BYTES } from '../lambda/config/environment.js';
import {
  DEFAULT_SCHEDULE_MINUTES,
  parseServiceConfig,
  type ClientMode,
  type ServiceConfigInput,
  type TargetInput,
} from '../lambda/config/schema.js';

/** Repository root: entry, lock file and esbuild's working directory are resolved from here. */
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const SERVICE_NAME = 'arcgis-token-vending';

/** Secret name used when the stack creates the credentials secret itself. */
export function createdSecretName(targetName: string): string {
  return `${SERVICE_NAME}/${targetName}`;
}

/** One ArcGIS portal or server the service issues tokens for. */
export interface TokenVendingTarget {
  /** Name used in `GET /token/{target}` and in the SSM parameter path. */
  readonly name: string;
  /** Portal, server or token endpoint URL (https://). */
  readonly url: string;
  /**
   * How ArcGIS binds the token to its user.
   * @default 'referer'
   */
  readonly client?: ClientMode;
  /**
   * Base URL of the app that sends the token (required with client 'referer').
   * @default - none
   */
  readonly referer?: string;
  /**
   * Address of the machine that uses the token (required with client 'ip').
   * @default - none
   */
  readonly ip?: string;
  /**
   * Token lifetime requested from ArcGIS.
   * @default DEFAULT_EXPIRATION_MINUTES (60)
   */
  readonly expirationMinutes?: number;
}

export interface TokenVendingThrottle {
  /** Steady-state requests per second for the stage. */
  readonly rateLimit: number;
  /** Burst size for the stage. */
  readonly burstLimit: number;
}

export interface TokenVendingStackProps extends StackProps {
  /** The ArcGIS target to issue tokens for. */
  readonly target: TokenVendingTarget;
  /**
   * Name of an existing Secrets Manager secret holding `{"username":…,"password":…}`.
   * @default - a new secret named `arcgis-token-vending/<target name>` is created; fill it with
   *   `aws secretsmanager put-secret-value` after the first deployment
   */
  readonly secretName?: string;
  /**
   * Minutes between scheduled refresh runs.
   * @default DEFAULT_SCHEDULE_MINUTES (15)
   */
  readonly scheduleMinutes?: number;
  /**
   * Retention of the function's log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * SSM path under which cached tokens are stored; the function may only read and write below it.
   * @default DEFAULT_PARAMETER_PREFIX ('/arcgis-token-vending')
   */
  readonly parameterPrefix?: string;
  /**
   * API stage throttling.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly throttle?: TokenVendingThrottle;
}

const DEFAULT_THROTTLE: TokenVendingThrottle = { rateLimit: 50, burstLimit: 100 };

/**
 * Stands in for the created secret's ARN, whose real value is a deploy-time token, while the
 * configuration is validated and measured at synth time. It is as long as a real ARN with the
 * longest partition and Region names, so the size check cannot pass a config that deploys too large.
 */
function placeholderSecretArn(secretName: string): string {
  return `arn:aws-us-gov:secretsmanager:us-gov-west-1:000000000000:secret:${secretName}-XXXXXX`;
}

export class TokenVendingStack extends Stack {
  public readonly fn: NodejsFunction;
  public readonly api: RestApi;
  public readonly secret: ISecret;
  public readonly rule: Rule;
  /** SSM path (validated, default applied) below which the function caches tokens. */
  public readonly parameterPrefix: string;

  constructor(scope: Construct, id: string, props: TokenVendingStackProps) {
    super(scope, id, props);

    const scheduleMinutes = props.scheduleMinutes ?? DEFAULT_SCHEDULE_MINUTES;
    const throttle = props.throttle ?? DEFAULT_THROTTLE;
    const importedSecretName = props.secretName;
    const secretName = importedSecretName ?? createdSecretName(props.target.name);

    const configFor = (secretId: string): ServiceConfigInput => ({
      targets: [targetInput(props.target, secretId)],
      scheduleIntervalMinutes: scheduleMinutes,
      ...(props.parameterPrefix === undefined ? {} : { parameterPrefix: props.parameterPrefix }),
    });

    // Validate before creating anything, so `cdk synth` stops with the schema's own message.
    const candidate = configFor(importedSecretName ?? placeholderSecretArn(secretName));
    const config = parseServiceConfig(candidate, 'CDK context');
    const bytes = Buffer.byteLength(JSON.stringify(candidate), 'utf8');
    if (bytes > MAX_CONFIG_ENV_BYTES) {
      throw new ConfigurationError(
        `Invalid configuration in CDK context: the configuration is ${bytes} bytes as JSON, more than the ${MAX_CONFIG_ENV_BYTES} bytes ${CONFIG_ENV} may use (Lambda allows 4 KB of environment in total): shorten the URLs or the referer.`,
      );
    }
    this.parameterPrefix = config.parameterPrefix;

    this.secret =
      importedSecretName === undefined
        ? new Secret(this, 'CredentialsSecret', {
            secretName,
            description: `ArcGIS credentials for target "${props.target.name}". Store them as JSON: aws secretsmanager put-secret-value --secret-id ${secretName} --secret-string '{"username":"…","password":"…"}'`,
          })
        : Secret.fromSecretNameV2(this, 'CredentialsSecret', importedSecretName);

    // A created secret's ARN is only known at deploy time: toJsonString renders the token as an
    // Fn::Join with its Ref, so CloudFormation writes the real ARN into the variable.
    const configJson = this.toJsonString(configFor(importedSecretName ?? this.secret.secretArn));

    const logGroup = new LogGroup(this, 'FunctionLogGroup', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });

    this.fn = new NodejsFunction(this, 'TokenFunction', {
      entry: join(REPO_ROOT, 'lambda', 'handlers', 'lambda.ts'),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(30),
      logGroup,
      environment: {
        [CONFIG_ENV]: configJson,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
      bundling: {
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        // Bundling the SDK pins its version to the lock file and measured faster to load.
        bundleAwsSDK: true,
        mainFields: ['module', 'main'],
        target: 'node24',
        // ESM bundles have no `require`; some CommonJS dependencies inside the SDK still call it.
        banner: "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
        forceDockerBundling: false,
      },
    });

    // Exactly the two calls the token cache makes; SecureString with the AWS-managed aws/ssm key
    // needs no KMS statement.
    this.fn.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ssm:GetParameter', 'ssm:PutParameter'],
        resources: [`arn:${this.partition}:ssm:${this.region}:${this.account}:parameter${config.parameterPrefix}/*`],
      }),
    );
    // Not grantRead: that also allows DescribeSecret, which the function never calls. A secret
    // imported by name has a partial ARN; Secrets Manager appends "-" and 6 random characters.
    this.fn.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.secret.secretFullArn ?? `${this.secret.secretArn}-??????`],
      }),
    );

    this.api = new RestApi(this, 'Api', {
      restApiName: SERVICE_NAME,
      description: 'Issues ArcGIS tokens to IAM-authenticated callers',
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: false,
      deployOptions: {
        stageName: 'v1',
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
        tracingEnabled: false,
      },
    });
    const integration = new LambdaIntegration(this.fn, { proxy: true });
    const token = this.api.root.addResource('token');
    token.addMethod('GET', integration, { authorizationType: AuthorizationType.IAM });
    token.addResource('{target}').addMethod('GET', integration, { authorizationType: AuthorizationType.IAM });

    this.rule = new Rule(this, 'RefreshSchedule', {
      description: `Refreshes cached ArcGIS tokens every ${scheduleMinutes} minutes`,
      schedule: Schedule.rate(Duration.minutes(scheduleMinutes)),
      targets: [new LambdaFunction(this.fn)],
    });

    new CfnOutput(this, 'ApiUrl', {
      description: 'GET this URL (SigV4-signed, service execute-api) for a token of the default target',
      value: `${this.api.url}token`,
    });
    new CfnOutput(this, 'SecretName', {
      description: 'Secrets Manager secret holding {"username":…,"password":…}',
      value: secretName,
    });
    new CfnOutput(this, 'ParameterPrefix', {
      description: 'SSM path of the cached tokens (SecureString)',
      value: config.parameterPrefix,
    });
  }
}

function targetInput(target: TokenVendingTarget, secretId: string): TargetInput {
  return {
    name: target.name,
    url: target.url,
    ...(target.client === undefined ? {} : { client: target.client }),
    ...(target.referer === undefined ? {} : { referer: target.referer }),
    ...(target.ip === undefined ? {} : { ip: target.ip }),
    ...(target.expirationMinutes === undefined ? {} : { expirationMinutes: target.expirationMinutes }),
    secretId,
  };
}

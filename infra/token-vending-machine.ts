// The whole service as one reusable construct: the function with its own role, one credentials
// secret per target, the coordination table, a front door in front of the function (an HTTP API,
// a REST API or a Function URL, each with IAM auth), the schedule that keeps cached tokens fresh,
// and the alarms, dashboard and logs an operator needs. Each concern lives in its own module; this
// file validates the settings, wires the pieces together and grants callers access.
import { Annotations, Stack, Token } from 'aws-cdk-lib';
import type { RestApi, IApiKey, UsagePlan } from 'aws-cdk-lib/aws-apigateway';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Alarm, Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { Rule } from 'aws-cdk-lib/aws-events';
import { Grant, PolicyDocument, Role, ServicePrincipal, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { ConfigurationError } from '../lambda/domain/errors.js';
import { CONFIG_ENV, COORDINATION_TABLE_ENV, KMS_KEY_ENV } from '../lambda/domain/config/environment.js';
import type { ServiceConfig } from '../lambda/domain/config/schema.js';
import { LAMBDA_RUNTIME_ENVIRONMENT, SOURCE_MAPS_NODE_OPTIONS } from './lambda-bundle.js';
import { CA_BUNDLE_RUNTIME_PATH, validateCaBundle } from './ca-bundle.js';
import { serviceConfigInput, validateDeploymentConfig, type DeploymentConfig } from './deployment-config.js';
import { createAlarmTopic, createAlarms } from './alarms.js';
import { createCoordinationTable } from './coordination-table.js';
import { createCredentialSecrets } from './credential-secrets.js';
import { createDashboard } from './dashboard.js';
import { createFunctionUrlFrontDoor, createHttpFrontDoor, createRestFrontDoor, tokenRouteArns, type AnyFrontDoor } from './front-doors.js';
import { functionStatements } from './function-permissions.js';
import {
  DEFAULT_ENDPOINT,
  DEFAULT_MEMORY_MB,
  DEFAULT_RESERVED_CONCURRENCY,
  DEFAULT_THROTTLE,
  checkSettings,
  type Endpoint,
  type TokenVendingAuth,
  type TokenVendingThrottle,
} from './machine-settings.js';
import { acknowledgeFindings } from './nag-acknowledgements.js';
import { createRefreshSchedule } from './refresh-schedule.js';
import { createTokenFunction } from './token-function.js';

export {
  AUTH_MODES,
  DEFAULT_API_KEY_THROTTLE,
  DEFAULT_ENDPOINT,
  DEFAULT_MEMORY_MB,
  DEFAULT_RESERVED_CONCURRENCY,
  DEFAULT_THROTTLE,
  ENDPOINTS,
  STAGE_NAME,
  type AuthMode,
  type Endpoint,
  type TokenVendingAuth,
  type TokenVendingThrottle,
} from './machine-settings.js';
export { storeParameterNames } from './function-permissions.js';
export { LATENCY_ALARM_P99_MS, noRefreshPeriodSeconds } from './alarms.js';

/** Ids of the warnings synth may give (Annotations.addWarningV2), to acknowledge one deliberately. */
export const WARNING = {
  throttleBelowExpectedRate: 'arcgis-token-vending:throttleBelowExpectedRate',
  apiKeyReachesAllTargets: 'arcgis-token-vending:apiKeyReachesAllTargets',
  functionUrlReachesAllTargets: 'arcgis-token-vending:functionUrlReachesAllTargets',
  insecureHttp: 'arcgis-token-vending:insecureHttp',
} as const;

export interface TokenVendingMachineProps {
  /** The targets and service settings (validated at synth time with the function's own schema). */
  readonly config: DeploymentConfig;
  /**
   * Named in configuration error messages, e.g. the config file's path.
   * @default 'TokenVendingMachine props'
   */
  readonly configSource?: string;
  /**
   * The front door callers reach the function through, each with IAM (SigV4) auth: `http` (API
   * Gateway HTTP API), `rest` (API Gateway REST API: needed for API keys, allowedAccounts,
   * vpcEndpointIds and WAF) or `function-url` (Lambda Function URL: no per-request charge, but no
   * per-target grants, throttle or access log). docs/deployment.md compares them.
   * @default 'http'
   */
  readonly endpoint?: Endpoint;
  /** @default { mode: 'iam' } */
  readonly auth?: TokenVendingAuth;
  /**
   * Only principals of these AWS accounts may call the API (a resource policy; REST API, IAM auth only).
   * @default - any principal the callers' own IAM policies allow
   */
  readonly allowedAccounts?: readonly string[];
  /**
   * Makes the API private, reachable only through these execute-api interface VPC endpoints (REST API only).
   * @default - a regional API reachable from the internet (still authenticated)
   */
  readonly vpcEndpointIds?: readonly string[];
  /** Stage-wide throttling (REST and HTTP API), in every auth mode. @default { rateLimit: 100, burstLimit: 200 } */
  readonly throttle?: TokenVendingThrottle;
  /**
   * The peak requests per second callers are expected to make together. Synth warns when it exceeds
   * the stage throttle's rateLimit, which would answer the excess with 429.
   * @default - not checked
   */
  readonly expectedRequestsPerSecond?: number;
  /**
   * Concurrent executions reserved for (and capping) the function, 1-1000. When the coordination
   * table cannot be reached, each execution environment makes at most one failed login per secret
   * version, so this bounds the failed logins the whole fleet can make against the account.
   * @default 3
   */
  readonly reservedConcurrency?: number;
  /**
   * Deploy a configuration that sets allowInsecureHttp (http:// ArcGIS URLs): refused without it,
   * because the password then crosses the network in clear.
   * @default false
   */
  readonly acceptInsecureHttp?: boolean;
  /**
   * Customer-managed key for the SecureString token parameters.
   * @default - the AWS-managed aws/ssm key
   */
  readonly kmsKey?: IKey;
  /** Run the function in this VPC (an ArcGIS Enterprise site reachable only from it). @default - no VPC */
  readonly vpc?: IVpc;
  /** Subnets of `vpc` for the function. @default - the VPC's private subnets */
  readonly vpcSubnets?: SubnetSelection;
  /** Security groups for the function. @default - a new group allowing all outbound traffic */
  readonly securityGroups?: readonly ISecurityGroup[];
  /**
   * PEM file of private CA certificates the function trusts in addition to Node's (relative to the
   * working directory). Bundled as /var/task/extra-ca-certs.pem and set in NODE_EXTRA_CA_CERTS.
   * @default - Node's built-in CAs only
   */
  readonly caBundlePath?: string;
  /** E-mail address subscribed to a new alarm topic. @default - no topic is created */
  readonly alarmEmail?: string;
  /** Existing SNS topic for alarm and OK notifications. @default - no notifications */
  readonly alarmTopic?: ITopic;
  /** A CloudWatch dashboard of the service ($3 a month beyond an account's first three). @default true */
  readonly dashboard?: boolean;
  /** X-Ray active tracing on the function (and on the stage of a REST API). @default false */
  readonly tracing?: boolean;
  /**
   * Ship the bundle's source map and run Node with --enable-source-maps, so stack traces of
   * unexpected errors name source files and lines. Costs tens of milliseconds per cold start
   * (measured in docs/benchmarks.md); the service's own errors are typed and need no stack.
   * @default false
   */
  readonly sourceMaps?: boolean;
  /**
   * Function memory in MB (128-10240). Lambda gives CPU in proportion to memory, and a cold start
   * is CPU-bound: more memory starts faster and costs more per millisecond.
   * @default 256
   */
  readonly memorySize?: number;
  /** Retention of the function, access and execution log groups. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /**
   * Create the account-wide role API Gateway needs to write REST API logs (AWS::ApiGateway::Account,
   * one per account and Region). Set false when the account already has one. REST API only.
   * @default true
   */
  readonly apiGatewayCloudWatchRole?: boolean;
  /** WAFv2 web ACL (REGIONAL scope) to associate with the stage (REST API only). @default - no WAF */
  readonly webAclArn?: string;
}

export class TokenVendingMachine extends Construct {
  public readonly fn: NodejsFunction;
  public readonly role: Role;
  public readonly rule: Rule;
  /** The front door in use. */
  public readonly endpoint: Endpoint;
  /** The URL of GET /token on the front door; append /NAME for another target. */
  public readonly tokenUrl: string;
  /** The REST API (endpoint 'rest'). */
  public readonly restApi?: RestApi;
  /** The HTTP API (endpoint 'http'). */
  public readonly httpApi?: HttpApi;
  /** The Function URL (endpoint 'function-url'). */
  public readonly functionUrl?: FunctionUrl;
  /** The credentials secret of each target, by target name. */
  public readonly secrets: Readonly<Record<string, ISecret>>;
  /** Secret name of each target, by target name. */
  public readonly secretNames: Readonly<Record<string, string>>;
  /** The DynamoDB table of login leases and pauses, shared by every container. */
  public readonly coordinationTable: Table;
  /** The validated service configuration (defaults applied). */
  public readonly config: ServiceConfig;
  public readonly functionErrorsAlarm: Alarm;
  /** 5xx answers of the front door. */
  public readonly serverErrorsAlarm: Alarm;
  /** p99 answer time of the front door. */
  public readonly latencyAlarm: Alarm;
  /** Invocations Lambda throttled (reserved concurrency). */
  public readonly throttlesAlarm: Alarm;
  /** Scheduled runs that failed or never ran (they are not retried). */
  public readonly scheduleMissedAlarm: Alarm;
  public readonly refreshFailedAlarms: Readonly<Record<string, Alarm>>;
  public readonly noRefreshAlarms: Readonly<Record<string, Alarm>>;
  /** Every alarm of the construct, each notifying alarmTopic when there is one. */
  public readonly alarms: readonly Alarm[];
  public readonly alarmTopic?: ITopic;
  public readonly dashboard?: Dashboard;
  public readonly apiKey?: IApiKey;
  public readonly usagePlan?: UsagePlan;

  private readonly frontDoor: AnyFrontDoor;
  private readonly auth: TokenVendingAuth;

  constructor(scope: Construct, id: string, props: TokenVendingMachineProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const configSource = props.configSource ?? 'TokenVendingMachine props';

    // Validate everything before creating anything, so synth stops with one precise message.
    const deployment = validateDeploymentConfig(props.config, configSource, { acceptInsecureHttp: props.acceptInsecureHttp });
    this.config = deployment.config;
    this.endpoint = props.endpoint ?? DEFAULT_ENDPOINT;
    this.auth = props.auth ?? { mode: 'iam' };
    const throttle = props.throttle ?? DEFAULT_THROTTLE;
    checkSettings({
      endpoint: this.endpoint,
      auth: this.auth,
      throttle,
      throttleGiven: props.throttle !== undefined,
      expectedRequestsPerSecond: props.expectedRequestsPerSecond,
      reservedConcurrency: props.reservedConcurrency,
      allowedAccounts: props.allowedAccounts,
      vpcEndpointIds: props.vpcEndpointIds,
      alarmEmail: props.alarmEmail,
      alarmTopicGiven: props.alarmTopic !== undefined,
      vpcGiven: props.vpc !== undefined,
      vpcSubnetsOrGroupsGiven: props.vpcSubnets !== undefined || props.securityGroups !== undefined,
      memorySize: props.memorySize,
      webAclArn: props.webAclArn,
      apiGatewayCloudWatchRole: props.apiGatewayCloudWatchRole,
    });
    for (const { secret } of deployment.targets) {
      const keyRegion = secret.kind === 'imported' ? secret.kmsKeyArn?.split(':')[3] : undefined;
      if (keyRegion !== undefined && !Token.isUnresolved(stack.region) && keyRegion !== stack.region) {
        throw new ConfigurationError(
          `Invalid configuration in ${configSource}: the secretKmsKeyArn of secret "${secret.name}" is in ${keyRegion}, but the stack deploys to ${stack.region}; a secret's KMS key is always in the secret's own Region. Give the key that encrypts the secret in ${stack.region} (aws secretsmanager describe-secret --secret-id ${secret.name} shows its KmsKeyId).`,
        );
      }
    }
    const caBundle = props.caBundlePath === undefined ? undefined : validateCaBundle(props.caBundlePath);
    const retention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const tracing = props.tracing ?? false;
    const sourceMaps = props.sourceMaps ?? false;
    this.warn(props, throttle);

    // --- Secrets and the coordination table.
    const secrets = createCredentialSecrets(this, deployment);
    this.secrets = secrets.secrets;
    this.secretNames = secrets.secretNames;
    this.coordinationTable = createCoordinationTable(this);

    // --- The function and its role.
    const logGroup = new LogGroup(this, 'FunctionLogGroup', { retention });
    this.role = new Role(this, 'FunctionRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'arcgis-token-vending function: its logs, its token parameters, its credentials secrets, its coordination table',
      inlinePolicies: {
        TokenVending: new PolicyDocument({
          statements: functionStatements(this, {
            config: this.config,
            logGroup,
            secretArns: secrets.secretArns,
            secretKeys: secrets.secretKeys,
            coordinationTable: this.coordinationTable,
            tokenKey: props.kmsKey,
            vpc: props.vpc !== undefined,
          }),
        }),
      },
    });
    this.fn = createTokenFunction(this, {
      role: this.role,
      logGroup,
      environment: {
        // A created secret's ARN is only known at deploy time: toJsonString renders the token as an
        // Fn::Join with its Ref, so CloudFormation writes the real ARN into the variable.
        [CONFIG_ENV]: stack.toJsonString(serviceConfigInput(deployment, secrets.secretIds)),
        [COORDINATION_TABLE_ENV]: this.coordinationTable.tableName,
        ...LAMBDA_RUNTIME_ENVIRONMENT,
        ...(sourceMaps ? { NODE_OPTIONS: SOURCE_MAPS_NODE_OPTIONS } : {}),
        ...(props.kmsKey === undefined ? {} : { [KMS_KEY_ENV]: props.kmsKey.keyArn }),
        ...(caBundle === undefined ? {} : { NODE_EXTRA_CA_CERTS: CA_BUNDLE_RUNTIME_PATH }),
      },
      memorySize: props.memorySize ?? DEFAULT_MEMORY_MB,
      reservedConcurrency: props.reservedConcurrency ?? DEFAULT_RESERVED_CONCURRENCY,
      tracing,
      sourceMaps,
      caBundle,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
    });

    // --- The front door.
    const doorOptions = {
      fn: this.fn,
      auth: this.auth,
      throttle,
      retention,
      tracing,
      allowedAccounts: props.allowedAccounts,
      vpcEndpointIds: props.vpcEndpointIds,
      apiGatewayCloudWatchRole: props.apiGatewayCloudWatchRole,
      webAclArn: props.webAclArn,
    };
    this.frontDoor =
      this.endpoint === 'rest' ? createRestFrontDoor(this, doorOptions) : this.endpoint === 'http' ? createHttpFrontDoor(this, doorOptions) : createFunctionUrlFrontDoor(doorOptions);
    this.tokenUrl = this.frontDoor.tokenUrl;
    if (this.frontDoor.endpoint === 'rest') {
      this.restApi = this.frontDoor.api;
      if (this.frontDoor.apiKey !== undefined) this.apiKey = this.frontDoor.apiKey;
      if (this.frontDoor.usagePlan !== undefined) this.usagePlan = this.frontDoor.usagePlan;
    } else if (this.frontDoor.endpoint === 'http') {
      this.httpApi = this.frontDoor.api;
    } else {
      this.functionUrl = this.frontDoor.functionUrl;
    }

    // --- The schedule, the alarms and the dashboard.
    this.rule = createRefreshSchedule(this, this.fn, this.config.scheduleIntervalMinutes);
    const topic = props.alarmTopic ?? (props.alarmEmail === undefined ? undefined : createAlarmTopic(this, props.alarmEmail));
    if (topic !== undefined) this.alarmTopic = topic;
    const alarms = createAlarms(this, { fn: this.fn, config: this.config, frontDoor: this.frontDoor, rule: this.rule, topic });
    this.functionErrorsAlarm = alarms.functionErrors;
    this.serverErrorsAlarm = alarms.serverErrors;
    this.latencyAlarm = alarms.latency;
    this.throttlesAlarm = alarms.throttles;
    this.scheduleMissedAlarm = alarms.scheduleMissed;
    this.refreshFailedAlarms = alarms.refreshFailed;
    this.noRefreshAlarms = alarms.noRefresh;
    this.alarms = alarms.all;
    if (props.dashboard ?? true) this.dashboard = createDashboard(this, { fn: this.fn, config: this.config, frontDoor: this.frontDoor });

    acknowledgeFindings(this, {
      auth: this.auth,
      frontDoor: this.frontDoor,
      role: this.role,
      config: this.config,
      vpc: props.vpc !== undefined,
      tracing,
      webAcl: props.webAclArn !== undefined,
    });
  }

  /** The REST API (endpoint 'rest'); kept from before the other front doors existed. */
  get api(): RestApi {
    if (this.restApi === undefined) {
      throw new ConfigurationError(`TokenVendingMachine.api is the REST API, and this one uses endpoint '${this.endpoint}': use tokenUrl, httpApi or functionUrl, or give endpoint 'rest'.`);
    }
    return this.restApi;
  }

  /** The front door's access log (REST and HTTP API; a Function URL writes none). */
  get accessLogGroup(): LogGroup {
    if (this.frontDoor.endpoint === 'function-url') {
      throw new ConfigurationError("A Function URL writes no access log: the function's own log group (fn.logGroup) is the only record of its requests.");
    }
    return this.frontDoor.accessLogGroup;
  }

  /**
   * Lets `grantee` ask for tokens: of one target, or of every target when `targetName` is left
   * out. On an API Gateway front door the grant is execute-api:Invoke on exactly GET /token/NAME
   * (and GET /token when NAME is the default target), so a caller granted one target cannot read
   * another's tokens. A Function URL's lambda:InvokeFunctionUrl covers the whole function and
   * cannot be scoped to a path: asking it for one target throws.
   */
  public grantGetToken(grantee: IGrantable, targetName?: string): Grant {
    if (this.auth.mode === 'apiKey') {
      throw new ConfigurationError('grantGetToken: this API uses API-key auth, not IAM, so an IAM grant opens nothing; every holder of the API key reaches every target.');
    }
    if (targetName !== undefined && !this.config.targets.some((t) => t.name === targetName)) {
      throw new ConfigurationError(`grantGetToken: there is no target named "${targetName}"; use one of ${this.config.targets.map((t) => t.name).join(', ')}.`);
    }
    const door = this.frontDoor;
    if (door.endpoint === 'function-url') {
      if (targetName !== undefined) {
        throw new ConfigurationError(
          `grantGetToken: a Function URL cannot limit a caller to target "${targetName}": lambda:InvokeFunctionUrl is granted on the whole function, so any grant reaches every target. Give endpoint 'http' or 'rest' for per-target grants, or call grantGetToken(grantee) without a target to grant every target knowingly.`,
        );
      }
      return door.functionUrl.grantInvokeUrl(grantee);
    }
    const api = door.api;
    return Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: tokenRouteArns((method, path, stage) => api.arnForExecuteApi(method, path, stage), this.config, targetName),
    });
  }

  private warn(props: TokenVendingMachineProps, throttle: TokenVendingThrottle): void {
    const annotations = Annotations.of(this);
    const expected = props.expectedRequestsPerSecond;
    if (expected !== undefined && this.endpoint !== 'function-url' && expected > throttle.rateLimit) {
      annotations.addWarningV2(
        WARNING.throttleBelowExpectedRate,
        `expectedRequestsPerSecond ${expected} exceeds the stage throttle's rateLimit ${throttle.rateLimit}: API Gateway will answer the excess with 429. Raise throttle.rateLimit (-c throttleRateLimit=${Math.ceil(expected)}) or lower the expectation.`,
      );
    }
    if (this.auth.mode === 'apiKey') {
      annotations.addWarningV2(
        WARNING.apiKeyReachesAllTargets,
        `An API key reaches every target of this deployment (${this.config.targets.map((t) => t.name).join(', ')}): API Gateway checks the key, not the path. Deploy targets that need different callers separately, or use IAM auth and grantGetToken per target.`,
      );
    }
    if (this.endpoint === 'function-url' && this.config.targets.length > 1) {
      annotations.addWarningV2(
        WARNING.functionUrlReachesAllTargets,
        `A Function URL grant reaches every target (${this.config.targets.map((t) => t.name).join(', ')}): lambda:InvokeFunctionUrl cannot be scoped to a path. Use endpoint 'http' or 'rest' to grant callers one target each.`,
      );
    }
    if (props.acceptInsecureHttp === true) {
      annotations.addWarningV2(WARNING.insecureHttp, 'allowInsecureHttp is deployed (acceptInsecureHttp): the ArcGIS password and tokens cross the network in clear to every http:// URL.');
    }
  }
}

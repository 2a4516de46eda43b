// The whole service as one reusable construct: the function with its own role, one credentials
// secret per target, the coordination table, a front door in front of the function (an HTTP API,
// a REST API or a Function URL, each with IAM auth), the schedule that keeps cached tokens fresh,
// and the alarms, dashboard and logs an operator needs. Each concern lives in its own module; this
// file validates the settings, wires the pieces together and grants callers access.
import { Stack, Token } from 'aws-cdk-lib';
import type { RestApi, IApiKey, UsagePlan } from 'aws-cdk-lib/aws-apigateway';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { Alarm, Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Rule } from 'aws-cdk-lib/aws-events';
import { Grant, PolicyDocument, Role, ServicePrincipal, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ConfigurationError } from '../lambda/domain/errors.js';
import { CONFIG_ENV, COORDINATION_TABLE_ENV, KMS_KEY_ENV } from '../lambda/domain/config/environment.js';
import type { ServiceConfig } from '../lambda/domain/config/schema.js';
import { LAMBDA_RUNTIME_ENVIRONMENT, SOURCE_MAPS_NODE_OPTIONS } from './lambda-bundle.js';
import { CA_BUNDLE_RUNTIME_PATH, validateCaBundle } from './ca-bundle.js';
import { serviceConfigInput, validateDeploymentConfig } from './deployment-config.js';
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
} from './machine-settings.js';
import { acknowledgeFindings } from './nag-acknowledgements.js';
import { createRefreshSchedule } from './refresh-schedule.js';
import { warnAboutDroppedSecrets } from './secret-replacement-warning.js';
import { warnAboutSettings } from './synth-warnings.js';
import { createTokenFunction } from './token-function.js';
import type { TokenVendingMachineProps } from './token-vending-props.js';

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

export { WARNING } from './synth-warnings.js';
export type { TokenVendingMachineProps } from './token-vending-props.js';

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
    warnAboutSettings(this, { props, throttle, endpoint: this.endpoint, auth: this.auth, config: this.config });

    // --- Secrets and the coordination table.
    const secrets = createCredentialSecrets(this, deployment);
    warnAboutDroppedSecrets(
      this,
      new Map(deployment.targets.filter(({ secret }) => secret.kind === 'created').map(({ input, secret }) => [input.name, secret.name])),
      new Set(deployment.targets.filter(({ secret }) => secret.kind === 'imported').map(({ secret }) => secret.name)),
    );
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
}

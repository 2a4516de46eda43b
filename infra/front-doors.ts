// The three ways callers reach the function, each authenticating them with IAM (SigV4):
// - an API Gateway REST API (IAM or API-key auth, optional resource policy, private endpoint, WAF),
// - an API Gateway HTTP API (IAM authorizer on the routes, stage throttle, access log),
// - a Lambda Function URL (auth type AWS_IAM; no throttle, access log or per-path grant).
// Each exposes the URL of GET /token, the metrics its alarms watch, and what a caller must be
// granted to reach one target or all of them.
import { Duration, Names, Stack } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  ApiKey,
  AuthorizationType,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  Period,
  RestApi,
  type IApiKey,
  type Method,
  type UsagePlan,
} from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination as HttpLogGroupLogDestination, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { InterfaceVpcEndpoint } from 'aws-cdk-lib/aws-ec2';
import { AccountPrincipal, AnyPrincipal, ArnPrincipal, Effect, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FunctionUrlAuthType, type FunctionUrl, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import type { ServiceConfig } from '../lambda/domain/config/schema.js';
import { DEFAULT_API_KEY_THROTTLE, STAGE_NAME, type Endpoint, type TokenVendingAuth, type TokenVendingThrottle } from './machine-settings.js';

const FIVE_MINUTES = Duration.minutes(5);

/** What the construct needs from whichever front door it built. */
export interface FrontDoor {
  readonly endpoint: Endpoint;
  /** The URL of GET /token (append /NAME for another target). */
  readonly tokenUrl: string;
  /** Answers with a 5xx status: a caller got no token. */
  readonly serverErrors: Metric;
  /** p99 of the time from request to answer, as the front door measures it. */
  readonly latencyP99: Metric;
  /** Requests received. */
  readonly requests: Metric;
}

export interface RestFrontDoor extends FrontDoor {
  readonly endpoint: 'rest';
  readonly api: RestApi;
  readonly accessLogGroup: LogGroup;
  readonly methods: readonly Method[];
  readonly apiKey?: IApiKey;
  readonly usagePlan?: UsagePlan;
}

export interface HttpFrontDoor extends FrontDoor {
  readonly endpoint: 'http';
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogGroup: LogGroup;
  readonly routes: readonly HttpRoute[];
}

export interface FunctionUrlFrontDoor extends FrontDoor {
  readonly endpoint: 'function-url';
  readonly functionUrl: FunctionUrl;
}

export type AnyFrontDoor = RestFrontDoor | HttpFrontDoor | FunctionUrlFrontDoor;

export interface FrontDoorOptions {
  readonly fn: IFunction;
  readonly auth: TokenVendingAuth;
  readonly throttle: TokenVendingThrottle;
  readonly retention: RetentionDays;
  readonly tracing: boolean;
  readonly allowedAccounts?: readonly string[] | undefined;
  readonly vpcEndpointIds?: readonly string[] | undefined;
  readonly apiGatewayCloudWatchRole?: boolean | undefined;
  readonly webAclArn?: string | undefined;
}

/** The access log fields of both API Gateway kinds: who called, what, and how it ended. */
const ACCESS_LOG_FIELDS = { caller: true, httpMethod: true, ip: true, protocol: true, requestTime: true, resourcePath: true, responseLength: true, status: true, user: true } as const;

export function createRestFrontDoor(scope: Construct, options: FrontDoorOptions): RestFrontDoor {
  const stack = Stack.of(scope);
  const { auth, throttle } = options;
  const privateApi = options.vpcEndpointIds !== undefined && options.vpcEndpointIds.length > 0;
  const accessLogGroup = new LogGroup(scope, 'ApiAccessLogs', { retention: options.retention });
  const policy = resourcePolicy(stack, auth, options.allowedAccounts, options.vpcEndpointIds);
  const api = new RestApi(scope, 'Api', {
    // Unique per deployment: API Gateway's REST metrics are keyed by API name, so two stacks
    // sharing a name would share (and alarm on) each other's 5xx and latency.
    restApiName: Names.uniqueResourceName(scope, { maxLength: 128, separator: '-' }),
    description: auth.mode === 'iam' ? 'Issues ArcGIS tokens to IAM-authenticated callers' : 'Issues ArcGIS tokens to callers with an API key',
    endpointConfiguration: {
      types: [privateApi ? EndpointType.PRIVATE : EndpointType.REGIONAL],
      ...(privateApi
        ? { vpcEndpoints: options.vpcEndpointIds!.map((vpceId, index) => InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(scope, `VpcEndpoint${index}`, { vpcEndpointId: vpceId, port: 443 })) }
        : {}),
    },
    ...(policy === undefined ? {} : { policy }),
    cloudWatchRole: options.apiGatewayCloudWatchRole ?? true,
    deployOptions: {
      stageName: STAGE_NAME,
      throttlingRateLimit: throttle.rateLimit,
      throttlingBurstLimit: throttle.burstLimit,
      // ERROR-level execution logs only; data tracing would log full responses, i.e. tokens.
      loggingLevel: MethodLoggingLevel.ERROR,
      dataTraceEnabled: false,
      metricsEnabled: false,
      tracingEnabled: options.tracing,
      accessLogDestination: new LogGroupLogDestination(accessLogGroup),
      accessLogFormat: AccessLogFormat.jsonWithStandardFields(ACCESS_LOG_FIELDS),
    },
  });
  // RestApi adds a stack output of its base URL; outputs are the stack's choice (TokenVendingStack).
  api.node.tryRemoveChild('Endpoint');
  // API Gateway creates this group on first use with no expiry; owning it sets the retention.
  const executionLogs = new LogGroup(scope, 'ApiExecutionLogs', {
    logGroupName: `API-Gateway-Execution-Logs_${api.restApiId}/${STAGE_NAME}`,
    retention: options.retention,
  });
  api.deploymentStage.node.addDependency(executionLogs);

  const validator = api.addRequestValidator('RequestValidator', {
    requestValidatorName: 'parameters',
    validateRequestBody: true,
    validateRequestParameters: true,
  });
  const integration = new LambdaIntegration(options.fn, { proxy: true });
  const methodAuth = auth.mode === 'iam' ? { authorizationType: AuthorizationType.IAM } : { authorizationType: AuthorizationType.NONE, apiKeyRequired: true };
  const tokenResource = api.root.addResource('token');
  const methods = [
    tokenResource.addMethod('GET', integration, {
      ...methodAuth,
      requestValidator: validator,
      requestParameters: { 'method.request.querystring.minValidity': false },
    }),
    tokenResource.addResource('{target}').addMethod('GET', integration, {
      ...methodAuth,
      requestValidator: validator,
      requestParameters: { 'method.request.path.target': true, 'method.request.querystring.minValidity': false },
    }),
  ];

  let apiKey: IApiKey | undefined;
  let usagePlan: UsagePlan | undefined;
  if (auth.mode === 'apiKey') {
    apiKey = new ApiKey(scope, 'ApiKey', { description: 'arcgis-token-vending caller key (read the value with get-api-key --include-value)' });
    usagePlan = api.addUsagePlan('UsagePlan', {
      description: 'Per-key throttling for arcgis-token-vending callers',
      throttle: auth.throttle ?? DEFAULT_API_KEY_THROTTLE,
      ...(auth.quotaPerDay === undefined ? {} : { quota: { limit: auth.quotaPerDay, period: Period.DAY } }),
      apiStages: [{ api, stage: api.deploymentStage }],
    });
    usagePlan.addApiKey(apiKey);
  }
  if (options.webAclArn !== undefined) {
    new CfnWebACLAssociation(scope, 'WebAclAssociation', { resourceArn: api.deploymentStage.stageArn, webAclArn: options.webAclArn });
  }

  const stage = api.deploymentStage;
  return {
    endpoint: 'rest',
    api,
    accessLogGroup,
    methods,
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(usagePlan === undefined ? {} : { usagePlan }),
    tokenUrl: `${api.url}token`,
    serverErrors: stage.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
    latencyP99: stage.metricLatency({ period: FIVE_MINUTES, statistic: 'p99' }),
    requests: stage.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' }),
  };
}

export function createHttpFrontDoor(scope: Construct, options: FrontDoorOptions): HttpFrontDoor {
  const accessLogGroup = new LogGroup(scope, 'ApiAccessLogs', { retention: options.retention });
  const api = new HttpApi(scope, 'HttpApi', {
    apiName: Names.uniqueResourceName(scope, { maxLength: 128, separator: '-' }),
    description: 'Issues ArcGIS tokens to IAM-authenticated callers',
    // A named stage, as the REST API has: the URL and the route ARNs callers are granted read
    // …/v1/token and …/v1/GET/token/NAME on every API Gateway front door.
    createDefaultStage: false,
  });
  const stage = new HttpStage(scope, 'HttpStage', {
    httpApi: api,
    stageName: STAGE_NAME,
    autoDeploy: true,
    throttle: { rateLimit: options.throttle.rateLimit, burstLimit: options.throttle.burstLimit },
    accessLogSettings: {
      destination: new HttpLogGroupLogDestination(accessLogGroup),
      // The REST API's fields, in the HTTP API's own variables.
      format: AccessLogFormat.custom(
        JSON.stringify({
          requestId: '$context.requestId',
          ip: '$context.identity.sourceIp',
          user: '$context.identity.user',
          caller: '$context.identity.caller',
          requestTime: '$context.requestTime',
          httpMethod: '$context.httpMethod',
          routeKey: '$context.routeKey',
          status: '$context.status',
          protocol: '$context.protocol',
          responseLength: '$context.responseLength',
          integrationError: '$context.integrationErrorMessage',
        }),
      ),
    },
  });
  const integration = new HttpLambdaIntegration('TokenFunction', options.fn);
  const authorizer = new HttpIamAuthorizer();
  const routes = ['/token', '/token/{target}'].flatMap((path) => api.addRoutes({ path, methods: [HttpMethod.GET], integration, authorizer }));
  return {
    endpoint: 'http',
    api,
    stage,
    accessLogGroup,
    routes,
    // A named stage's URL has no trailing slash (the REST API's has one).
    tokenUrl: `${api.apiEndpoint}/${STAGE_NAME}/token`,
    serverErrors: stage.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
    latencyP99: stage.metricLatency({ period: FIVE_MINUTES, statistic: 'p99' }),
    requests: stage.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' }),
  };
}

export function createFunctionUrlFrontDoor(options: Pick<FrontDoorOptions, 'fn'>): FunctionUrlFrontDoor {
  const functionUrl = options.fn.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });
  // Lambda publishes a Function URL's own metrics in AWS/Lambda by function name.
  const urlMetric = (metricName: string, statistic: string) =>
    new Metric({ namespace: 'AWS/Lambda', metricName, dimensionsMap: { FunctionName: options.fn.functionName }, period: FIVE_MINUTES, statistic });
  return {
    endpoint: 'function-url',
    functionUrl,
    // The URL ends with a slash.
    tokenUrl: `${functionUrl.url}token`,
    serverErrors: urlMetric('Url5xxCount', 'Sum'),
    latencyP99: urlMetric('UrlRequestLatency', 'p99'),
    requests: urlMetric('UrlRequestCount', 'Sum'),
  };
}

/**
 * The execute-api ARNs a caller needs for one target: GET /token/NAME, and GET /token too when
 * NAME is the default target (that path serves it). Without a name: every target. IAM matches the
 * path exactly, so a caller granted /token/online cannot reach /token/admin.
 */
export function tokenRouteArns(
  arnForExecuteApi: (method: string, path: string, stage: string) => string,
  config: Pick<ServiceConfig, 'defaultTarget'>,
  targetName?: string,
): string[] {
  if (targetName === undefined) return [arnForExecuteApi('GET', '/token', STAGE_NAME), arnForExecuteApi('GET', '/token/*', STAGE_NAME)];
  const arns = [arnForExecuteApi('GET', `/token/${targetName}`, STAGE_NAME)];
  if (targetName === config.defaultTarget) arns.unshift(arnForExecuteApi('GET', '/token', STAGE_NAME));
  return arns;
}

/**
 * The REST API's resource policy: who may call, on top of the authorization type.
 * - allowedAccounts: allow those accounts and deny every other principal (IAM auth only).
 * - vpcEndpointIds: deny any request that does not come through one of those endpoints.
 */
function resourcePolicy(
  stack: Stack,
  auth: TokenVendingAuth,
  allowedAccounts: readonly string[] | undefined,
  vpcEndpointIds: readonly string[] | undefined,
): PolicyDocument | undefined {
  const accounts = allowedAccounts ?? [];
  const endpoints = vpcEndpointIds ?? [];
  if (accounts.length === 0 && endpoints.length === 0) return undefined;
  const invoke = { actions: ['execute-api:Invoke'], resources: ['execute-api:/*'] };
  const statements: PolicyStatement[] = [];
  if (accounts.length > 0) {
    statements.push(
      new PolicyStatement({ effect: Effect.ALLOW, principals: accounts.map((id) => new ArnPrincipal(`arn:${stack.partition}:iam::${id}:root`)), ...invoke }),
      new PolicyStatement({ effect: Effect.DENY, principals: [new AnyPrincipal()], ...invoke, conditions: { StringNotEquals: { 'aws:PrincipalAccount': [...accounts] } } }),
    );
  } else {
    // A private API needs an explicit allow. With IAM auth, this account's identities (each still
    // needing execute-api:Invoke in its own policy); with API keys, anyone holding a key.
    statements.push(new PolicyStatement({ effect: Effect.ALLOW, principals: [auth.mode === 'iam' ? new AccountPrincipal(stack.account) : new AnyPrincipal()], ...invoke }));
  }
  if (endpoints.length > 0) {
    statements.push(new PolicyStatement({ effect: Effect.DENY, principals: [new AnyPrincipal()], ...invoke, conditions: { StringNotEquals: { 'aws:SourceVpce': [...endpoints] } } }));
  }
  return new PolicyDocument({ statements });
}

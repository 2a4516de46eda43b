// The construct's props: every setting a CDK app can give TokenVendingMachine, with its default.
// Validated together (machine-settings.ts, deployment-config.ts) before anything is created.
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { DeploymentConfig } from './deployment-config.js';
import type { Endpoint, TokenVendingAuth, TokenVendingThrottle } from './machine-settings.js';

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

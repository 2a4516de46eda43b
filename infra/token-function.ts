// The function itself: how it runs, with its code from function-code.ts (the package's prebuilt
// bundle when installed, esbuild from the sources in this repository).
import { Duration } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { functionCode } from './function-code.js';

/**
 * The function's timeout: longer than the longest request deadline (MAX_DEADLINE_MS, 28 s, in
 * lambda/domain/config/schema.ts) plus the answer's own time, so a request cut by its deadline is still
 * answered with the service's problem rather than ended by Lambda. API Gateway gives up after 29 s;
 * the scheduled refresh runs its targets side by side, each within the same deadline.
 */
export const FUNCTION_TIMEOUT_SECONDS = 30;

export interface TokenFunctionOptions {
  readonly role: IRole;
  readonly logGroup: ILogGroup;
  readonly environment: Record<string, string>;
  readonly memorySize: number;
  readonly reservedConcurrency: number;
  readonly tracing: boolean;
  readonly sourceMaps: boolean;
  /** Absolute path of a validated PEM file, copied into the bundle. */
  readonly caBundle?: string | undefined;
  readonly vpc?: IVpc | undefined;
  readonly vpcSubnets?: SubnetSelection | undefined;
  readonly securityGroups?: readonly ISecurityGroup[] | undefined;
}

export function createTokenFunction(scope: Construct, options: TokenFunctionOptions): NodejsFunction {
  const { caBundle } = options;
  return new NodejsFunction(scope, 'Function', {
    description: 'Issues and refreshes ArcGIS tokens (arcgis-token-vending)',
    ...functionCode({ sourceMaps: options.sourceMaps, caBundle }),
    runtime: Runtime.NODEJS_24_X,
    architecture: Architecture.ARM_64,
    memorySize: options.memorySize,
    reservedConcurrentExecutions: options.reservedConcurrency,
    timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS),
    role: options.role,
    logGroup: options.logGroup,
    tracing: options.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
    environment: options.environment,
    ...(options.vpc === undefined
      ? {}
      : {
          vpc: options.vpc,
          ...(options.vpcSubnets === undefined ? {} : { vpcSubnets: options.vpcSubnets }),
          ...(options.securityGroups === undefined ? {} : { securityGroups: [...options.securityGroups] }),
        }),
  });
}

// The function itself: how its code is built and how it runs. Kept in one function so that the way
// the code is produced (bundled here with esbuild from the repository's sources) can change without
// touching the rest of the construct.
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { CA_BUNDLE_FILE } from './ca-bundle.js';
import { LAMBDA_BUNDLE, LAMBDA_ENTRY, REPO_ROOT } from './lambda-bundle.js';

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
    entry: LAMBDA_ENTRY,
    handler: 'handler',
    projectRoot: REPO_ROOT,
    depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
    runtime: Runtime.NODEJS_24_X,
    architecture: Architecture.ARM_64,
    memorySize: options.memorySize,
    reservedConcurrentExecutions: options.reservedConcurrency,
    timeout: Duration.seconds(30),
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
    bundling: {
      format: OutputFormat.ESM,
      minify: true,
      sourceMap: options.sourceMaps,
      // Bundling the SDK pins its version to the lock file and measured faster to load.
      bundleAwsSDK: true,
      mainFields: [...LAMBDA_BUNDLE.mainFields],
      target: LAMBDA_BUNDLE.target,
      banner: LAMBDA_BUNDLE.banner,
      esbuildArgs: Object.fromEntries(Object.entries(LAMBDA_BUNDLE.alias).map(([from, to]) => [`--alias:${from}`, to])),
      forceDockerBundling: false,
      ...(caBundle === undefined
        ? {}
        : {
            commandHooks: {
              beforeBundling: () => [],
              beforeInstall: () => [],
              afterBundling: (_inputDir: string, outputDir: string) => [`cp ${shellQuote(caBundle)} ${shellQuote(join(outputDir, CA_BUNDLE_FILE))}`],
            },
          }),
    },
  });
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

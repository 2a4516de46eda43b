// The function role's one inline policy: each statement scoped to the exact resources a setting
// names, and set here next to the reason it exists.
import { Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { ServiceConfig } from '../lambda/domain/config/schema.js';
import { callerParametersPattern, tokenParameterName } from '../lambda/domain/ssm-layout.js';
import { COORDINATION_ACTIONS } from './coordination-table.js';

/**
 * The SSM parameters the token store uses (lambda/adapters/ssm-token-store.ts): `<prefix>/<key>/token`
 * (SecureString), where the key is the target name, or for a caller-ip target `<name>/ip-<caller>`
 * per caller (lambda/domain/slot-key.ts). Leases and pauses live in the coordination table.
 */
export function storeParameterNames(config: Pick<ServiceConfig, 'parameterPrefix' | 'targets'>): { tokens: string[]; all: string[] } {
  const prefix = config.parameterPrefix;
  const tokens = config.targets.map((target) => (target.client === 'caller-ip' ? `${callerParametersPattern(prefix, target.name)}/token` : tokenParameterName(prefix, target.name)));
  return { tokens, all: [...tokens] };
}

export interface FunctionPermissionOptions {
  readonly config: ServiceConfig;
  readonly logGroup: ILogGroup;
  /** ARNs (or ARN patterns) of the credentials secrets. */
  readonly secretArns: readonly string[];
  /** Customer-managed keys of imported secrets: key ARN -> the secret ARNs (patterns) it decrypts. */
  readonly secretKeys: ReadonlyMap<string, ReadonlySet<string>>;
  readonly coordinationTable: ITable;
  readonly tokenKey?: IKey | undefined;
  readonly vpc: boolean;
}

export function functionStatements(scope: Construct, options: FunctionPermissionOptions): PolicyStatement[] {
  const stack = Stack.of(scope);
  const parameterArn = (name: string) => `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:parameter${name}`;
  const parameters = storeParameterNames(options.config);
  const statements = [
    // The log group exists: the function only adds streams and events to it.
    new PolicyStatement({ effect: Effect.ALLOW, actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [options.logGroup.logGroupArn] }),
    // Exactly the parameters the token store reads and writes: each target's token (for a caller-ip
    // target, each caller's, known only at run time).
    new PolicyStatement({ effect: Effect.ALLOW, actions: ['ssm:GetParameter', 'ssm:PutParameter'], resources: parameters.all.map(parameterArn) }),
    // Not grantRead: that also allows DescribeSecret, which the function never calls.
    new PolicyStatement({ effect: Effect.ALLOW, actions: ['secretsmanager:GetSecretValue'], resources: [...options.secretArns] }),
    // The coordination records, item by item: not grantReadWriteData, which adds Scan, Query,
    // BatchWriteItem and the indexes, none of which the function uses.
    new PolicyStatement({ effect: Effect.ALLOW, actions: [...COORDINATION_ACTIONS], resources: [options.coordinationTable.tableArn] }),
  ];
  if (options.tokenKey !== undefined) {
    // Standard-tier SecureString: SSM calls kms:Encrypt on PutParameter and kms:Decrypt on
    // GetParameter with the caller's permissions, passing the parameter ARN as encryption context.
    // (GenerateDataKey is only used for advanced-tier parameters, which this store never writes.)
    statements.push(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['kms:Encrypt', 'kms:Decrypt'],
        resources: [options.tokenKey.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `ssm.${stack.region}.amazonaws.com` },
          // StringLike: names without '*' match exactly; caller-ip slots need their pattern.
          StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': parameters.tokens.map(parameterArn) },
        },
      }),
    );
  }
  for (const [keyArn, arns] of options.secretKeys) {
    // An existing secret encrypted with a customer-managed key: Secrets Manager decrypts its data
    // key with the caller's permissions, naming the secret's ARN as encryption context.
    statements.push(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['kms:Decrypt'],
        resources: [keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:SecretARN': [...arns] },
        },
      }),
    );
  }
  if (options.vpc) {
    // What Lambda needs to attach the function to the VPC (the actions of the AWS-managed
    // AWSLambdaVPCAccessExecutionRole); the EC2 Describe actions have no resource-level permissions.
    statements.push(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }),
    );
  }
  return statements;
}

import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONFIG_ENV, COORDINATION_TABLE_ENV, COORDINATION_TABLE_KEY, COORDINATION_TTL_ATTRIBUTE, KMS_KEY_ENV } from '../../lambda/domain/config/environment.js';
import { SERVICE_NAME as FUNCTION_SERVICE_NAME } from '../../lambda/adapters/powertools-log.js';
import { createPowertoolsMetrics } from '../../lambda/adapters/powertools-metrics.js';
import { METRIC, METRICS_NAMESPACE } from '../../lambda/domain/metric-names.js';
import { SERVICE_NAME } from '../../infra/deployment-config.js';
import { scheduledEventMaxAge } from '../../infra/refresh-schedule.js';
import { DEFAULT_RESERVED_CONCURRENCY, TokenVendingMachine, noRefreshPeriodSeconds, storeParameterNames } from '../../infra/token-vending-machine.js';
import { CDK_JSON_CONTEXT, ENV, EXAMPLE_CONFIG, ONE_TARGET, logicalId, only, partitionArn, resolveJoin, synthStack } from './synth.js';

const CREATED_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:arcgis-token-vending/default-AbCdEf';
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const VPC = { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'] };

const ssmArn = (name: string) => partitionArn(`:ssm:eu-west-1:123456789012:parameter${name}`);
const LOG_STATEMENT = (logGroupId: string) => ({
  Effect: 'Allow',
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
});
/** cdk.json's minimizePolicies sorts actions and resources, so the expectations list them sorted. */
const SSM_STATEMENT = (...names: string[]) => ({
  Effect: 'Allow',
  Action: ['ssm:GetParameter', 'ssm:PutParameter'],
  Resource: names.length === 1 ? ssmArn(names[0]!) : names.map(ssmArn).sort(),
});
const TABLE_STATEMENT = (stack: Stack & { machine: TokenVendingMachine }) => ({
  Effect: 'Allow',
  Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  Resource: { 'Fn::GetAtt': [logicalId(stack, stack.machine.coordinationTable), 'Arn'] },
});
const REST = { endpoint: 'rest' as const };

function functionRole(template: Template) {
  const roles = Object.values(template.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'lambda.amazonaws.com' } }] } } }));
  expect(roles).toHaveLength(1);
  return roles[0]!.Properties as Record<string, any>;
}

function functionStatements(template: Template): unknown[] {
  const policies = functionRole(template).Policies as Array<{ PolicyName: string; PolicyDocument: { Statement: unknown[] } }>;
  expect(policies.map((p) => p.PolicyName)).toEqual(['TokenVending']);
  return policies[0]!.PolicyDocument.Statement;
}

function functionLogGroupId(stack: Stack & { machine: TokenVendingMachine }): string {
  return logicalId(stack, stack.machine.fn.logGroup as never);
}

describe('TokenVendingMachine function', () => {
  it('runs nodejs24.x on arm64 with 256 MB, 30 s and the bundled ESM handler, without tracing', () => {
    const { template } = synthStack();
    const { properties } = only(template, 'AWS::Lambda::Function');
    expect([properties.Runtime, properties.Architectures, properties.MemorySize, properties.Timeout, properties.Handler, properties.TracingConfig]).toEqual([
      'nodejs24.x',
      ['arm64'],
      256,
      30,
      'index.handler',
      undefined,
    ]);
  });

  it('sets exactly the config, coordination table and Powertools variables by default: no source maps, which slow every cold start', () => {
    const { stack, template } = synthStack();
    const { [CONFIG_ENV]: config, ...rest } = only(template, 'AWS::Lambda::Function').properties.Environment.Variables;
    expect(config).toBeDefined();
    expect(rest).toEqual({
      [COORDINATION_TABLE_ENV]: { Ref: logicalId(stack, stack.machine.coordinationTable) },
      POWERTOOLS_SERVICE_NAME: 'arcgis-token-vending',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_METRICS_NAMESPACE: 'ArcGisTokenVending',
    });
  });

  it('gives the function the configured memory, and refuses a size Lambda does not offer', () => {
    expect(only(synthStack({ memorySize: 1024 }).template, 'AWS::Lambda::Function').properties.MemorySize).toBe(1024);
    expect(() => synthStack({ memorySize: 64 })).toThrow("Invalid setting 'memorySize': 64 is not a Lambda memory size: give a whole number of MB from 128 to 10240.");
    expect(() => synthStack({ memorySize: 300.5 })).toThrow("Invalid setting 'memorySize': 300.5 is not a Lambda memory size: give a whole number of MB from 128 to 10240.");
  });

  it('with sourceMaps, runs Node with --enable-source-maps', () => {
    const { template } = synthStack({ sourceMaps: true });
    expect(only(template, 'AWS::Lambda::Function').properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
  });

  it('puts the created secret ARN into the config JSON through a Ref CloudFormation resolves', () => {
    const { stack, template } = synthStack();
    const secretId = logicalId(stack, stack.machine.secrets.default as never);
    const raw = only(template, 'AWS::Lambda::Function').properties.Environment.Variables[CONFIG_ENV];
    expect(JSON.parse(resolveJoin(raw, { [secretId]: CREATED_SECRET_ARN }))).toEqual({
      targets: [{ name: 'default', url: 'https://www.arcgis.com', referer: 'https://apps.example.com', secretId: CREATED_SECRET_ARN }],
    });
  });

  it('passes every target of the example config with its secret id, and the settings, to the function', () => {
    const { stack, template } = synthStack({ config: EXAMPLE_CONFIG });
    const onlineSecret = logicalId(stack, stack.machine.secrets.online as never);
    const raw = only(template, 'AWS::Lambda::Function').properties.Environment.Variables[CONFIG_ENV];
    expect(JSON.parse(resolveJoin(raw, { [onlineSecret]: 'arn:online' }))).toEqual({
      targets: [
        { name: 'online', url: 'https://www.arcgis.com', client: 'referer', referer: 'https://apps.example.com', expirationMinutes: 60, secretId: 'arn:online' },
        { name: 'enterprise', url: 'https://gis.example.com/portal', client: 'ip', ip: '203.0.113.10', expirationMinutes: 240, secretId: 'prod/arcgis-enterprise' },
      ],
      defaultTarget: 'online',
      scheduleIntervalMinutes: 15,
      requestTimeoutMs: 10000,
    });
  });

  it('passes a customer key ARN in TOKEN_VENDING_KMS_KEY_ID', () => {
    const { template } = synthStack({ kmsKeyArn: KEY_ARN });
    expect(only(template, 'AWS::Lambda::Function').properties.Environment.Variables[KMS_KEY_ENV]).toBe(KEY_ARN);
  });

  it('logs to its own log group kept one month by default, without a log-retention custom resource', () => {
    const { stack, template } = synthStack();
    const logGroupId = functionLogGroupId(stack);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    expect(only(template, 'AWS::Lambda::Function').properties.LoggingConfig).toEqual({ LogGroup: { Ref: logGroupId } });
    template.resourceCountIs('Custom::LogRetention', 0);
  });

  it('keeps the function, access and execution logs for the configured retention', () => {
    const retentions = (overrides: Parameters<typeof synthStack>[0]) =>
      Object.values(synthStack({ logRetention: 7, ...overrides }).template.findResources('AWS::Logs::LogGroup')).map((g) => g.Properties.RetentionInDays);
    expect([retentions(REST), retentions({}), retentions({ endpoint: 'function-url' })]).toEqual([[7, 7, 7], [7, 7], [7]]);
  });

  it('turns on active tracing on the function and the REST stage with tracing; an HTTP API stage has none', () => {
    const { template } = synthStack({ ...REST, tracing: true });
    expect(only(template, 'AWS::Lambda::Function').properties.TracingConfig).toEqual({ Mode: 'Active' });
    template.hasResourceProperties('AWS::ApiGateway::Stage', { TracingEnabled: true });
    expect(only(synthStack({ tracing: true }).template, 'AWS::Lambda::Function').properties.TracingConfig).toEqual({ Mode: 'Active' });
  });

  it('attaches the function to the given subnets with a new outbound-only security group', () => {
    const { template } = synthStack({ vpc: VPC });
    const group = only(template, 'AWS::EC2::SecurityGroup');
    expect(group.properties.VpcId).toBe('vpc-0123456789abcdef0');
    expect(group.properties.SecurityGroupEgress).toEqual([{ CidrIp: '0.0.0.0/0', Description: 'Allow all outbound traffic by default', IpProtocol: '-1' }]);
    expect(group.properties.SecurityGroupIngress).toBeUndefined();
    expect(only(template, 'AWS::Lambda::Function').properties.VpcConfig).toEqual({
      SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
      SecurityGroupIds: [{ 'Fn::GetAtt': [group.id, 'GroupId'] }],
    });
  });

  it('uses given security groups instead of creating one', () => {
    const { template } = synthStack({ vpc: { ...VPC, securityGroupIds: ['sg-0123456789abcdef0'] } });
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    expect(only(template, 'AWS::Lambda::Function').properties.VpcConfig.SecurityGroupIds).toEqual(['sg-0123456789abcdef0']);
  });

  it('points NODE_EXTRA_CA_CERTS at the bundled CA file when caBundlePath is given', () => {
    const { template } = synthStack({ caBundlePath: 'test/infra/fixtures/private-ca.pem' });
    expect(only(template, 'AWS::Lambda::Function').properties.Environment.Variables.NODE_EXTRA_CA_CERTS).toBe('/var/task/extra-ca-certs.pem');
  });
});

describe('TokenVendingMachine permissions', () => {
  it('gives the role exactly its log streams, its token parameter, GetSecretValue on the created secret and item access to the coordination table', () => {
    const { stack, template } = synthStack();
    expect(functionStatements(template)).toEqual([
      LOG_STATEMENT(functionLogGroupId(stack)),
      SSM_STATEMENT('/arcgis-token-vending/default/token'),
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: logicalId(stack, stack.machine.secrets.default as never) } },
      TABLE_STATEMENT(stack),
    ]);
  });

  it('uses no managed policy and no other policy on the function role', () => {
    const { template } = synthStack();
    expect(functionRole(template).ManagedPolicyArns).toBeUndefined();
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  it('grants each target of the example config its parameters and its own secret, the imported one by name with the 6-character suffix', () => {
    const { stack, template } = synthStack({ config: EXAMPLE_CONFIG });
    expect(functionStatements(template)).toEqual([
      LOG_STATEMENT(functionLogGroupId(stack)),
      SSM_STATEMENT(
        '/arcgis-token-vending/online/token',
        '/arcgis-token-vending/enterprise/token',
      ),
      {
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: [
          partitionArn(':secretsmanager:eu-west-1:123456789012:secret:prod/arcgis-enterprise-??????'),
          { Ref: logicalId(stack, stack.machine.secrets.online as never) },
        ],
      },
      TABLE_STATEMENT(stack),
    ]);
  });

  it('grants a secret shared by two targets once', () => {
    const config = {
      targets: [
        { name: 'a', url: 'https://www.arcgis.com', referer: 'https://a.example.com', secretName: 'shared/arcgis' },
        { name: 'b', url: 'https://www.arcgis.com', referer: 'https://b.example.com', secretName: 'shared/arcgis' },
      ],
    };
    const { template } = synthStack({ config });
    expect(functionStatements(template)[2]).toEqual({
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: partitionArn(':secretsmanager:eu-west-1:123456789012:secret:shared/arcgis-??????'),
    });
  });

  it('scopes the parameters to a configured prefix', () => {
    const { template } = synthStack({ config: { ...ONE_TARGET, parameterPrefix: '/prod/tokens' } });
    expect(functionStatements(template)[1]).toEqual(SSM_STATEMENT('/prod/tokens/default/token'));
  });

  it('grants a caller-ip target the per-caller parameters below its own path', () => {
    const { template } = synthStack({ config: { targets: [{ name: 'apps', url: 'https://www.arcgis.com', client: 'caller-ip' }] } });
    expect(functionStatements(template)[1]).toEqual(
      SSM_STATEMENT('/arcgis-token-vending/apps/ip-*/token'),
    );
  });

  it('with a customer key, allows Encrypt and Decrypt on that key only via SSM and only for the token parameters', () => {
    const { template } = synthStack({ config: EXAMPLE_CONFIG, kmsKeyArn: KEY_ARN });
    expect(functionStatements(template)[4]).toEqual({
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:Encrypt'],
      Resource: KEY_ARN,
      Condition: {
        StringEquals: { 'kms:ViaService': 'ssm.eu-west-1.amazonaws.com' },
        StringLike: {
          'kms:EncryptionContext:PARAMETER_ARN': [ssmArn('/arcgis-token-vending/online/token'), ssmArn('/arcgis-token-vending/enterprise/token')],
        },
      },
    });
  });

  it('adds no KMS statement with the AWS-managed aws/ssm key', () => {
    const { template } = synthStack();
    expect(JSON.stringify(functionStatements(template))).not.toContain('kms:');
  });

  it('lets an existing secret encrypted with a customer key be decrypted only via Secrets Manager and only for that secret', () => {
    const config = { targets: [{ name: 'enterprise', url: 'https://gis.example.com/portal', referer: 'https://apps.example.com', secretName: 'prod/arcgis', secretKmsKeyArn: KEY_ARN }] };
    const { template } = synthStack({ config });
    expect(functionStatements(template)[4]).toEqual({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: KEY_ARN,
      Condition: {
        StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' },
        StringLike: { 'kms:EncryptionContext:SecretARN': [partitionArn(':secretsmanager:eu-west-1:123456789012:secret:prod/arcgis-??????')] },
      },
    });
  });

  it('refuses a secret key from another Region than the stack\'s, before creating anything', () => {
    const otherRegion = KEY_ARN.replace('eu-west-1', 'us-east-1');
    const config = { targets: [{ name: 'enterprise', url: 'https://gis.example.com/portal', referer: 'https://apps.example.com', secretName: 'prod/arcgis', secretKmsKeyArn: otherRegion }] };
    expect(() => synthStack({ config })).toThrow(
      `Invalid configuration in TokenVendingMachine props: the secretKmsKeyArn of secret "prod/arcgis" is in us-east-1, but the stack deploys to eu-west-1; a secret's KMS key is always in the secret's own Region. Give the key that encrypts the secret in eu-west-1 (aws secretsmanager describe-secret --secret-id prod/arcgis shows its KmsKeyId).`,
    );
  });

  it('grants one Decrypt statement per secret key, naming each secret it decrypts once, beside the token key', () => {
    const secretKey = KEY_ARN.replace('1234abcd', '9999ffff');
    const config = {
      targets: [
        { name: 'a', url: 'https://www.arcgis.com', referer: 'https://a.example.com', secretName: 'prod/a', secretKmsKeyArn: secretKey },
        { name: 'b', url: 'https://www.arcgis.com', referer: 'https://b.example.com', secretName: 'prod/b', secretKmsKeyArn: secretKey },
        { name: 'c', url: 'https://www.arcgis.com', referer: 'https://c.example.com', secretName: 'prod/a' },
        { name: 'd', url: 'https://www.arcgis.com', referer: 'https://d.example.com' },
      ],
    };
    const { template } = synthStack({ config, kmsKeyArn: KEY_ARN });
    const kms = functionStatements(template).filter((st) => JSON.stringify(st).includes('kms:'));
    expect(kms).toHaveLength(2);
    expect(kms[0]).toMatchObject({ Action: ['kms:Decrypt', 'kms:Encrypt'], Resource: KEY_ARN });
    expect(kms[1]).toEqual({
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: secretKey,
      Condition: {
        StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' },
        StringLike: {
          'kms:EncryptionContext:SecretARN': [
            partitionArn(':secretsmanager:eu-west-1:123456789012:secret:prod/a-??????'),
            partitionArn(':secretsmanager:eu-west-1:123456789012:secret:prod/b-??????'),
          ],
        },
      },
    });
  });

  it('in a VPC, adds exactly the network-interface actions Lambda needs', () => {
    const { template } = synthStack({ vpc: VPC });
    expect(functionStatements(template)[4]).toEqual({
      Effect: 'Allow',
      Action: [
        'ec2:AssignPrivateIpAddresses',
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:UnassignPrivateIpAddresses',
      ],
      Resource: '*',
    });
  });

  it('with tracing, adds only the X-Ray statement in a separate policy', () => {
    const { template } = synthStack({ tracing: true });
    expect(only(template, 'AWS::IAM::Policy').properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' },
    ]);
  });

  it('lists the token store parameters of each kind of target', () => {
    expect(
      storeParameterNames({
        parameterPrefix: '/p',
        targets: [
          { name: 'a', client: 'referer' },
          { name: 'b', client: 'caller-ip' },
        ] as never,
      }),
    ).toEqual({ tokens: ['/p/a/token', '/p/b/ip-*/token'], all: ['/p/a/token', '/p/b/ip-*/token'] });
  });
});

describe('TokenVendingMachine secrets', () => {
  it('creates arcgis-token-vending/<target> telling the operator how to fill it', () => {
    const { template } = synthStack();
    expect(only(template, 'AWS::SecretsManager::Secret').properties).toEqual({
      Name: 'arcgis-token-vending/default',
      // CloudFormation cannot create a secret without a value: a random one stands in until put-secret-value.
      GenerateSecretString: {},
      Description: `ArcGIS credentials for target "default". Store them as JSON: aws secretsmanager put-secret-value --secret-id arcgis-token-vending/default --secret-string '{"username":"…","password":"…"}' (or {"clientId":"…","clientSecret":"…"} for app credentials)`,
    });
  });

  it('creates only the secrets of targets without secretName', () => {
    const { template } = synthStack({ config: EXAMPLE_CONFIG });
    expect(Object.values(template.findResources('AWS::SecretsManager::Secret')).map((s) => s.Properties.Name)).toEqual(['arcgis-token-vending/online']);
  });
});

describe('TokenVendingMachine credentials survive renames', () => {
  const TWO = (first: string) => ({
    targets: [
      { name: first, url: 'https://www.arcgis.com', referer: 'https://apps.example.com' },
      { name: 'other', url: 'https://www.arcgis.com', referer: 'https://other.example.com' },
    ],
  });
  const secretIds = (template: Template) => Object.fromEntries(Object.entries(template.findResources('AWS::SecretsManager::Secret')).map(([id, r]) => [r.Properties.Name, id]));

  it('retains a created secret when it leaves the template or would be replaced, and when the stack is deleted', () => {
    const { resource } = only(synthStack().template, 'AWS::SecretsManager::Secret');
    expect([resource.DeletionPolicy, resource.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
  });

  it("derives a created secret's logical id from its name: the same whatever the order or the names of the other targets", () => {
    const before = secretIds(synthStack({ config: TWO('online') }).template);
    const reordered = secretIds(synthStack({ config: { targets: [...TWO('online').targets].reverse() } }).template);
    const otherRenamed = secretIds(synthStack({ config: { targets: [TWO('online').targets[0]!, { ...TWO('online').targets[1]!, name: 'renamed' }] } }).template);
    expect(reordered['arcgis-token-vending/online']).toBe(before['arcgis-token-vending/online']);
    expect(otherRenamed['arcgis-token-vending/online']).toBe(before['arcgis-token-vending/online']);
    // The id it has always had: stacks deployed before keep their secrets.
    expect(before['arcgis-token-vending/online']).toMatch(/^TokenVendingSecretonline[0-9A-F]{8}$/);
  });

  it("keeps using a renamed target's secret when the target names it: the retained secret is imported, nothing is created", () => {
    const renamed = { targets: [{ name: 'agol', url: 'https://www.arcgis.com', referer: 'https://apps.example.com', secretName: 'arcgis-token-vending/online' }] };
    const { template } = synthStack({ config: renamed });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(functionStatements(template)[2]).toEqual({
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: partitionArn(':secretsmanager:eu-west-1:123456789012:secret:arcgis-token-vending/online-??????'),
    });
  });
});

describe('TokenVendingMachine coordination table', () => {
  it('is an on-demand table keyed by a string pk, no sort key, with TTL on expiresAt, point-in-time recovery and an AWS-owned key', () => {
    const { properties, resource } = only(synthStack().template, 'AWS::DynamoDB::Table');
    expect(properties).toEqual({
      AttributeDefinitions: [{ AttributeName: COORDINATION_TABLE_KEY, AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: COORDINATION_TABLE_KEY, KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: false },
      TimeToLiveSpecification: { AttributeName: COORDINATION_TTL_ATTRIBUTE, Enabled: true },
    });
    expect([COORDINATION_TABLE_KEY, COORDINATION_TTL_ATTRIBUTE]).toEqual(['pk', 'expiresAt']);
    expect([resource.DeletionPolicy, resource.UpdateReplacePolicy]).toEqual(['Delete', 'Delete']);
  });

  it('grants the function GetItem and UpdateItem on the table itself: no PutItem, DeleteItem, index, Scan or Query', () => {
    const { stack, template } = synthStack();
    const table = functionStatements(template).filter((st) => JSON.stringify(st).includes('dynamodb:'));
    expect(table).toEqual([TABLE_STATEMENT(stack)]);
  });
});

describe('TokenVendingMachine reserved concurrency', () => {
  it('reserves 3 concurrent executions by default, bounding the failed logins of a fleet that cannot reach the table', () => {
    expect(DEFAULT_RESERVED_CONCURRENCY).toBe(3);
    expect(only(synthStack().template, 'AWS::Lambda::Function').properties.ReservedConcurrentExecutions).toBe(3);
  });

  it('reserves the configured number', () => {
    expect(only(synthStack({ reservedConcurrency: 1000 }).template, 'AWS::Lambda::Function').properties.ReservedConcurrentExecutions).toBe(1000);
  });

  it('refuses 0, which would stop every invocation, and numbers outside 1-1000', () => {
    expect(() => synthStack({ reservedConcurrency: 0 })).toThrow(
      "Invalid setting 'reservedConcurrency': 0 would stop the function: Lambda throttles every invocation of a function with no concurrency. Give 1 to 1000 (default 3).",
    );
    for (const bad of [1001, 2.5, -1]) {
      expect(() => synthStack({ reservedConcurrency: bad })).toThrow(
        `Invalid setting 'reservedConcurrency': ${bad} is not a number of concurrent executions: give a whole number from 1 to 1000 (default 3).`,
      );
    }
  });
});

describe('TokenVendingMachine REST API (endpoint rest)', () => {
  it('has only GET /token and GET /token/{target}, IAM-authorised Lambda proxies', () => {
    const { stack, template } = synthStack(REST);
    const functionId = logicalId(stack, stack.machine.fn);
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map((m) => m.Properties);
    expect(methods.map((m) => [m.HttpMethod, m.AuthorizationType, m.ApiKeyRequired, m.Integration.Type, m.Integration.IntegrationHttpMethod])).toEqual([
      ['GET', 'AWS_IAM', undefined, 'AWS_PROXY', 'POST'],
      ['GET', 'AWS_IAM', undefined, 'AWS_PROXY', 'POST'],
    ]);
    for (const method of methods) expect(JSON.stringify(method.Integration.Uri)).toContain(`"Fn::GetAtt":["${functionId}","Arn"]`);
    expect(Object.values(template.findResources('AWS::ApiGateway::Resource')).map((r) => r.Properties.PathPart)).toEqual(['token', '{target}']);
  });

  it('validates request parameters on both methods: the target path parameter is required', () => {
    const { template } = synthStack(REST);
    const validator = only(template, 'AWS::ApiGateway::RequestValidator');
    expect(validator.properties).toEqual({ RestApiId: { Ref: expect.any(String) }, Name: 'parameters', ValidateRequestBody: true, ValidateRequestParameters: true });
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map((m) => m.Properties);
    expect(methods.map((m) => [m.RequestValidatorId, m.RequestParameters])).toEqual([
      [{ Ref: validator.id }, { 'method.request.querystring.minValidity': false }],
      [{ Ref: validator.id }, { 'method.request.path.target': true, 'method.request.querystring.minValidity': false }],
    ]);
  });

  it('is a regional API without a resource policy by default', () => {
    const { template } = synthStack(REST);
    const api = only(template, 'AWS::ApiGateway::RestApi').properties;
    expect([api.EndpointConfiguration, api.Policy]).toEqual([{ Types: ['REGIONAL'] }, undefined]);
  });

  it('deploys stage v1 throttled to 100/s, burst 200, with ERROR execution logs and no data tracing', () => {
    const { template } = synthStack(REST);
    const stage = only(template, 'AWS::ApiGateway::Stage').properties;
    expect([stage.StageName, stage.TracingEnabled, stage.MethodSettings]).toEqual([
      'v1',
      false,
      [{ DataTraceEnabled: false, HttpMethod: '*', LoggingLevel: 'ERROR', MetricsEnabled: false, ResourcePath: '/*', ThrottlingBurstLimit: 200, ThrottlingRateLimit: 100 }],
    ]);
  });

  it('applies configured stage throttling', () => {
    const { template } = synthStack({ ...REST, throttle: { rateLimit: 5, burstLimit: 10 } });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 })],
    });
  });

  it('writes JSON access logs with the caller identity to its own log group', () => {
    const { stack, template } = synthStack(REST);
    const stage = only(template, 'AWS::ApiGateway::Stage').properties;
    expect(stage.AccessLogSetting.DestinationArn).toEqual({ 'Fn::GetAtt': [logicalId(stack, stack.machine.accessLogGroup), 'Arn'] });
    expect(Object.keys(JSON.parse(stage.AccessLogSetting.Format))).toEqual([
      'requestId',
      'ip',
      'user',
      'caller',
      'requestTime',
      'httpMethod',
      'resourcePath',
      'status',
      'protocol',
      'responseLength',
    ]);
  });

  it('owns the execution log group so it has a retention, created before the stage', () => {
    const { stack, template } = synthStack(REST);
    const apiId = logicalId(stack, stack.machine.api);
    const [groupId] = Object.entries(template.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: Match.anyValue() } })).map(([id]) => id);
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: { 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: apiId }, '/v1']] },
      RetentionInDays: 30,
    });
    expect(only(template, 'AWS::ApiGateway::Stage').resource.DependsOn).toContain(groupId);
  });

  it('creates the account CloudWatch role API Gateway needs for logging, unless told not to', () => {
    const { template } = synthStack(REST);
    template.resourceCountIs('AWS::ApiGateway::Account', 1);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })] },
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs']] }],
    });
    synthStack({ ...REST, apiGatewayCloudWatchRole: false }).template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  it('limits callers to the allowed accounts with an allow and a deny for every other account', () => {
    const { template } = synthStack({ ...REST, allowedAccounts: ['111111111111', '222222222222'] });
    expect(only(template, 'AWS::ApiGateway::RestApi').properties.Policy.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: [partitionArn(':iam::111111111111:root'), partitionArn(':iam::222222222222:root')] },
        Action: 'execute-api:Invoke',
        Resource: 'execute-api:/*',
      },
      {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'execute-api:Invoke',
        Resource: 'execute-api:/*',
        Condition: { StringNotEquals: { 'aws:PrincipalAccount': ['111111111111', '222222222222'] } },
      },
    ]);
  });

  it('makes the API private to the given VPC endpoints, allowing this account with IAM auth', () => {
    const { template } = synthStack({ ...REST, vpcEndpointIds: ['vpce-0123456789abcdef0'] });
    const api = only(template, 'AWS::ApiGateway::RestApi').properties;
    expect(api.EndpointConfiguration).toEqual({ Types: ['PRIVATE'], VpcEndpointIds: ['vpce-0123456789abcdef0'] });
    expect(api.Policy.Statement).toEqual([
      { Effect: 'Allow', Principal: { AWS: partitionArn(':iam::123456789012:root') }, Action: 'execute-api:Invoke', Resource: 'execute-api:/*' },
      {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'execute-api:Invoke',
        Resource: 'execute-api:/*',
        Condition: { StringNotEquals: { 'aws:SourceVpce': ['vpce-0123456789abcdef0'] } },
      },
    ]);
  });

  it('combines the account and VPC endpoint restrictions', () => {
    const { template } = synthStack({ ...REST, allowedAccounts: ['111111111111'], vpcEndpointIds: ['vpce-0123456789abcdef0'] });
    const statements = only(template, 'AWS::ApiGateway::RestApi').properties.Policy.Statement as Array<{ Effect: string; Condition?: unknown }>;
    expect(statements.map((s) => [s.Effect, s.Condition])).toEqual([
      ['Allow', undefined],
      ['Deny', { StringNotEquals: { 'aws:PrincipalAccount': ['111111111111'] } }],
      ['Deny', { StringNotEquals: { 'aws:SourceVpce': ['vpce-0123456789abcdef0'] } }],
    ]);
  });

  it('associates a given WAF web ACL with the stage', () => {
    const webAclArn = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/api/0123';
    const { stack, template } = synthStack({ ...REST, webAclArn });
    const stageId = logicalId(stack, stack.machine.api.deploymentStage);
    expect(only(template, 'AWS::WAFv2::WebACLAssociation').properties).toEqual({
      ResourceArn: { 'Fn::Join': ['', ['arn:aws:apigateway:eu-west-1::/restapis/', { Ref: logicalId(stack, stack.machine.api) }, '/stages/', { Ref: stageId }]] },
      WebACLArn: webAclArn,
    });
  });
});

describe('TokenVendingMachine API-key mode', () => {
  const API_KEY = { ...REST, auth: { mode: 'apiKey' as const } };

  it('requires an API key instead of IAM on both methods', () => {
    const { template } = synthStack(API_KEY);
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map((m) => m.Properties);
    expect(methods.map((m) => [m.AuthorizationType, m.ApiKeyRequired])).toEqual([
      ['NONE', true],
      ['NONE', true],
    ]);
  });

  it('creates one key in a usage plan on stage v1 throttled to 10/s, burst 20, by default', () => {
    const { stack, template } = synthStack(API_KEY);
    template.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    const plan = only(template, 'AWS::ApiGateway::UsagePlan');
    expect(plan.properties).toEqual({
      ApiStages: [{ ApiId: { Ref: logicalId(stack, stack.machine.api) }, Stage: { Ref: logicalId(stack, stack.machine.api.deploymentStage) }, Throttle: {} }],
      Description: 'Per-key throttling for arcgis-token-vending callers',
      Throttle: { BurstLimit: 20, RateLimit: 10 },
    });
    expect(only(template, 'AWS::ApiGateway::UsagePlanKey').properties).toEqual({
      KeyId: { Ref: logicalId(stack, stack.machine.apiKey as never) },
      KeyType: 'API_KEY',
      UsagePlanId: { Ref: plan.id },
    });
  });

  it('applies a configured per-key throttle and daily quota', () => {
    const { template } = synthStack({ ...REST, auth: { mode: 'apiKey', throttle: { rateLimit: 2, burstLimit: 4 }, quotaPerDay: 5000 } });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', { Throttle: { BurstLimit: 4, RateLimit: 2 }, Quota: { Limit: 5000, Period: 'DAY' } });
  });

  it('keeps stage throttling on in API-key mode', () => {
    const { template } = synthStack(API_KEY);
    template.hasResourceProperties('AWS::ApiGateway::Stage', { MethodSettings: [Match.objectLike({ ThrottlingBurstLimit: 200, ThrottlingRateLimit: 100 })] });
  });

  it('allows anyone through the VPC endpoint of a private API-key API (the key still required)', () => {
    const { template } = synthStack({ ...API_KEY, vpcEndpointIds: ['vpce-0123456789abcdef0'] });
    expect(only(template, 'AWS::ApiGateway::RestApi').properties.Policy.Statement[0]).toEqual({
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'execute-api:Invoke',
      Resource: 'execute-api:/*',
    });
  });

  it('outputs the key id with the command that reads its value', () => {
    const { stack, template } = synthStack(API_KEY);
    template.hasOutput('ApiKeyId', {
      Description: 'Read the key with: aws apigateway get-api-key --include-value --query value --output text --api-key <this id>',
      Value: { Ref: logicalId(stack, stack.machine.apiKey as never) },
    });
  });
});

describe('TokenVendingMachine schedule', () => {
  it('invokes the function every 15 minutes by default with the scheduled event itself, never retrying a delivery', () => {
    const { stack, template } = synthStack();
    const rule = only(template, 'AWS::Events::Rule').properties;
    expect([rule.ScheduleExpression, rule.State, rule.Targets]).toEqual([
      'rate(15 minutes)',
      'ENABLED',
      [{ Arn: { 'Fn::GetAtt': [logicalId(stack, stack.machine.fn), 'Arn'] }, Id: 'Target0', RetryPolicy: { MaximumEventAgeInSeconds: 900, MaximumRetryAttempts: 0 } }],
    ]);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [logicalId(stack, stack.machine.rule), 'Arn'] },
    });
  });

  it('uses the configured interval', () => {
    const { template } = synthStack({ config: { ...ONE_TARGET, scheduleIntervalMinutes: 5 } });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
  });

  it("turns off Lambda's two automatic retries of a failed run, and drops a run still waiting when the next is due", () => {
    const { stack, template } = synthStack();
    expect(only(template, 'AWS::Lambda::EventInvokeConfig').properties).toEqual({
      FunctionName: { Ref: logicalId(stack, stack.machine.fn) },
      MaximumEventAgeInSeconds: 900,
      MaximumRetryAttempts: 0,
      Qualifier: '$LATEST',
    });
  });

  it('keeps a waiting run between 60 s and 6 h old at most, as Lambda allows', () => {
    expect([1, 15, 600].map((m) => scheduledEventMaxAge(m).toSeconds())).toEqual([60, 900, 21_600]);
  });

  it('fails synth when the schedule is too slow for a target', () => {
    expect(() => synthStack({ config: { targets: [{ ...ONE_TARGET.targets[0]!, expirationMinutes: 10 }] }, configSource: 'examples/x.json' })).toThrow(
      /^Invalid configuration in examples\/x\.json: scheduleIntervalMinutes 15 is too slow;[^\n]*\n {2}- targets\[0\] "default": 10-minute tokens \(600 s\)/,
    );
  });

  it('does not check caller-ip targets against the schedule: their tokens are made on request', () => {
    expect(() => synthStack({ config: { targets: [{ name: 'apps', url: 'https://www.arcgis.com', client: 'caller-ip', expirationMinutes: 5 }] } })).not.toThrow();
  });
});

describe('TokenVendingMachine alarms', () => {
  it('alarms on any function error within 5 minutes', () => {
    const { stack, template } = synthStack();
    const alarm = template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'Errors' } });
    expect(Object.values(alarm).map((a) => a.Properties)).toEqual([
      {
        AlarmDescription: 'The arcgis-token-vending function failed an invocation: a failed scheduled refresh or a crash. Its log group names the target and the cause.',
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack, stack.machine.fn) } }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      },
    ]);
  });

  it('alarms per target on RefreshFailed over one schedule interval', () => {
    const { template } = synthStack({ config: EXAMPLE_CONFIG });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'RefreshFailed' } })).map((a) => a.Properties);
    expect(alarms.map((a) => [a.Namespace, a.Dimensions, a.Statistic, a.Period, a.Threshold, a.ComparisonOperator, a.TreatMissingData])).toEqual([
      ['ArcGisTokenVending', [{ Name: 'Target', Value: 'online' }, { Name: 'service', Value: 'arcgis-token-vending' }], 'Sum', 900, 1, 'GreaterThanOrEqualToThreshold', 'notBreaching'],
      ['ArcGisTokenVending', [{ Name: 'Target', Value: 'enterprise' }, { Name: 'service', Value: 'arcgis-token-vending' }], 'Sum', 900, 1, 'GreaterThanOrEqualToThreshold', 'notBreaching'],
    ]);
  });

  it('alarms per target when RefreshSucceeded stays below 1 for a token lifetime, counting no data as failure', () => {
    const { template } = synthStack({ config: EXAMPLE_CONFIG });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'RefreshSucceeded' } })).map((a) => a.Properties);
    expect(alarms.map((a) => [a.Dimensions[0].Value, a.Statistic, a.Period, a.EvaluationPeriods, a.Threshold, a.ComparisonOperator, a.TreatMissingData])).toEqual([
      ['online', 'Sum', 3600, 1, 1, 'LessThanThreshold', 'breaching'],
      ['enterprise', 'Sum', 14400, 1, 1, 'LessThanThreshold', 'breaching'],
    ]);
    expect(alarms[1]!.AlarmDescription).toBe(
      'No successful scheduled refresh of target "enterprise" for 14400 s (its tokens live 240 min): the cached token may have expired. Check the RefreshFailed alarm, the function log and the secret.',
    );
  });

  it('bounds the no-refresh window to what CloudWatch allows: 60 s to one day', () => {
    expect([noRefreshPeriodSeconds(1), noRefreshPeriodSeconds(60), noRefreshPeriodSeconds(1440), noRefreshPeriodSeconds(21_600)]).toEqual([60, 3600, 86_400, 86_400]);
  });

  it('sends no notifications without alarmEmail or alarmTopicArn', () => {
    const { template } = synthStack();
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) expect(alarm.Properties.AlarmActions).toBeUndefined();
  });

  it('with alarmEmail, creates a TLS-only topic CloudWatch may publish to, subscribes the address and notifies alarm and OK', () => {
    const { stack, template } = synthStack({ alarmEmail: 'ops@example.com' });
    const topic = only(template, 'AWS::SNS::Topic');
    expect(only(template, 'AWS::SNS::Subscription').properties).toEqual({ Protocol: 'email', TopicArn: { Ref: topic.id }, Endpoint: 'ops@example.com' });
    expect(only(template, 'AWS::SNS::TopicPolicy').properties.PolicyDocument.Statement).toEqual([
      { Sid: 'AllowPublishThroughSSLOnly', Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Resource: { Ref: topic.id }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      { Sid: '1', Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Resource: { Ref: topic.id }, Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } },
    ]);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => [a.Properties.AlarmActions, a.Properties.OKActions]);
    expect(alarms).toEqual(Array(7).fill([[{ Ref: topic.id }], [{ Ref: topic.id }]]));
    template.hasOutput('AlarmTopicArn', { Value: { Ref: logicalId(stack, stack.machine.alarmTopic as never) } });
  });

  it('with alarmTopicArn, notifies that topic without creating one', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:ops';
    const { template } = synthStack({ alarmTopicArn: topicArn });
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm'))) expect(alarm.Properties.AlarmActions).toEqual([topicArn]);
  });
});

describe('TokenVendingMachine metrics contract', () => {
  afterEach(() => vi.restoreAllMocks());

  it('alarms on the exact namespace and dimension set the function emits', () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const metrics = createPowertoolsMetrics();
    metrics.count(METRIC.refreshSucceeded, 'online');
    metrics.flush({ force: true });
    vi.restoreAllMocks();
    const emf = JSON.parse(lines.find((l) => l.includes('CloudWatchMetrics'))!) as Record<string, any>;
    const emitted = emf._aws.CloudWatchMetrics[0];

    const { template } = synthStack({ config: EXAMPLE_CONFIG });
    const alarm = Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'RefreshSucceeded' } }))[0]!.Properties;
    expect([emitted.Namespace, emitted.Dimensions[0].sort()]).toEqual([alarm.Namespace, alarm.Dimensions.map((d: { Name: string }) => d.Name).sort()]);
    expect(alarm.Dimensions.map((d: { Name: string; Value: string }) => emf[d.Name])).toEqual(alarm.Dimensions.map((d: { Value: string }) => d.Value));
    expect([METRICS_NAMESPACE, FUNCTION_SERVICE_NAME]).toEqual([emitted.Namespace, SERVICE_NAME]);
  });
});

describe('TokenVendingMachine settings validation', () => {
  it('refuses allowedAccounts with API-key auth, saying why', () => {
    expect(() => synthStack({ ...REST, auth: { mode: 'apiKey' }, allowedAccounts: ['111111111111'] })).toThrow(
      "Invalid setting 'allowedAccounts': an account restriction needs auth \"iam\": API-key callers carry no AWS identity to check. Use vpcEndpointIds to limit API-key callers to your network.",
    );
  });

  it('refuses an account id that is not 12 digits', () => {
    expect(() => synthStack({ ...REST, allowedAccounts: ['1234'] })).toThrow(`Invalid setting 'allowedAccounts': "1234" is not a 12-digit AWS account id.`);
  });

  it('refuses a VPC endpoint id that is not vpce-…', () => {
    expect(() => synthStack({ ...REST, vpcEndpointIds: ['vpc-0123456789abcdef0'] })).toThrow(`Invalid setting 'vpcEndpointIds': "vpc-0123456789abcdef0" is not a VPC endpoint id (vpce-…).`);
  });

  it('refuses both alarmEmail and alarmTopicArn', () => {
    expect(() => synthStack({ alarmEmail: 'ops@example.com', alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops' })).toThrow(
      "Invalid setting 'alarmEmail': give alarmEmail (a new topic is created) or alarmTopicArn (your topic), not both; subscribe the address to your topic instead.",
    );
  });

  it('refuses a stage throttle of zero', () => {
    expect(() => synthStack({ throttle: { rateLimit: 0, burstLimit: 10 } })).toThrow("Invalid setting 'throttle': rateLimit 0 must be a positive number of requests per second.");
  });

  it('refuses a daily quota of zero', () => {
    expect(() => synthStack({ ...REST, auth: { mode: 'apiKey', quotaPerDay: 0 } })).toThrow("Invalid setting 'apiKeyQuotaPerDay': 0 is not a positive whole number of requests.");
  });

  it('refuses a web ACL ARN of CloudFront scope', () => {
    expect(() => synthStack({ ...REST, webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/api/0123' })).toThrow(
      `Invalid setting 'webAclArn': "arn:aws:wafv2:us-east-1:123456789012:global/webacl/api/0123" is not a REGIONAL WAFv2 web ACL ARN (arn:aws:wafv2:REGION:ACCOUNT:regional/webacl/NAME/ID).`,
    );
  });

  it('refuses a missing CA bundle file', () => {
    expect(() => synthStack({ caBundlePath: 'certs/missing.pem' })).toThrow(/^Invalid caBundlePath "certs\/missing\.pem": no such file/);
  });
});

describe('TokenVendingMachine as a reusable construct', () => {
  it('builds in any stack from typed props, with a key object instead of an ARN', () => {
    const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Host', { env: ENV });
    const key = new Key(stack, 'Key', { enableKeyRotation: true });
    const machine = new TokenVendingMachine(stack, 'Tokens', { config: ONE_TARGET, kmsKey: key });
    const template = Template.fromStack(stack);
    expect(only(template, 'AWS::Lambda::Function').properties.Environment.Variables[KMS_KEY_ENV]).toEqual({ 'Fn::GetAtt': [logicalId(stack, key), 'Arn'] });
    expect(machine.config.targets.map((t) => t.name)).toEqual(['default']);
  });

  it('names its own props in configuration errors by default', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Host', { env: ENV });
    expect(() => new TokenVendingMachine(stack, 'Tokens', { config: { targets: [] } })).toThrow(
      'Invalid configuration in TokenVendingMachine props:\n  - targets: configure at least one target',
    );
  });
});

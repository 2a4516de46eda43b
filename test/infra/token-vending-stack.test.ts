import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnElement } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_ENV, MAX_CONFIG_ENV_BYTES } from '../../lambda/config/environment.js';
import { TokenVendingStack, type TokenVendingStackProps } from '../../infra/token-vending-stack.js';

const REPO_ROOT = new URL('../../', import.meta.url);
/** The feature flags `cdk synth` uses, so tests see the template a deployment gets. */
const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(new URL('cdk.json', REPO_ROOT), 'utf8')) as { context: Record<string, unknown> }).context;
const ENV = { account: '123456789012', region: 'eu-west-1' };
const REFERER_TARGET = { name: 'default', url: 'https://www.arcgis.com', referer: 'https://apps.example.com' };
const CREATED_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:arcgis-token-vending/default-AbCdEf';

function synthStack(props: Partial<TokenVendingStackProps> = {}): { stack: TokenVendingStack; template: Template } {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new TokenVendingStack(app, 'TestStack', { env: ENV, target: REFERER_TARGET, ...props });
  return { stack, template: Template.fromStack(stack) };
}

function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** Renders an Fn::Join of strings and Refs the way CloudFormation would, with the given Ref values. */
function resolveJoin(value: unknown, refs: Record<string, string>): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join === undefined) throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  return join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = (part as { Ref?: string }).Ref;
      if (ref === undefined || refs[ref] === undefined) throw new Error(`unexpected part ${JSON.stringify(part)}`);
      return refs[ref];
    })
    .join(join[0]);
}

function functionProperties(template: Template): Record<string, any> {
  const functions = Object.values(template.findResources('AWS::Lambda::Function'));
  expect(functions).toHaveLength(1);
  return functions[0]!.Properties;
}

describe('TokenVendingStack function', () => {
  it('runs nodejs24.x on arm64 with 256 MB, 30 s and the bundled ESM handler', () => {
    const { template } = synthStack();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 30,
      Handler: 'index.handler',
    });
  });

  it('sets exactly the config, source-map and Powertools environment variables', () => {
    const { template } = synthStack();
    expect(Object.keys(functionProperties(template).Environment.Variables).sort()).toEqual(
      [CONFIG_ENV, 'NODE_OPTIONS', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME'].sort(),
    );
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'arcgis-token-vending',
          POWERTOOLS_LOG_LEVEL: 'INFO',
        }),
      },
    });
  });

  it('puts the created secret ARN into the config JSON through a Ref CloudFormation resolves', () => {
    const { stack, template } = synthStack();
    const secretId = logicalId(stack, stack.secret);
    const raw = functionProperties(template).Environment.Variables[CONFIG_ENV];
    expect(JSON.stringify(raw)).toContain(`{"Ref":"${secretId}"}`);
    expect(JSON.parse(resolveJoin(raw, { [secretId]: CREATED_SECRET_ARN }))).toEqual({
      targets: [{ name: 'default', url: 'https://www.arcgis.com', referer: 'https://apps.example.com', secretId: CREATED_SECRET_ARN }],
      scheduleIntervalMinutes: 15,
    });
  });

  it('passes every target setting, the schedule and the prefix to the function config', () => {
    const { template } = synthStack({
      target: { name: 'enterprise', url: 'https://gis.example.com/portal', client: 'ip', ip: '203.0.113.7', expirationMinutes: 120 },
      secretName: 'prod/arcgis',
      scheduleMinutes: 5,
      parameterPrefix: '/prod/tokens',
    });
    const raw = functionProperties(template).Environment.Variables[CONFIG_ENV];
    expect(JSON.parse(resolveJoin(raw, {}))).toEqual({
      targets: [{ name: 'enterprise', url: 'https://gis.example.com/portal', client: 'ip', ip: '203.0.113.7', expirationMinutes: 120, secretId: 'prod/arcgis' }],
      scheduleIntervalMinutes: 5,
      parameterPrefix: '/prod/tokens',
    });
  });

  it('logs to its own log group kept one month by default', () => {
    const { template } = synthStack();
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    const logGroupId = Object.keys(template.findResources('AWS::Logs::LogGroup'))[0]!;
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: logGroupId } } });
    template.resourceCountIs('Custom::LogRetention', 0);
  });

  it('keeps logs for the configured retention', () => {
    const { template } = synthStack({ logRetention: RetentionDays.ONE_WEEK });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });
});

describe('TokenVendingStack permissions', () => {
  it('allows only Get/PutParameter below the prefix and GetSecretValue on the created secret', () => {
    const { stack, template } = synthStack();
    template.resourceCountIs('AWS::IAM::Policy', 1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: Match.exact([
          {
            Effect: 'Allow',
            Action: ['ssm:GetParameter', 'ssm:PutParameter'],
            Resource: 'arn:aws:ssm:eu-west-1:123456789012:parameter/arcgis-token-vending/*',
          },
          {
            Effect: 'Allow',
            Action: 'secretsmanager:GetSecretValue',
            Resource: { Ref: logicalId(stack, stack.secret) },
          },
        ]),
      },
    });
  });

  it('scopes the parameter statement to a configured prefix', () => {
    const { template } = synthStack({ parameterPrefix: '/prod/tokens' });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: ['ssm:GetParameter', 'ssm:PutParameter'],
            Resource: 'arn:aws:ssm:eu-west-1:123456789012:parameter/prod/tokens/*',
          },
        ]),
      },
    });
  });

  it('keeps only the basic execution managed policy on the role', () => {
    const { template } = synthStack();
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: [
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']] },
      ],
    });
  });
});

describe('TokenVendingStack secret', () => {
  it('creates arcgis-token-vending/<target> telling the operator how to fill it', () => {
    const { template } = synthStack();
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'arcgis-token-vending/default',
      Description: Match.stringLikeRegexp(
        `aws secretsmanager put-secret-value --secret-id arcgis-token-vending/default --secret-string '\\{"username":"…","password":"…"\\}'`,
      ),
    });
  });

  it('imports a secret by name and grants GetSecretValue on its name with the 6-character suffix', () => {
    const { template } = synthStack({ secretName: 'prod/arcgis' });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.exact([
          {
            Effect: 'Allow',
            Action: ['ssm:GetParameter', 'ssm:PutParameter'],
            Resource: 'arn:aws:ssm:eu-west-1:123456789012:parameter/arcgis-token-vending/*',
          },
          {
            Effect: 'Allow',
            Action: 'secretsmanager:GetSecretValue',
            Resource: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/arcgis-??????',
          },
        ]),
      },
    });
  });
});

describe('TokenVendingStack API', () => {
  it('has only GET /token and GET /token/{target}, both IAM-authorised Lambda proxies', () => {
    const { stack, template } = synthStack();
    const functionId = logicalId(stack, stack.fn);
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map((m) => m.Properties);
    expect(methods).toHaveLength(2);
    for (const method of methods) {
      expect(method.HttpMethod).toBe('GET');
      expect(method.AuthorizationType).toBe('AWS_IAM');
      expect(method.Integration.Type).toBe('AWS_PROXY');
      expect(method.Integration.IntegrationHttpMethod).toBe('POST');
      expect(JSON.stringify(method.Integration.Uri)).toContain(`"Fn::GetAtt":["${functionId}","Arn"]`);
    }
    const resources = Object.entries(template.findResources('AWS::ApiGateway::Resource'));
    expect(resources.map(([, r]) => r.Properties.PathPart).sort()).toEqual(['token', '{target}']);
    const tokenId = resources.find(([, r]) => r.Properties.PathPart === 'token')![0];
    const targetId = resources.find(([, r]) => r.Properties.PathPart === '{target}')![0];
    expect(methods.map((m) => m.ResourceId.Ref).sort()).toEqual([targetId, tokenId].sort());
  });

  it('is a regional API without the account CloudWatch role', () => {
    const { template } = synthStack();
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  it('deploys stage v1 throttled to 50 requests/s, burst 100, without tracing', () => {
    const { template } = synthStack();
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      TracingEnabled: false,
      MethodSettings: Match.exact([
        { DataTraceEnabled: false, HttpMethod: '*', ResourcePath: '/*', ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 },
      ]),
    });
  });

  it('applies configured throttling', () => {
    const { template } = synthStack({ throttle: { rateLimit: 5, burstLimit: 10 } });
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.exact([
        { DataTraceEnabled: false, HttpMethod: '*', ResourcePath: '/*', ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 },
      ]),
    });
  });
});

describe('TokenVendingStack schedule', () => {
  it('invokes the function every 15 minutes by default with the scheduled event itself', () => {
    const { stack, template } = synthStack();
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      Targets: Match.exact([{ Arn: { 'Fn::GetAtt': [logicalId(stack, stack.fn), 'Arn'] }, Id: 'Target0' }]),
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [logicalId(stack, stack.rule), 'Arn'] },
    });
  });

  it('uses the configured interval', () => {
    const { template } = synthStack({ scheduleMinutes: 5 });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
  });
});

describe('TokenVendingStack outputs', () => {
  it('outputs the GET /token URL, the secret name and the parameter prefix', () => {
    const { stack, template } = synthStack();
    const apiId = logicalId(stack, stack.api);
    const stageId = stack.getLogicalId(stack.api.deploymentStage.node.defaultChild as CfnElement);
    template.hasOutput('ApiUrl', {
      Value: {
        'Fn::Join': ['', ['https://', { Ref: apiId }, '.execute-api.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/', { Ref: stageId }, '/token']],
      },
    });
    template.hasOutput('SecretName', { Value: 'arcgis-token-vending/default' });
    template.hasOutput('ParameterPrefix', { Value: '/arcgis-token-vending' });
  });

  it('outputs an imported secret name and a configured prefix', () => {
    const { template } = synthStack({ secretName: 'prod/arcgis', parameterPrefix: '/prod/tokens' });
    template.hasOutput('SecretName', { Value: 'prod/arcgis' });
    template.hasOutput('ParameterPrefix', { Value: '/prod/tokens' });
  });
});

describe('TokenVendingStack validation at synth time', () => {
  it('rejects a URL that is not a URL', () => {
    expect(() => synthStack({ target: { ...REFERER_TARGET, url: 'www arcgis com' } })).toThrow(
      /targets\[0\]\.url: "www arcgis com" is not a URL/,
    );
  });

  it('rejects an http:// URL', () => {
    expect(() => synthStack({ target: { ...REFERER_TARGET, url: 'http://gis.example.com/portal' } })).toThrow(
      /targets\[0\]\.url: http:\/\/ would send the password in clear/,
    );
  });

  it('rejects referer mode without a referer', () => {
    expect(() => synthStack({ target: { name: 'default', url: 'https://www.arcgis.com' } })).toThrow(
      /targets\[0\]\.referer: client "referer" needs a referer/,
    );
  });

  it('rejects ip mode without an ip', () => {
    expect(() => synthStack({ target: { name: 'default', url: 'https://www.arcgis.com', client: 'ip' } })).toThrow(
      /targets\[0\]\.ip: client "ip" needs ip/,
    );
  });

  it('rejects an expiration of 0 minutes', () => {
    expect(() => synthStack({ target: { ...REFERER_TARGET, expirationMinutes: 0 } })).toThrow(
      /targets\[0\]\.expirationMinutes: use at least 1 minute/,
    );
  });

  it('rejects an expiration of 30000 minutes', () => {
    expect(() => synthStack({ target: { ...REFERER_TARGET, expirationMinutes: 30_000 } })).toThrow(
      /targets\[0\]\.expirationMinutes: ArcGIS allows at most 21600 minutes/,
    );
  });

  it('names the source of the bad setting as CDK context', () => {
    expect(() => synthStack({ scheduleMinutes: 0 })).toThrow(/^Invalid configuration in CDK context:\n {2}- scheduleIntervalMinutes:/);
  });

  it('rejects a configuration too large for the environment variable, with both sizes', () => {
    const referer = `https://apps.example.com/${'a'.repeat(MAX_CONFIG_ENV_BYTES)}`;
    expect(() => synthStack({ target: { ...REFERER_TARGET, referer } })).toThrow(
      new RegExp(`the configuration is \\d{4} bytes as JSON, more than the ${MAX_CONFIG_ENV_BYTES} bytes ${CONFIG_ENV} may use`),
    );
  });
});

describe('TokenVendingStack bundling', () => {
  let outdir: string | undefined;
  afterEach(() => {
    if (outdir !== undefined) rmSync(outdir, { recursive: true, force: true });
  });

  it('bundles the handler locally into one ESM index.mjs under 1.5 MB', () => {
    outdir = mkdtempSync(join(tmpdir(), 'token-vending-synth-'));
    const app = new App({ outdir, context: CDK_JSON_CONTEXT });
    const stack = new TokenVendingStack(app, 'BundledStack', { env: ENV, target: REFERER_TARGET });
    const assembly = app.synth();

    const template = Template.fromJSON(assembly.getStackByName(stack.stackName).template as Record<string, unknown>);
    const s3Key = functionProperties(template).Code.S3Key as string;
    expect(s3Key).toMatch(/^[0-9a-f]{64}\.zip$/);
    const assetDir = join(assembly.directory, `asset.${s3Key.replace(/\.zip$/, '')}`);
    expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);

    const bundle = join(assetDir, 'index.mjs');
    expect(existsSync(bundle)).toBe(true);
    expect(statSync(bundle).size).toBeLessThan(1.5 * 1024 * 1024);
    const code = readFileSync(bundle, 'utf8');
    expect(code.startsWith("import { createRequire } from 'module';const require = createRequire(import.meta.url);")).toBe(true);
    expect(code).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
  });
});

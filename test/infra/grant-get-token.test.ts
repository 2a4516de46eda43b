// grantGetToken(grantee, targetName?): the exact execute-api route ARNs a caller is granted on an
// API Gateway front door (one target, the default one with GET /token, or all), and the whole-
// function grant of a Function URL, which refuses to pretend it can scope a target.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccountRootPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { TokenVendingMachine, type Endpoint, type TokenVendingMachineProps } from '../../infra/token-vending-machine.js';
import type { DeploymentConfig } from '../../infra/deployment-config.js';
import { CDK_JSON_CONTEXT, ENV, logicalId, only } from './synth.js';

const CONFIG: DeploymentConfig = {
  targets: [
    { name: 'online', url: 'https://www.arcgis.com', referer: 'https://apps.example.com' },
    { name: 'admin', url: 'https://gis.example.com/server', client: 'ip', ip: '203.0.113.10', secretName: 'prod/arcgis-admin' },
  ],
};

function host(props: Partial<TokenVendingMachineProps> = {}) {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Host', { env: ENV });
  const machine = new TokenVendingMachine(stack, 'Tokens', { config: CONFIG, ...props });
  const caller = new Role(stack, 'Caller', { assumedBy: new AccountRootPrincipal() });
  return { stack, machine, caller };
}

/** The caller's policy statements, with the API id's Ref shown as API. */
function callerStatements(stack: Stack, caller: Role, apiId: string) {
  const template = Template.fromStack(stack);
  const policy = only(template, 'AWS::IAM::Policy').properties;
  expect(policy.Roles).toEqual([{ Ref: logicalId(stack, caller) }]);
  return JSON.parse(JSON.stringify(policy.PolicyDocument.Statement).replaceAll(JSON.stringify({ Ref: apiId }), '"API"')) as unknown[];
}

const route = (path: string) => ({ 'Fn::Join': ['', ['arn:aws:execute-api:eu-west-1:123456789012:', 'API', `/v1/GET${path}`]] });

describe.each<[Endpoint, (m: TokenVendingMachine) => object]>([
  ['http', (m) => m.httpApi!],
  ['rest', (m) => m.restApi!],
])('grantGetToken on endpoint %s', (endpoint, apiOf) => {
  it('grants one target exactly its route: GET /token/admin, not GET /token nor another target', () => {
    const { stack, machine, caller } = host({ endpoint });
    machine.grantGetToken(caller, 'admin');
    expect(callerStatements(stack, caller, logicalId(stack, apiOf(machine) as never))).toEqual([
      { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: route('/token/admin') },
    ]);
  });

  it('grants the default target its route and GET /token, which serves it', () => {
    const { stack, machine, caller } = host({ endpoint });
    machine.grantGetToken(caller, 'online');
    expect(callerStatements(stack, caller, logicalId(stack, apiOf(machine) as never))).toEqual([
      { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: [route('/token'), route('/token/online')] },
    ]);
  });

  it('grants every target without a name', () => {
    const { stack, machine, caller } = host({ endpoint });
    machine.grantGetToken(caller);
    expect(callerStatements(stack, caller, logicalId(stack, apiOf(machine) as never))).toEqual([
      { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: [route('/token'), route('/token/*')] },
    ]);
  });

  it('refuses a target that does not exist, listing those that do', () => {
    const { machine, caller } = host({ endpoint });
    expect(() => machine.grantGetToken(caller, 'Admin')).toThrow('grantGetToken: there is no target named "Admin"; use one of online, admin.');
  });
});

describe('grantGetToken on endpoint function-url', () => {
  it('grants InvokeFunctionUrl (IAM auth type only) and InvokeFunction through the URL only, on the function', () => {
    const { stack, machine, caller } = host({ endpoint: 'function-url' });
    machine.grantGetToken(caller);
    const functionArn = { 'Fn::GetAtt': [logicalId(stack, machine.fn), 'Arn'] };
    expect(only(Template.fromStack(stack), 'AWS::IAM::Policy').properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunctionUrl', Resource: functionArn, Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } } },
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: functionArn, Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': true } } },
    ]);
  });

  it('refuses to grant one target, since a Function URL grant cannot be scoped to a path', () => {
    const { machine, caller } = host({ endpoint: 'function-url' });
    expect(() => machine.grantGetToken(caller, 'online')).toThrow(
      `grantGetToken: a Function URL cannot limit a caller to target "online": lambda:InvokeFunctionUrl is granted on the whole function, so any grant reaches every target. Give endpoint 'http' or 'rest' for per-target grants, or call grantGetToken(grantee) without a target to grant every target knowingly.`,
    );
  });
});

describe('grantGetToken with API-key auth', () => {
  it('refuses: an IAM grant opens nothing, and the key reaches every target', () => {
    const { machine, caller } = host({ endpoint: 'rest', auth: { mode: 'apiKey' } });
    expect(() => machine.grantGetToken(caller, 'online')).toThrow(
      'grantGetToken: this API uses API-key auth, not IAM, so an IAM grant opens nothing; every holder of the API key reaches every target.',
    );
  });
});

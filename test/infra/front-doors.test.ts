// The three front doors (endpoint http, rest, function-url): each authenticates with IAM, routes
// exactly GET /token and GET /token/{target} to the function, and refuses the settings it cannot
// honour; the stage throttle is checked against the expected rate.
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ENDPOINT, WARNING } from '../../infra/token-vending-machine.js';
import { logicalId, only, synthStack } from './synth.js';

const warnings = (overrides: Parameters<typeof synthStack>[0]) =>
  Annotations.fromStack(synthStack(overrides).stack)
    .findWarning('*', Match.anyValue())
    .map((w) => String(w.entry.data));

describe('endpoint http (the default)', () => {
  it('is the default front door', () => {
    expect([DEFAULT_ENDPOINT, synthStack().stack.machine.endpoint]).toEqual(['http', 'http']);
  });

  it('creates an HTTP API with only GET /token and GET /token/{target}, each IAM-authorised and sent to the function as payload 2.0', () => {
    const { stack, template } = synthStack();
    const integration = only(template, 'AWS::ApiGatewayV2::Integration');
    expect(integration.properties).toEqual({
      ApiId: { Ref: logicalId(stack, stack.machine.httpApi!) },
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: { 'Fn::GetAtt': [logicalId(stack, stack.machine.fn), 'Arn'] },
      PayloadFormatVersion: '2.0',
    });
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => [r.Properties.RouteKey, r.Properties.AuthorizationType, r.Properties.Target]);
    expect(routes).toEqual([
      ['GET /token', 'AWS_IAM', { 'Fn::Join': ['', ['integrations/', { Ref: integration.id }]] }],
      ['GET /token/{target}', 'AWS_IAM', { 'Fn::Join': ['', ['integrations/', { Ref: integration.id }]] }],
    ]);
    template.resourceCountIs('AWS::ApiGateway::RestApi', 0);
  });

  it('deploys stage v1 automatically, throttled to 100/s, burst 200, by default', () => {
    const { stack, template } = synthStack();
    const stage = only(template, 'AWS::ApiGatewayV2::Stage').properties;
    expect([stage.StageName, stage.AutoDeploy, stage.DefaultRouteSettings]).toEqual(['v1', true, { ThrottlingBurstLimit: 200, ThrottlingRateLimit: 100 }]);
    expect(stage.ApiId).toEqual({ Ref: logicalId(stack, stack.machine.httpApi!) });
  });

  it('applies a configured stage throttle', () => {
    const stage = only(synthStack({ throttle: { rateLimit: 5, burstLimit: 10 } }).template, 'AWS::ApiGatewayV2::Stage').properties;
    expect(stage.DefaultRouteSettings).toEqual({ ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 });
  });

  it('writes JSON access logs with the caller identity to its own log group, without the REST API account role', () => {
    const { stack, template } = synthStack();
    const settings = only(template, 'AWS::ApiGatewayV2::Stage').properties.AccessLogSettings;
    expect(settings.DestinationArn).toEqual({ 'Fn::GetAtt': [logicalId(stack, stack.machine.accessLogGroup), 'Arn'] });
    expect(JSON.parse(settings.Format)).toEqual({
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
    });
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  it('lets API Gateway invoke the function for its two routes only', () => {
    const { stack, template } = synthStack();
    const apiId = logicalId(stack, stack.machine.httpApi!);
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission', { Properties: { Principal: 'apigateway.amazonaws.com' } })).map((p) => p.Properties.SourceArn);
    const arn = (path: string) => ({ 'Fn::Join': ['', ['arn:aws:execute-api:eu-west-1:123456789012:', { Ref: apiId }, `/*/*${path}`]] });
    expect(permissions).toEqual([arn('/token'), arn('/token/{target}')]);
  });

  it('outputs the stage URL of GET /token, signed for execute-api', () => {
    const { stack, template } = synthStack();
    template.hasOutput('ApiUrl', {
      Description: 'GET this URL (SigV4-signed, service execute-api) for a token of the default target; append /NAME for another target',
      Value: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack, stack.machine.httpApi!), 'ApiEndpoint'] }, '/v1/token']] },
    });
  });

  it.each<[string, Parameters<typeof synthStack>[0], string]>([
    ['API-key auth', { auth: { mode: 'apiKey' } }, "Invalid setting 'auth': An HTTP API has no API keys or usage plans: API-key auth needs endpoint 'rest' (-c endpoint=rest)."],
    [
      'allowedAccounts',
      { allowedAccounts: ['111111111111'] },
      "Invalid setting 'allowedAccounts': An HTTP API has no resource policy to limit callers to accounts. Give endpoint 'rest' (-c endpoint=rest) to use it, or leave it out. With 'http', grant callers with grantGetToken() in their own accounts' policies instead.",
    ],
    ['vpcEndpointIds', { vpcEndpointIds: ['vpce-0123456789abcdef0'] }, "Invalid setting 'vpcEndpointIds': An HTTP API cannot be a private API reached through VPC endpoints. Give endpoint 'rest' (-c endpoint=rest) to use it, or leave it out."],
    [
      'webAclArn',
      { webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/api/0123' },
      "Invalid setting 'webAclArn': An HTTP API cannot be associated with a WAF web ACL. Give endpoint 'rest' (-c endpoint=rest) to use it, or leave it out.",
    ],
    [
      'apiGatewayCloudWatchRole',
      { apiGatewayCloudWatchRole: false },
      "Invalid setting 'apiGatewayCloudWatchRole': only a REST API needs the account's API Gateway logging role; an HTTP API writes its access log through a service-linked role. Leave it out.",
    ],
  ])('refuses %s, which only a REST API has', (_name, overrides, message) => {
    expect(() => synthStack(overrides)).toThrow(message);
  });

  it('lists every REST-only setting it refuses in one message', () => {
    expect(() => synthStack({ auth: { mode: 'apiKey' }, vpcEndpointIds: ['vpce-0123456789abcdef0'] })).toThrow(
      /^Invalid setting 'auth': [^\n]+\nInvalid setting 'vpcEndpointIds': [^\n]+$/,
    );
  });
});

describe('endpoint function-url', () => {
  const URL_ONLY = { endpoint: 'function-url' as const };

  it('creates a Function URL with AWS_IAM auth and no API Gateway at all', () => {
    const { stack, template } = synthStack(URL_ONLY);
    expect(only(template, 'AWS::Lambda::Url').properties).toEqual({ AuthType: 'AWS_IAM', TargetFunctionArn: { 'Fn::GetAtt': [logicalId(stack, stack.machine.fn), 'Arn'] } });
    for (const type of ['AWS::ApiGateway::RestApi', 'AWS::ApiGatewayV2::Api', 'AWS::ApiGateway::Account']) template.resourceCountIs(type, 0);
  });

  it('outputs the Function URL of GET /token, signed for the lambda service', () => {
    const { stack, template } = synthStack(URL_ONLY);
    template.hasOutput('ApiUrl', {
      Description: 'GET this URL (SigV4-signed, service lambda) for a token of the default target; append /NAME for another target',
      Value: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack, stack.machine.functionUrl!), 'FunctionUrl'] }, 'token']] },
    });
  });

  it('refuses a stage throttle and an expected rate, which it has nothing to compare with', () => {
    expect(() => synthStack({ ...URL_ONLY, throttle: { rateLimit: 5, burstLimit: 10 }, expectedRequestsPerSecond: 5 })).toThrow(
      "Invalid setting 'throttle': a Function URL has no request throttle: reservedConcurrency bounds how many requests run at once. Leave throttle out, or give endpoint 'http' or 'rest' for a stage throttle.\n" +
        "Invalid setting 'expectedRequestsPerSecond': it is compared with the stage throttle, which a Function URL does not have. Leave it out, or give endpoint 'http' or 'rest'.",
    );
  });

  it('refuses the REST-only settings naming itself', () => {
    expect(() => synthStack({ ...URL_ONLY, apiGatewayCloudWatchRole: true })).toThrow(
      "Invalid setting 'apiGatewayCloudWatchRole': only a REST API needs the account's API Gateway logging role; a Function URL writes no access log. Leave it out.",
    );
  });

  it('says that it writes no access log when asked for one', () => {
    expect(() => synthStack(URL_ONLY).stack.machine.accessLogGroup).toThrow("A Function URL writes no access log: the function's own log group (fn.logGroup) is the only record of its requests.");
  });

  it('warns that any caller it admits reaches every target, when there are several', () => {
    const config = { targets: [{ name: 'a', url: 'https://www.arcgis.com', referer: 'https://a.example.com' }, { name: 'admin', url: 'https://gis.example.com/server', client: 'ip' as const, ip: '203.0.113.1' }] };
    expect(warnings({ ...URL_ONLY, config })).toEqual([
      `A Function URL grant reaches every target (a, admin): lambda:InvokeFunctionUrl cannot be scoped to a path. Use endpoint 'http' or 'rest' to grant callers one target each. [ack: ${WARNING.functionUrlReachesAllTargets}]`,
    ]);
    expect(warnings(URL_ONLY)).toEqual([]);
  });
});

describe('the REST API accessor', () => {
  it('names the front door in use when the construct has no REST API', () => {
    expect(() => synthStack().stack.machine.api).toThrow(
      "TokenVendingMachine.api is the REST API, and this one uses endpoint 'http': use tokenUrl, httpApi or functionUrl, or give endpoint 'rest'.",
    );
  });
});

describe('stage throttle against the expected rate', () => {
  it('carries the cost table\'s highest row (100 requests/s) with the default throttle, without a warning', () => {
    expect([warnings({ expectedRequestsPerSecond: 100 }), warnings({ endpoint: 'rest', expectedRequestsPerSecond: 100 })]).toEqual([[], []]);
  });

  it('warns when the expected rate exceeds the stage throttle, naming the setting to raise', () => {
    expect(warnings({ expectedRequestsPerSecond: 120.5, throttle: { rateLimit: 50, burstLimit: 100 } })).toEqual([
      `expectedRequestsPerSecond 120.5 exceeds the stage throttle's rateLimit 50: API Gateway will answer the excess with 429. Raise throttle.rateLimit (-c throttleRateLimit=121) or lower the expectation. [ack: ${WARNING.throttleBelowExpectedRate}]`,
    ]);
  });

  it('refuses an expected rate that is not a positive number', () => {
    expect(() => synthStack({ expectedRequestsPerSecond: 0 })).toThrow("Invalid setting 'expectedRequestsPerSecond': 0 must be a positive number of requests per second.");
  });
});

describe('API-key mode', () => {
  it('warns that a key reaches every target of the deployment', () => {
    expect(warnings({ endpoint: 'rest', auth: { mode: 'apiKey' } })).toEqual([
      `An API key reaches every target of this deployment (default): API Gateway checks the key, not the path. Deploy targets that need different callers separately, or use IAM auth and grantGetToken per target. [ack: ${WARNING.apiKeyReachesAllTargets}]`,
    ]);
  });
});

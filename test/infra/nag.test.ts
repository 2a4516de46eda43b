// cdk-nag AwsSolutions checks on the synthesized stack in each mode: no finding may stay
// unacknowledged, and every acknowledgement is one we meant, with a written reason.
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG, synthStack, type StackOverrides } from './synth.js';

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function findings(overrides: StackOverrides) {
  const { stack } = synthStack(overrides);
  return new AwsSolutionsChecks().validateScope(stack).violations.map((v) => ({ rule: v.ruleName, resources: v.violatingResources.map((r) => r.constructPath) }));
}

/** Every acknowledgement in the tree: construct path (below the stack), rule id and reason. */
function acknowledgements(overrides: StackOverrides): Array<{ path: string; id: string; reason: string }> {
  const { stack } = synthStack(overrides);
  const found: Array<{ path: string; id: string; reason: string }> = [];
  const visit = (node: IConstruct) => {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ path: node.node.path.replace(/^TestStack\/TokenVending\//, ''), id: id.replace(/^annotation::/i, ''), reason });
      }
    }
    node.node.children.forEach(visit);
  };
  visit(stack);
  return found;
}

const METHODS = ['Api/Default/token/GET', 'Api/Default/token/{target}/GET'];
const REST = { endpoint: 'rest' as const };
const REST_ACKS = [
  'Secret-default: AwsSolutions-SMG4',
  'Api/CloudWatchRole: AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
  'Api/DeploymentStage.v1: AwsSolutions-APIG3',
  ...METHODS.map((m) => `${m}: AwsSolutions-COG4`),
];
const ackIds = (overrides: StackOverrides) =>
  acknowledgements(overrides)
    .map((a) => `${a.path}: ${a.id}`)
    .sort();

describe('cdk-nag AwsSolutions', () => {
  it('has no unacknowledged finding in the default IAM mode', () => {
    expect(findings({})).toEqual([]);
  });

  it('has no unacknowledged finding with the example config (created and imported secrets)', () => {
    expect(findings({ config: EXAMPLE_CONFIG })).toEqual([]);
  });

  it('has no unacknowledged finding in API-key mode behind a VPC endpoint', () => {
    expect(findings({ ...REST, auth: { mode: 'apiKey', quotaPerDay: 10_000 }, vpcEndpointIds: ['vpce-0123456789abcdef0'] })).toEqual([]);
  });

  it('has no unacknowledged finding with every option on: keys, VPC, tracing, source maps, alarms by e-mail, accounts, WAF, caller-ip', () => {
    expect(
      findings({
        ...REST,
        config: {
          targets: [
            ...EXAMPLE_CONFIG.targets,
            { name: 'apps', url: 'https://www.arcgis.com', client: 'caller-ip' },
            { name: 'keyed', url: 'https://www.arcgis.com', referer: 'https://apps.example.com', secretName: 'prod/keyed', secretKmsKeyArn: KEY_ARN },
          ],
        },
        sourceMaps: true,
        kmsKeyArn: KEY_ARN,
        vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] },
        tracing: true,
        alarmEmail: 'ops@example.com',
        allowedAccounts: ['123456789012'],
        webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/api/0123',
        caBundlePath: 'test/infra/fixtures/private-ca.pem',
      }),
    ).toEqual([]);
  });

  it('acknowledges exactly the rotation, account logging role, WAF and Cognito findings of a REST API', () => {
    expect(ackIds(REST)).toEqual([...REST_ACKS].sort());
  });

  it('acknowledges API-key methods (APIG4) only in API-key mode', () => {
    expect(ackIds({ ...REST, auth: { mode: 'apiKey' } })).toEqual([...REST_ACKS, ...METHODS.map((m) => `${m}: AwsSolutions-APIG4`)].sort());
  });

  it.each([['http'], ['function-url']] as const)('has no unacknowledged finding with endpoint %s, acknowledging only the secret rotation', (endpoint) => {
    expect([findings({ endpoint }), ackIds({ endpoint })]).toEqual([[], ['Secret-default: AwsSolutions-SMG4']]);
  });

  it('has no unacknowledged finding with endpoint http and every option it takes: VPC, tracing, alarms, caller-ip, a customer key', () => {
    expect(
      findings({
        config: { targets: [...EXAMPLE_CONFIG.targets, { name: 'apps', url: 'https://www.arcgis.com', client: 'caller-ip' }] },
        kmsKeyArn: KEY_ARN,
        vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] },
        tracing: true,
        alarmEmail: 'ops@example.com',
      }),
    ).toEqual([]);
  });

  it('acknowledges wildcard resources only for the VPC, X-Ray and caller-ip statements that need them', () => {
    const acks = ackIds({
      config: { targets: [{ name: 'apps', url: 'https://www.arcgis.com', client: 'caller-ip' }] },
      vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] },
      tracing: true,
    }).filter((a) => a.includes('IAM5'));
    expect(acks).toEqual([
      'FunctionRole/DefaultPolicy: AwsSolutions-IAM5[Resource::*]',
      'FunctionRole: AwsSolutions-IAM5[Resource::*]',
      'FunctionRole: AwsSolutions-IAM5[Resource::arn:aws:ssm:eu-west-1:123456789012:parameter/arcgis-token-vending/apps/ip-*/token]',
    ]);
  });

  it('drops the WAF acknowledgement when a web ACL is associated', () => {
    expect(ackIds({ ...REST, webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/api/0123' })).not.toContain('Api/DeploymentStage.v1: AwsSolutions-APIG3');
  });

  it('gives every acknowledgement a reason of at least two sentences', () => {
    const all = [
      ...acknowledgements(REST),
      ...acknowledgements({ ...REST, auth: { mode: 'apiKey' } }),
      ...acknowledgements({ vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] }, tracing: true }),
    ];
    for (const { id, reason } of all) {
      expect({ id, long: reason.length >= 120, sentences: reason.split(/[.;:] /).length >= 2 }).toEqual({ id, long: true, sentences: true });
    }
  });
});

import type { CfnElement } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG, logicalId, only, synthStack } from './synth.js';

describe('TokenVendingStack outputs', () => {
  it('outputs the GET /token URL, each target secret, the parameter prefix and the function log group', () => {
    const { stack, template } = synthStack({ endpoint: 'rest' });
    const apiId = logicalId(stack, stack.machine.api);
    const stageId = stack.getLogicalId(stack.machine.api.deploymentStage.node.defaultChild as CfnElement);
    expect(Object.keys(template.findOutputs('*'))).toEqual(['ApiUrl', 'SecretNames', 'ParameterPrefix', 'FunctionLogGroup']);
    template.hasOutput('ApiUrl', {
      Value: { 'Fn::Join': ['', ['https://', { Ref: apiId }, '.execute-api.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/', { Ref: stageId }, '/token']] },
    });
    template.hasOutput('SecretNames', { Value: 'default=arcgis-token-vending/default' });
    template.hasOutput('ParameterPrefix', { Value: '/arcgis-token-vending' });
    template.hasOutput('FunctionLogGroup', { Value: { Ref: logicalId(stack, stack.machine.fn.logGroup as never) } });
  });

  it('lists created and imported secrets of every target', () => {
    const { template } = synthStack({ config: EXAMPLE_CONFIG });
    template.hasOutput('SecretNames', { Value: 'online=arcgis-token-vending/online enterprise=prod/arcgis-enterprise' });
  });

  it('describes the URL as SigV4-signed in IAM mode and as keyed in API-key mode', () => {
    expect(synthStack().template.findOutputs('ApiUrl').ApiUrl!.Description).toBe(
      'GET this URL (SigV4-signed, service execute-api) for a token of the default target; append /NAME for another target',
    );
    expect(synthStack({ endpoint: 'rest', auth: { mode: 'apiKey' } }).template.findOutputs('ApiUrl').ApiUrl!.Description).toBe(
      'GET this URL (with header x-api-key) for a token of the default target; append /NAME for another target',
    );
  });
});

describe('TokenVendingStack settings by id', () => {
  it('imports the customer key by ARN without creating one', () => {
    const { template } = synthStack({ kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' });
    template.resourceCountIs('AWS::KMS::Key', 0);
  });

  it('refuses a key alias ARN, saying why', () => {
    expect(() => synthStack({ kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:alias/tokens' })).toThrow(
      `Invalid setting 'kmsKeyArn': "arn:aws:kms:eu-west-1:123456789012:alias/tokens" is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID). Give the key's ARN, not an alias: IAM grants on an alias do not cover the key.`,
    );
  });

  it('refuses a topic ARN that is not one', () => {
    expect(() => synthStack({ alarmTopicArn: 'ops' })).toThrow(`Invalid setting 'alarmTopicArn': "ops" is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME).`);
  });

  it('refuses a VPC id that is not vpc-…', () => {
    expect(() => synthStack({ vpc: { vpcId: 'default', subnetIds: ['subnet-0123456789abcdef0'] } })).toThrow(`Invalid setting 'vpcId': "default" is not a VPC id (vpc-…).`);
  });

  it('refuses an empty subnet list', () => {
    expect(() => synthStack({ vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: [] } })).toThrow(
      "Invalid setting 'subnetIds': a function in VPC vpc-0123456789abcdef0 needs at least one subnet (give two in different Availability Zones).",
    );
  });

  it('refuses a subnet id that is not subnet-…', () => {
    expect(() => synthStack({ vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['sub-1'] } })).toThrow(`Invalid setting 'subnetIds': "sub-1" is not a subnet id (subnet-…).`);
  });

  it('refuses a security group id that is not sg-…', () => {
    expect(() => synthStack({ vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['default'] } })).toThrow(
      `Invalid setting 'securityGroupIds': "default" is not a security group id (sg-…).`,
    );
  });

  it('synthesizes with subnets given by id without CDK warnings', () => {
    const { stack } = synthStack({ vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] } });
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('imports the VPC by id without a lookup, so synth needs no AWS credentials', () => {
    const { template } = synthStack({ vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] } });
    expect(only(template, 'AWS::EC2::SecurityGroup').properties.VpcId).toBe('vpc-0123456789abcdef0');
    template.resourceCountIs('AWS::EC2::VPC', 0);
  });
});

// The app's stack: one TokenVendingMachine, with the settings that arrive as plain strings from CDK
// context (key ARN, VPC and subnet ids, topic ARN) turned into constructs, and the outputs an
// operator needs after `cdk deploy`.
import { Annotations, CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import { SecurityGroup, Subnet, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ConfigurationError } from '../lambda/domain/errors.js';
import { KMS_KEY_ARN } from './deployment-config.js';
import { TokenVendingMachine, type TokenVendingMachineProps } from './token-vending-machine.js';

/** Network settings by id, for a function that must reach an ArcGIS site inside a VPC. */
export interface TokenVendingVpcSettings {
  readonly vpcId: string;
  /** Subnets for the function's network interfaces; they need a route to SSM, Secrets Manager (and KMS) endpoints or a NAT. */
  readonly subnetIds: readonly string[];
  /** @default - a new security group allowing all outbound traffic */
  readonly securityGroupIds?: readonly string[];
}

export type TokenVendingStackProps = StackProps &
  Omit<TokenVendingMachineProps, 'kmsKey' | 'vpc' | 'vpcSubnets' | 'securityGroups' | 'alarmTopic'> & {
    /** Customer-managed KMS key ARN for the token parameters. @default - aws/ssm */
    readonly kmsKeyArn?: string;
    /** @default - no VPC */
    readonly vpc?: TokenVendingVpcSettings;
    /** Existing SNS topic ARN for alarm notifications. @default - none */
    readonly alarmTopicArn?: string;
  };

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;

export class TokenVendingStack extends Stack {
  public readonly machine: TokenVendingMachine;

  constructor(scope: Construct, id: string, props: TokenVendingStackProps) {
    super(scope, id, props);
    const { kmsKeyArn, vpc, alarmTopicArn, ...machineProps } = props;

    if (kmsKeyArn !== undefined && !KMS_KEY_ARN.test(kmsKeyArn)) {
      throw new ConfigurationError(
        `Invalid setting 'kmsKeyArn': ${JSON.stringify(kmsKeyArn)} is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID). Give the key's ARN, not an alias: IAM grants on an alias do not cover the key.`,
      );
    }
    if (alarmTopicArn !== undefined && !TOPIC_ARN.test(alarmTopicArn)) {
      throw new ConfigurationError(`Invalid setting 'alarmTopicArn': ${JSON.stringify(alarmTopicArn)} is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME).`);
    }
    if (vpc !== undefined) checkVpcSettings(vpc);

    this.machine = new TokenVendingMachine(this, 'TokenVending', {
      ...machineProps,
      ...(kmsKeyArn === undefined ? {} : { kmsKey: Key.fromKeyArn(this, 'TokenKey', kmsKeyArn) }),
      ...(alarmTopicArn === undefined ? {} : { alarmTopic: Topic.fromTopicArn(this, 'AlarmTopic', alarmTopicArn) }),
      ...(vpc === undefined ? {} : networkProps(this, vpc)),
    });

    const machine = this.machine;
    const signing = props.auth?.mode === 'apiKey' ? 'with header x-api-key' : `SigV4-signed, service ${machine.endpoint === 'function-url' ? 'lambda' : 'execute-api'}`;
    new CfnOutput(this, 'ApiUrl', {
      description: `GET this URL (${signing}) for a token of the default target; append /NAME for another target`,
      value: machine.tokenUrl,
    });
    new CfnOutput(this, 'SecretNames', {
      description: 'Secrets Manager secret of each target (target=secret), each holding {"username":…,"password":…}',
      value: Object.entries(machine.secretNames)
        .map(([target, secret]) => `${target}=${secret}`)
        .join(' '),
    });
    new CfnOutput(this, 'ParameterPrefix', {
      description: 'SSM path of the cached tokens (SecureString)',
      value: machine.config.parameterPrefix,
    });
    new CfnOutput(this, 'FunctionLogGroup', {
      description: 'Log group of the token function',
      value: machine.fn.logGroup.logGroupName,
    });
    if (machine.apiKey !== undefined) {
      new CfnOutput(this, 'ApiKeyId', {
        description: 'Read the key with: aws apigateway get-api-key --include-value --query value --output text --api-key <this id>',
        value: machine.apiKey.keyId,
      });
    }
    if (machine.alarmTopic !== undefined) {
      new CfnOutput(this, 'AlarmTopicArn', { description: 'SNS topic of the alarms', value: machine.alarmTopic.topicArn });
    }
  }
}

function checkVpcSettings(vpc: TokenVendingVpcSettings): void {
  if (!VPC_ID.test(vpc.vpcId)) throw new ConfigurationError(`Invalid setting 'vpcId': ${JSON.stringify(vpc.vpcId)} is not a VPC id (vpc-…).`);
  if (vpc.subnetIds.length === 0) {
    throw new ConfigurationError(`Invalid setting 'subnetIds': a function in VPC ${vpc.vpcId} needs at least one subnet (give two in different Availability Zones).`);
  }
  const badSubnets = vpc.subnetIds.filter((id) => !SUBNET_ID.test(id));
  if (badSubnets.length > 0) throw new ConfigurationError(`Invalid setting 'subnetIds': ${badSubnets.map((id) => JSON.stringify(id)).join(', ')} is not a subnet id (subnet-…).`);
  const badGroups = (vpc.securityGroupIds ?? []).filter((id) => !SECURITY_GROUP_ID.test(id));
  if (badGroups.length > 0) {
    throw new ConfigurationError(`Invalid setting 'securityGroupIds': ${badGroups.map((id) => JSON.stringify(id)).join(', ')} is not a security group id (sg-…).`);
  }
}

/**
 * Imports the VPC by id without a lookup, so synth stays offline: the function only needs the
 * subnet and security group ids, and the VPC id for a security group it creates.
 */
function networkProps(scope: Construct, settings: TokenVendingVpcSettings): Pick<TokenVendingMachineProps, 'vpc' | 'vpcSubnets' | 'securityGroups'> {
  // The zones are never used (the subnets are given by id); the attribute is mandatory.
  const vpc = Vpc.fromVpcAttributes(scope, 'Vpc', { vpcId: settings.vpcId, availabilityZones: Fn.getAzs() });
  Annotations.of(vpc).acknowledgeWarning(
    '@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones',
    'Only the VPC id is used (for a security group); subnets are given by id, never selected by zone.',
  );
  const subnets = settings.subnetIds.map((id, index) => {
    const subnet = Subnet.fromSubnetId(scope, `Subnet${index}`, id);
    Annotations.of(subnet).acknowledgeWarning('@aws-cdk/aws-ec2:noSubnetRouteTableId', 'Lambda needs only the subnet id; no route table is read.');
    return subnet;
  });
  return {
    vpc,
    vpcSubnets: { subnets },
    ...(settings.securityGroupIds === undefined || settings.securityGroupIds.length === 0
      ? {}
      : { securityGroups: settings.securityGroupIds.map((id, index) => SecurityGroup.fromSecurityGroupId(scope, `SecurityGroup${index}`, id)) }),
  };
}

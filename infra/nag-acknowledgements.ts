// The cdk-nag AwsSolutions findings this design accepts, each acknowledged on the one construct it
// concerns with the reason it does not apply. Anything else fails synth.
import { Stack, Validations } from 'aws-cdk-lib';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { ServiceConfig } from '../lambda/domain/config/schema.js';
import { callerParametersPattern } from '../lambda/domain/ssm-layout.js';
import type { AnyFrontDoor } from './front-doors.js';
import type { TokenVendingAuth } from './machine-settings.js';

export function acknowledgeFindings(
  scope: Construct,
  options: { auth: TokenVendingAuth; frontDoor: AnyFrontDoor; role: Role; config: ServiceConfig; vpc: boolean; tracing: boolean; webAcl: boolean },
): void {
  const { frontDoor, role, config } = options;
  if (frontDoor.endpoint === 'rest') {
    for (const method of frontDoor.methods) {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason:
          options.auth.mode === 'iam'
            ? 'Callers are AWS workloads and people with AWS identities: the method uses IAM (SigV4) authorization, and each caller needs execute-api:Invoke on it in its own IAM policy. There are no end users to sign in to a Cognito user pool.'
            : 'Callers are apps outside AWS identified by an API key with a per-key usage plan; there are no end users to sign in to a Cognito user pool.',
      });
      if (options.auth.mode === 'apiKey') {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'API-key mode is chosen for callers that have no AWS identity: API Gateway rejects requests without a valid key (apiKeyRequired), and the usage plan throttles and optionally caps each key. Use the default IAM mode wherever callers can sign requests.',
        });
      }
    }
    if (!options.webAcl) {
      Validations.of(frontDoor.api.deploymentStage).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'Every request is authenticated (IAM or API key) and throttled at the stage, and the API serves one GET with no body to parse; a web ACL costs at least $5 a month plus per-request fees. Give webAclArn to associate one where policy requires WAF.',
      });
    }
    const cloudWatchRole = frontDoor.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole !== undefined) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'This is the account-level role API Gateway itself assumes to write execution and access logs (AWS::ApiGateway::Account). AWS documents this managed policy for it; the log groups it writes are named by API Gateway per API and stage, so they cannot be listed in advance.',
      });
    }
  }
  if (options.vpc) {
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the EC2 network-interface actions Lambda needs to attach the function to the VPC (those of the AWS-managed AWSLambdaVPCAccessExecutionRole) use Resource "*": ec2:Describe* has no resource-level permissions, and Lambda creates and deletes the interfaces itself in the configured subnets.',
    });
  }
  const stack = Stack.of(scope);
  for (const target of config.targets.filter((t) => t.client === 'caller-ip')) {
    // cdk-nag names the finding by the ARN as rendered, pseudo parameters written as <AWS::…>.
    const part = (value: string): string => {
      const resolved: unknown = stack.resolve(value);
      return typeof resolved === 'string' ? resolved : `<${(resolved as { Ref: string }).Ref}>`;
    };
    const pattern = `arn:${part(stack.partition)}:ssm:${part(stack.region)}:${part(stack.account)}:parameter${callerParametersPattern(config.parameterPrefix, target.name)}/token`;
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${pattern}]`,
      reason: `Target "${target.name}" uses client caller-ip: the function keeps one token per calling app (IPv4 address or IPv6 /64) under ${config.parameterPrefix}/${target.name}/ip-<caller>/token, and the callers are only known when apps call (at most maxCallers at once). The wildcard stays inside this target's own path.`,
    });
  }
  if (options.tracing) {
    const defaultPolicy = role.node.tryFindChild('DefaultPolicy');
    if (defaultPolicy !== undefined) {
      Validations.of(defaultPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'xray:PutTraceSegments and xray:PutTelemetryRecords, added for active tracing, support no resource-level permissions; Resource "*" is what AWS documents for them.',
      });
    }
  }
}

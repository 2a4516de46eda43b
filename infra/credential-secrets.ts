// One credentials secret per target, created or imported by name (shared when two targets name
// one). A created secret survives renames and stack deletion: its construct id, and so its logical
// id, comes from the secret's name, and it is retained rather than deleted, because it holds a
// password only ArcGIS can reset and that nobody may have written down elsewhere.
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { SERVICE_NAME, type ValidatedDeployment } from './deployment-config.js';

export interface CredentialSecrets {
  /** The secret of each target, by target name. */
  readonly secrets: Record<string, ISecret>;
  readonly secretNames: Record<string, string>;
  /** What each target's secretId is in the function's configuration, in target order. */
  readonly secretIds: string[];
  /** Each secret's ARN (an imported one as a pattern), once. */
  readonly secretArns: string[];
  /** Customer-managed keys of imported secrets: key ARN -> the secret ARNs (patterns) it decrypts. */
  readonly secretKeys: Map<string, Set<string>>;
}

/**
 * The construct id of a secret: from its name, never from the target that uses it. For a created
 * secret (arcgis-token-vending/NAME) it is `Secret-NAME`, the id it has always had, so existing
 * stacks keep their secrets' logical ids.
 */
export function secretConstructId(kind: 'created' | 'imported', secretName: string): string {
  if (kind === 'imported') return `ImportedSecret-${secretName}`;
  const prefix = `${SERVICE_NAME}/`;
  return `Secret-${secretName.startsWith(prefix) ? secretName.slice(prefix.length) : secretName}`;
}

export function createCredentialSecrets(scope: Construct, deployment: ValidatedDeployment): CredentialSecrets {
  const result: CredentialSecrets = { secrets: {}, secretNames: {}, secretIds: [], secretArns: [], secretKeys: new Map() };
  const imported = new Map<string, ISecret>();
  for (const { input, secret } of deployment.targets) {
    let construct: ISecret;
    if (secret.kind === 'created') {
      const created = new Secret(scope, secretConstructId('created', secret.name), {
        secretName: secret.name,
        description: `ArcGIS credentials for target "${input.name}". Store them as JSON: aws secretsmanager put-secret-value --secret-id ${secret.name} --secret-string '{"username":"…","password":"…"}' (or {"clientId":"…","clientSecret":"…"} for app credentials)`,
      });
      // Kept when the stack is deleted, when a target is renamed (the new name gets a new secret)
      // and when CloudFormation would replace it: point a renamed target at it with secretName.
      created.applyRemovalPolicy(RemovalPolicy.RETAIN);
      Validations.of(created).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'The secret holds the password of an ArcGIS account, which only ArcGIS can change; Secrets Manager rotation cannot reset it. Operators rotate by changing the password in ArcGIS and writing it with put-secret-value (README: Rotate the ArcGIS credentials); the function reads the new version on its next login.',
      });
      construct = created;
      result.secretIds.push(created.secretArn);
      result.secretArns.push(created.secretArn);
    } else {
      const existing = imported.get(secret.name);
      construct = existing ?? Secret.fromSecretNameV2(scope, secretConstructId('imported', secret.name), secret.name);
      // A secret imported by name has a partial ARN; Secrets Manager appends "-" and 6 random characters.
      const arnPattern = construct.secretFullArn ?? `${construct.secretArn}-??????`;
      if (existing === undefined) {
        imported.set(secret.name, construct);
        result.secretArns.push(arnPattern);
      }
      if (secret.kmsKeyArn !== undefined) {
        const arns = result.secretKeys.get(secret.kmsKeyArn) ?? new Set<string>();
        result.secretKeys.set(secret.kmsKeyArn, arns.add(arnPattern));
      }
      result.secretIds.push(secret.name);
    }
    result.secrets[input.name] = construct;
    result.secretNames[input.name] = secret.name;
  }
  return result;
}

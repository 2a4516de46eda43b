// Credentials from AWS Secrets Manager. The secret holds JSON {"username": …, "password": …}.
// Errors name the secret and what is wrong with its shape, never its content.
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretError } from '../domain/errors.js';
import type { CredentialSource, Credentials } from '../domain/ports.js';
import { parseCredentialsJson } from './credentials-json.js';

export class SecretsManagerCredentialSource implements CredentialSource {
  constructor(private readonly client: SecretsManagerClient) {}

  async read(secretId: string): Promise<{ credentials: Credentials; version: string }> {
    let output;
    try {
      output = await this.client.send(new GetSecretValueCommand({ SecretId: secretId }));
    } catch (error) {
      throw new SecretError(describeSdkFailure(secretId, error), { cause: error });
    }
    if (output.SecretString === undefined) {
      throw new SecretError(`Secret "${secretId}" holds binary data, not a JSON string. ${PUT_HINT(secretId)}`);
    }
    return { credentials: parseCredentialsJson(output.SecretString, `secret "${secretId}"`, PUT_HINT(secretId)), version: output.VersionId ?? 'unknown' };
  }
}

const PUT_HINT = (secretId: string): string =>
  `Store the credentials with: aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string '{"username":"…","password":"…"}' (or '{"clientId":"…","clientSecret":"…"}')`;

const CMK_HINT =
  'If it is an existing secret encrypted with a customer-managed KMS key, give that key\'s ARN as the target\'s secretKmsKeyArn in the deployment configuration (the stack then grants kms:Decrypt through Secrets Manager), and let the key policy allow IAM policies of this account.';

function describeSdkFailure(secretId: string, error: unknown): string {
  const name = error instanceof Error ? error.name : 'UnknownError';
  switch (name) {
    case 'ResourceNotFoundException':
      return `Secret "${secretId}" does not exist (or has no value yet) in this account and Region. Create it, or ${PUT_HINT(secretId).charAt(0).toLowerCase()}${PUT_HINT(secretId).slice(1)}`;
    case 'AccessDeniedException':
      return `The function may not read secret "${secretId}" (AccessDenied): grant its role secretsmanager:GetSecretValue on the secret. ${CMK_HINT}`;
    case 'DecryptionFailure':
      return `Secret "${secretId}" could not be decrypted: the function's role needs kms:Decrypt on the secret's KMS key. ${CMK_HINT}`;
    case 'InvalidRequestException':
      return `Secret "${secretId}" cannot be read now (it may be scheduled for deletion): restore it or point the target at another secret.`;
    default:
      return `Reading secret "${secretId}" failed (${name}); the service will try again on the next request.`;
  }
}

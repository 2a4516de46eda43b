import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerCredentialSource } from '../../lambda/adapters/secrets-manager-credentials.js';
import { SecretError } from '../../lambda/domain/errors.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';

const sm = mockClient(SecretsManagerClient);
const source = () => new SecretsManagerCredentialSource(new SecretsManagerClient({ region: 'eu-west-1' }));

async function failure(): Promise<SecretError> {
  const error = await source().read('arcgis/main').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SecretError);
  return error as SecretError;
}

beforeEach(() => sm.reset());

describe('SecretsManagerCredentialSource', () => {
  it('reads username, password and the version id', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'arcgis/main' }).resolves({ SecretString: JSON.stringify(FAKE), VersionId: 'ver-1' });
    expect(await source().read('arcgis/main')).toEqual({ credentials: { kind: 'user', username: FAKE.username, password: FAKE.password, manual: undefined }, version: 'ver-1' });
    expect(sm).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: 'arcgis/main' });
  });

  it('names the secret and never its content when the value is not JSON', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: `user=${FAKE.username} pass=${FAKE.password}`, VersionId: 'v' });
    const error = await failure();
    expect(error.message).toBe(`The secret "arcgis/main" is not JSON. Store the credentials with: aws secretsmanager put-secret-value --secret-id arcgis/main --secret-string '{"username":"…","password":"…"}' (or '{"clientId":"…","clientSecret":"…"}')`);
    expect(error.message).not.toContain(FAKE.password);
  });

  it('lists the missing or wrong fields, without values', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: FAKE.username, pasword: FAKE.password }), VersionId: 'v' });
    const error = await failure();
    expect(error.message).toContain('The secret "arcgis/main" lacks "password". It must hold {"username","password"} for a built-in ArcGIS account');
    expect(error.message).not.toContain(FAKE.password);
    expect(error.message).not.toContain(FAKE.username);
  });

  it('refuses a password that is not a string without echoing it', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'fake-user', password: 987654321 }), VersionId: 'v' });
    const error = await failure();
    expect(error.message).toContain('has fields of the wrong type: password.');
    expect(error.message).not.toContain('987654321');
  });

  it('explains a missing secret', async () => {
    sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }));
    expect((await failure()).message).toBe(
      `Secret "arcgis/main" does not exist (or has no value yet) in this account and Region. Create it, or store the credentials with: aws secretsmanager put-secret-value --secret-id arcgis/main --secret-string '{"username":"…","password":"…"}' (or '{"clientId":"…","clientSecret":"…"}')`,
    );
  });

  it('explains access denied with the permission to grant', async () => {
    sm.on(GetSecretValueCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    expect((await failure()).message).toBe(
      'The function may not read secret "arcgis/main" (AccessDenied): grant its role secretsmanager:GetSecretValue on the secret. If it is an existing secret encrypted with a customer-managed KMS key, give that key\'s ARN as the target\'s secretKmsKeyArn in the deployment configuration (the stack then grants kms:Decrypt through Secrets Manager), and let the key policy allow IAM policies of this account.',
    );
  });

  it('explains a secret its key will not decrypt with the setting that grants it', async () => {
    sm.on(GetSecretValueCommand).rejects(Object.assign(new Error('Access to KMS is not allowed'), { name: 'DecryptionFailure' }));
    const error = await failure();
    expect(error.message).toBe(
      'Secret "arcgis/main" could not be decrypted: the function\'s role needs kms:Decrypt on the secret\'s KMS key. If it is an existing secret encrypted with a customer-managed KMS key, give that key\'s ARN as the target\'s secretKmsKeyArn in the deployment configuration (the stack then grants kms:Decrypt through Secrets Manager), and let the key policy allow IAM policies of this account.',
    );
  });

  it('refuses a binary secret', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2]), VersionId: 'v' });
    expect((await failure()).message).toContain('holds binary data, not a JSON string');
  });

  it('reads app credentials (OAuth)', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ clientId: 'fake-client', clientSecret: 'fake-client-secret' }), VersionId: 'v2' });
    expect((await source().read('arcgis/main')).credentials).toEqual({ kind: 'app', clientId: 'fake-client', clientSecret: 'fake-client-secret', manual: undefined });
  });

  it('reads a manual token alone, with its expiry as ms or ISO 8601', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ manualToken: 'fake-manual-token', manualTokenExpires: '2027-01-31T00:00:00Z' }), VersionId: 'v3' });
    expect((await source().read('arcgis/main')).credentials).toEqual({ kind: 'manual', manual: { token: 'fake-manual-token', expires: Date.parse('2027-01-31T00:00:00Z') } });
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ ...FAKE, manualToken: 'fake-manual-token', manualTokenExpires: 1801526400000 }), VersionId: 'v4' });
    expect((await source().read('arcgis/main')).credentials).toEqual({ kind: 'user', username: FAKE.username, password: FAKE.password, manual: { token: 'fake-manual-token', expires: 1801526400000 } });
  });

  it.each([
    [{ username: 'u', password: 'fake-p', clientId: 'c', clientSecret: 'fake-s' }, 'holds both a user login and app credentials; keep one'],
    [{ clientId: 'c' }, 'lacks "clientSecret"'],
    [{ manualToken: 'fake-manual-token' }, 'has "manualToken" without "manualTokenExpires"'],
    [{ manualToken: 'fake-manual-token', manualTokenExpires: 'next week' }, 'has fields of the wrong type: manualTokenExpires'],
    [{}, 'holds no credentials'],
  ])('refuses %j: %s', async (value, problem) => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(value), VersionId: 'v' });
    const error = await failure();
    expect(error.message).toMatch(new RegExp(`^The secret "arcgis/main" ${problem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\. It must hold`));
    expect(error.message).not.toContain('fake-');
  });
});

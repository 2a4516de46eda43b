import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerCredentialSource } from '../../lambda/adapters/secrets-manager-credentials.js';
import { SecretError } from '../../lambda/errors.js';
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
    expect(await source().read('arcgis/main')).toEqual({ credentials: { username: FAKE.username, password: FAKE.password }, version: 'ver-1' });
    expect(sm).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: 'arcgis/main' });
  });

  it('names the secret and never its content when the value is not JSON', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: `user=${FAKE.username} pass=${FAKE.password}`, VersionId: 'v' });
    const error = await failure();
    expect(error.message).toBe(`The secret "arcgis/main" is not JSON. Store the credentials with: aws secretsmanager put-secret-value --secret-id arcgis/main --secret-string '{"username":"…","password":"…"}'`);
    expect(error.message).not.toContain(FAKE.password);
  });

  it('lists the missing or wrong fields, without values', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: FAKE.username, pasword: FAKE.password }), VersionId: 'v' });
    const error = await failure();
    expect(error.message).toContain('must be a JSON object with non-empty string fields "username" and "password"; wrong or missing: password.');
    expect(error.message).not.toContain(FAKE.password);
    expect(error.message).not.toContain(FAKE.username);
  });

  it('refuses a password that is not a string without echoing it', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: 'fake-user', password: 987654321 }), VersionId: 'v' });
    const error = await failure();
    expect(error.message).toContain('wrong or missing: password.');
    expect(error.message).not.toContain('987654321');
  });

  it('explains a missing secret', async () => {
    sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }));
    expect((await failure()).message).toBe(
      `Secret "arcgis/main" does not exist (or has no value yet) in this account and Region. Create it, or store the credentials with: aws secretsmanager put-secret-value --secret-id arcgis/main --secret-string '{"username":"…","password":"…"}'`,
    );
  });

  it('explains access denied with the permission to grant', async () => {
    sm.on(GetSecretValueCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    expect((await failure()).message).toContain('grant its role secretsmanager:GetSecretValue on the secret');
  });

  it('refuses a binary secret', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2]), VersionId: 'v' });
    expect((await failure()).message).toContain('holds binary data, not a JSON string');
  });
});

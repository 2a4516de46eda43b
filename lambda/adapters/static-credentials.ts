// The local stand-in for Secrets Manager: credentials given at start-up (from environment
// variables), keyed by the secretId the target names.
import { SecretError } from '../domain/errors.js';
import type { CredentialSource, Credentials } from '../domain/ports.js';

export class StaticCredentialSource implements CredentialSource {
  constructor(private readonly secrets: ReadonlyMap<string, Credentials>) {}

  async read(secretId: string): Promise<{ credentials: Credentials; version: string }> {
    const credentials = this.secrets.get(secretId);
    if (credentials === undefined) {
      throw new SecretError(`No local credentials for secret "${secretId}": set ARCGIS_USERNAME and ARCGIS_PASSWORD.`);
    }
    return { credentials, version: 'local' };
  }
}

// The shared token cache: one SSM SecureString per target, `${prefix}/${target}/token`, holding
// the CachedToken as JSON. Standard tier (4 KB, free) is ample: a token record is a few hundred bytes.
import { GetParameterCommand, ParameterType, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { CachedTokenSchema, type CachedToken } from '../core/cached-token.js';
import type { Log, TokenStore } from '../core/ports.js';

export function tokenParameterName(prefix: string, targetName: string): string {
  return `${prefix}/${targetName}/token`;
}

export class SsmTokenStore implements TokenStore {
  constructor(
    private readonly client: SSMClient,
    private readonly prefix: string,
    private readonly log: Log,
  ) {}

  async get(targetName: string): Promise<CachedToken | undefined> {
    const name = tokenParameterName(this.prefix, targetName);
    let value: string | undefined;
    try {
      const output = await this.client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      value = output.Parameter?.Value;
    } catch (error) {
      if (error instanceof Error && error.name === 'ParameterNotFound') return undefined;
      throw error;
    }
    if (value === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(value);
    } catch {
      json = undefined;
    }
    const parsed = CachedTokenSchema.safeParse(json);
    if (!parsed.success) {
      // Someone edited the parameter, or an older release wrote it: a miss, fixed by the next write.
      this.log.warn('cached token parameter is not a valid token record; ignoring it', { parameter: name });
      return undefined;
    }
    return parsed.data;
  }

  async put(targetName: string, token: CachedToken): Promise<void> {
    await this.client.send(
      new PutParameterCommand({
        Name: tokenParameterName(this.prefix, targetName),
        Value: JSON.stringify(token),
        Type: ParameterType.SECURE_STRING,
        Overwrite: true,
        Description: 'ArcGIS token cached by arcgis-token-vending (written by the function; do not edit)',
      }),
    );
  }
}

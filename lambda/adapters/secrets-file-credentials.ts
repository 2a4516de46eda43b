// The local stand-in for Secrets Manager when SECRETS_FILE is set: a JSON object mapping each
// secretId to its credentials, read again on every read (the token service's cache bounds how
// often), so an edited file acts like a new secret version in AWS. The version is a hash of the
// entry's content: it changes exactly when that target's credentials do, which is what ends a
// login pause after ArcGIS rejected the old ones.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SecretError } from '../domain/errors.js';
import { parseJsonOrUndefined } from '../domain/parse-json-or-undefined.js';
import type { CredentialSource, Credentials } from '../domain/ports.js';
import { parseCredentials } from './credentials-json.js';

export const SECRETS_FILE_SHAPE = 'a JSON object mapping each secretId to {"username","password"}';

export class SecretsFileCredentialSource implements CredentialSource {
  constructor(private readonly path: string) {}

  async read(secretId: string): Promise<{ credentials: Credentials; version: string }> {
    const entries = await this.entries();
    if (!Object.hasOwn(entries, secretId)) throw new SecretError(`SECRETS_FILE (${this.path}) has no credentials for secretId "${secretId}".`);
    const entry = entries[secretId];
    const credentials = parseCredentials(entry, `entry "${secretId}" of SECRETS_FILE`, 'Give it {"username":"…","password":"…"}.');
    // Of the parsed entry, so white space or key order elsewhere in the file changes nothing.
    const version = createHash('sha256').update(JSON.stringify(entry)).digest('hex').slice(0, 16);
    return { credentials, version };
  }

  private async entries(): Promise<Record<string, unknown>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      throw new SecretError(`SECRETS_FILE ${this.path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
    }
    const file = parseJsonOrUndefined(text);
    // Never the parser's message: it quotes the text around the error, which holds passwords.
    if (file === undefined) throw new SecretError(`SECRETS_FILE ${this.path} is not valid JSON.`);
    if (typeof file !== 'object' || file === null || Array.isArray(file)) throw new SecretError(`SECRETS_FILE (${this.path}) must be ${SECRETS_FILE_SHAPE}.`);
    return file as Record<string, unknown>;
  }
}

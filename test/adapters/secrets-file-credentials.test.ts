// SECRETS_FILE as the local Secrets Manager: read on every call, with a version that changes exactly
// when the entry's content does (what ends a login pause), and errors that never quote the file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretsFileCredentialSource } from '../../lambda/adapters/secrets-file-credentials.js';
import { SecretError } from '../../lambda/domain/errors.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atv-secrets-file-'));
  path = join(dir, 'secrets.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (value: unknown, indent?: number) => writeFileSync(path, JSON.stringify(value, null, indent));

describe('SecretsFileCredentialSource', () => {
  it('reads the file again on every call: an edit gives new credentials and a new version', async () => {
    const source = new SecretsFileCredentialSource(path);
    write({ a: { username: 'fake-user', password: 'fake-old-password' } });
    const first = await source.read('a');
    write({ a: { username: 'fake-user', password: 'fake-new-password' } });
    const second = await source.read('a');
    expect([first.credentials, second.credentials]).toEqual([
      { kind: 'user', username: 'fake-user', password: 'fake-old-password', manual: undefined },
      { kind: 'user', username: 'fake-user', password: 'fake-new-password', manual: undefined },
    ]);
    expect(second.version).not.toBe(first.version);
    expect(first.version).toMatch(/^[0-9a-f]{16}$/);
  });

  it('keeps the version when the entry is unchanged, however the file is laid out or what else changed', async () => {
    const source = new SecretsFileCredentialSource(path);
    write({ a: { username: 'fake-user', password: 'fake-pw' }, b: { username: 'x', password: 'fake-1' } });
    const before = (await source.read('a')).version;
    write({ a: { username: 'fake-user', password: 'fake-pw' }, b: { username: 'x', password: 'fake-2' } }, 2);
    expect((await source.read('a')).version).toBe(before);
  });

  it.each<[string, () => void, string]>([
    ['a missing file', () => undefined, `SECRETS_FILE PATH cannot be read (ENOENT).`],
    ['a file that is not JSON', () => writeFileSync(path, '{"a":{"password":"fake-leaky-password"'), 'SECRETS_FILE PATH is not valid JSON.'],
    ['an array', () => write([{ password: 'fake-leaky-password' }]), 'SECRETS_FILE (PATH) must be a JSON object mapping each secretId to {"username","password"}.'],
    ['no entry for the secretId', () => write({ b: { username: 'u', password: 'fake-leaky-password' } }), 'SECRETS_FILE (PATH) has no credentials for secretId "a".'],
  ])('refuses %s with a SecretError that does not quote it', async (_name, arrange, message) => {
    arrange();
    const error = await new SecretsFileCredentialSource(path).read('a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretError);
    expect((error as Error).message).toBe(message.replace('PATH', path));
  });

  it('does not take Object.prototype members for entries (secretId "__proto__" or "toString")', async () => {
    write({});
    const source = new SecretsFileCredentialSource(path);
    for (const id of ['__proto__', 'toString']) {
      await expect(source.read(id)).rejects.toThrow(`SECRETS_FILE (${path}) has no credentials for secretId "${id}".`);
    }
  });
});

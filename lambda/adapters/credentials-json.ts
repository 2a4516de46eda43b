// The credentials secret's shape, validated wherever credentials enter. Messages list the fields
// that are wrong, never a value: zod's own messages could echo what it received.
import * as z from 'zod';
import { SecretError } from '../errors.js';
import type { Credentials } from '../core/ports.js';

const CredentialsSchema = z.object({
  username: z.string().min(1),
  password: z.string().min(1),
});

export function parseCredentialsJson(raw: string, where: string, fix: string): Credentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new SecretError(`The ${where} is not JSON. ${fix}`);
  }
  return parseCredentials(parsed, where, fix);
}

export function parseCredentials(parsed: unknown, where: string, fix: string): Credentials {
  const result = CredentialsSchema.safeParse(parsed);
  if (!result.success) {
    const fields = [...new Set(result.error.issues.map((issue) => (issue.path.length > 0 ? String(issue.path[0]) : '(whole value)')))];
    throw new SecretError(`The ${where} must be a JSON object with non-empty string fields "username" and "password"; wrong or missing: ${fields.join(', ')}. ${fix}`);
  }
  return { username: result.data.username, password: result.data.password };
}

// The credentials secret's shape, validated wherever credentials enter. Messages list the fields
// that are wrong, never a value: zod's own messages could echo what it received.
import * as z from 'zod/mini';
import '../domain/config/zod-locale.js';
import { lazySchema } from '../domain/config/lazy-schema.js';
import { SecretError } from '../domain/errors.js';
import { parseJsonOrUndefined } from '../domain/parse-json-or-undefined.js';
import type { Credentials, ManualToken } from '../domain/ports.js';

const nonEmpty = lazySchema(() =>
  z.string().check(z.minLength(1)),
);

const ManualFields = lazySchema(() =>
  z.object({
    manualToken: z.optional(nonEmpty),
    /** ms since epoch, or an ISO 8601 date */
    manualTokenExpires: z.optional(z.union([z.number().check(z.int(), z.positive()), z.iso.datetime({ offset: true })])),
  }),
);

const SecretSchema = lazySchema(() =>
  z.extend(ManualFields, {
    username: z.optional(nonEmpty),
    password: z.optional(nonEmpty),
    clientId: z.optional(nonEmpty),
    clientSecret: z.optional(nonEmpty),
  }),
);

const SHAPES = '{"username","password"} for a built-in ArcGIS account, {"clientId","clientSecret"} for app credentials (OAuth), and/or {"manualToken","manualTokenExpires"} for an administrator-issued token';

export function parseCredentialsJson(raw: string, where: string, fix: string): Credentials {
  const parsed = parseJsonOrUndefined(raw);
  if (parsed === undefined) throw new SecretError(`The ${where} is not JSON. ${fix}`);
  return parseCredentials(parsed, where, fix);
}

export function parseCredentials(parsed: unknown, where: string, fix: string): Credentials {
  const result = SecretSchema.safeParse(parsed);
  const refuse = (problem: string) => new SecretError(`The ${where} ${problem}. It must hold ${SHAPES}. ${fix}`);
  if (!result.success) {
    const fields = [...new Set(result.error.issues.map((issue) => (issue.path.length > 0 ? String(issue.path[0]) : '(whole value)')))];
    throw refuse(`has fields of the wrong type: ${fields.join(', ')}`);
  }
  const s = result.data;
  const hasUser = s.username !== undefined || s.password !== undefined;
  const hasApp = s.clientId !== undefined || s.clientSecret !== undefined;
  if (hasUser && hasApp) throw refuse('holds both a user login and app credentials; keep one');
  if (hasUser && (s.username === undefined || s.password === undefined)) throw refuse(`lacks "${s.username === undefined ? 'username' : 'password'}"`);
  if (hasApp && (s.clientId === undefined || s.clientSecret === undefined)) throw refuse(`lacks "${s.clientId === undefined ? 'clientId' : 'clientSecret'}"`);
  if ((s.manualToken === undefined) !== (s.manualTokenExpires === undefined)) {
    throw refuse(`has "${s.manualToken === undefined ? 'manualTokenExpires' : 'manualToken'}" without "${s.manualToken === undefined ? 'manualToken' : 'manualTokenExpires'}"`);
  }
  const manual: ManualToken | undefined =
    s.manualToken !== undefined && s.manualTokenExpires !== undefined
      ? { token: s.manualToken, expires: typeof s.manualTokenExpires === 'number' ? s.manualTokenExpires : Date.parse(s.manualTokenExpires) }
      : undefined;

  if (s.username !== undefined && s.password !== undefined) return { kind: 'user', username: s.username, password: s.password, manual };
  if (s.clientId !== undefined && s.clientSecret !== undefined) return { kind: 'app', clientId: s.clientId, clientSecret: s.clientSecret, manual };
  if (manual !== undefined) return { kind: 'manual', manual };
  throw refuse('holds no credentials');
}

// The small, AWS-free interfaces the core depends on. Adapters implement them: Secrets Manager and
// SSM in Lambda, in-memory stand-ins locally and in tests.
import type { Target } from '../config/schema.js';
import type { IssuedToken } from '../arcgis/token-response.js';
import type { CachedToken } from './cached-token.js';

export interface Credentials {
  username: string;
  password: string;
}

export interface CredentialSource {
  /** Reads the credentials; `version` changes whenever the secret's value does. */
  read(secretId: string): Promise<{ credentials: Credentials; version: string }>;
}

export interface TokenStore {
  /** The cached token of a target, or undefined when none is stored. */
  get(targetName: string): Promise<CachedToken | undefined>;
  put(targetName: string, token: CachedToken): Promise<void>;
}

export interface TokenIssuer {
  issue(target: Target, credentials: Credentials): Promise<IssuedToken>;
}

/** Structured log sink; fields must never hold a password, client secret or token. */
export interface Log {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

// The small, AWS-free interfaces the core depends on. Adapters implement them: Secrets Manager and
// SSM in Lambda, in-memory stand-ins locally and in tests.
import type { Target } from '../config/schema.js';
import type { IssuedToken } from '../arcgis/token-response.js';
import type { MetricName } from '../observability/metric-names.js';
import type { TargetState } from './cached-token.js';

export interface Credentials {
  username: string;
  password: string;
}

export interface CredentialSource {
  /** Reads the credentials; `version` changes whenever the secret's value does. */
  read(secretId: string): Promise<{ credentials: Credentials; version: string }>;
}

export interface TokenStore {
  /** The stored state of a target, or undefined when none is stored. */
  get(targetName: string): Promise<TargetState | undefined>;
  put(targetName: string, state: TargetState): Promise<void>;
  /**
   * Tries to become the one container that logs in for this target, for `ttlMs`. True when the
   * lease is ours: it did not exist, or the previous holder's lease had run out.
   */
  acquireLease(targetName: string, holder: string, ttlMs: number, now: number): Promise<boolean>;
  /** Gives the lease up early (best effort). */
  releaseLease(targetName: string, holder: string): Promise<void>;
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

/** Counts events per target (EMF metrics in Lambda). */
export interface Metrics {
  count(name: MetricName, target: string, dimensions?: Record<string, string>): void;
}

export const NO_METRICS: Metrics = { count: () => undefined };

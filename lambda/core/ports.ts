// The small, AWS-free interfaces the core depends on. Adapters implement them: Secrets Manager and
// SSM in Lambda, in-memory stand-ins locally and in tests.
import type { ArcGisClientMode, Target } from '../config/schema.js';
import type { IssuedToken } from '../arcgis/token-response.js';
import type { MetricName } from '../observability/metric-names.js';
import type { TargetState } from './cached-token.js';

/** A long-lived token an administrator made by hand, stored in the secret. */
export interface ManualToken {
  token: string;
  /** ms since epoch */
  expires: number;
}

/**
 * What a secret may hold: a built-in ArcGIS user's login (generateToken), an app's OAuth
 * credentials (client_credentials, for sites whose users sign in with SAML/IWA), or only a manual
 * token. The first two may carry a manual token too, served when generation fails.
 */
export type Credentials =
  | { kind: 'user'; username: string; password: string; manual?: ManualToken | undefined }
  | { kind: 'app'; clientId: string; clientSecret: string; manual?: ManualToken | undefined }
  | { kind: 'manual'; manual: ManualToken };

/** Who the token belongs to, without the secret part: part of the cache key. */
export function credentialIdentity(credentials: Credentials): string {
  switch (credentials.kind) {
    case 'user':
      return `user:${credentials.username}`;
    case 'app':
      return `app:${credentials.clientId}`;
    case 'manual':
      return 'manual';
  }
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

/** How a token is bound: what a caller must do for ArcGIS to accept it. */
export interface TokenBinding {
  /** `none`: app (OAuth) tokens are bearer tokens; `unknown`: a manual token's binding is not known. */
  client: ArcGisClientMode | 'none' | 'unknown';
  referer?: string | undefined;
  ip?: string | undefined;
}

export interface IssueRequest {
  target: Target;
  credentials: Exclude<Credentials, { kind: 'manual' }>;
  /** The binding to ask ArcGIS for (caller-ip has become ip with the caller's address). */
  client: ArcGisClientMode;
  referer?: string | undefined;
  ip?: string | undefined;
}

export interface IssuedBoundToken extends IssuedToken {
  binding: TokenBinding;
}

export interface TokenIssuer {
  issue(request: IssueRequest): Promise<IssuedBoundToken>;
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

// The local run's settings, validated like the Lambda's. Either one target from ARCGIS_* variables,
// or many from a JSON file (TARGETS_FILE, the same document the Lambda reads from
// TOKEN_VENDING_CONFIG). Credentials: SECRETS_FILE maps each secretId to {username, password}
// and is read again while the server runs (an edit is a new secret version); without it,
// ARCGIS_USERNAME and ARCGIS_PASSWORD serve every target.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ServiceConfig, ServiceConfigInput } from '../domain/config/schema.js';
import { parseServiceConfig } from '../domain/config/parse-config.js';
import { ConfigurationError } from '../domain/errors.js';
import { parseJsonOrUndefined } from '../domain/parse-json-or-undefined.js';
import type { CredentialSource, Credentials } from '../domain/ports.js';
import { SecretsFileCredentialSource } from '../adapters/secrets-file-credentials.js';
import { StaticCredentialSource } from '../adapters/static-credentials.js';

export const LOCAL_SECRET_ID = 'local/arcgis-credentials';

export interface LocalSettings {
  config: ServiceConfig;
  /** Credentials by secretId as they were at start-up (for the banner). */
  secrets: Map<string, Credentials>;
  /** Where the token service reads credentials from while it runs. */
  credentials: CredentialSource;
  port: number;
  host: string;
}

/**
 * `simulator` is set when neither ARCGIS_URL nor TARGETS_FILE is given and the built-in simulator
 * stands in for ArcGIS: its URL and demo account are used then.
 */
export async function localSettings(env: NodeJS.ProcessEnv, simulator?: { url: string; credentials: { username: string; password: string } }): Promise<LocalSettings> {
  const port = parsePort(env.PORT);
  const host = env.HOST ?? '127.0.0.1';
  const allowInsecure = env.ARCGIS_ALLOW_INSECURE_HTTP === '1';

  if (env.TARGETS_FILE !== undefined) {
    const input = readJson(env.TARGETS_FILE, 'TARGETS_FILE') as Record<string, unknown>;
    const config = parseServiceConfig(allowInsecure && typeof input === 'object' && input !== null ? { ...input, allowInsecureHttp: true } : input, `TARGETS_FILE (${env.TARGETS_FILE})`);
    return { config, ...(await localSecrets(env, config)), port, host };
  }

  const url = env.ARCGIS_URL ?? simulator?.url;
  if (url === undefined) throw new ConfigurationError('Set ARCGIS_URL (one target) or TARGETS_FILE (many targets).');
  const credentials = envCredentials(env) ?? (env.ARCGIS_URL === undefined && simulator ? ({ kind: 'user', ...simulator.credentials } as const) : undefined);
  if (credentials === undefined) {
    throw new ConfigurationError('ARCGIS_USERNAME and ARCGIS_PASSWORD (or ARCGIS_CLIENT_ID and ARCGIS_CLIENT_SECRET) must both be set when ARCGIS_URL names a real ArcGIS site.');
  }

  const client = env.ARCGIS_CLIENT ?? 'referer';
  const input: ServiceConfigInput = {
    targets: [
      {
        name: env.ARCGIS_TARGET ?? 'default',
        url,
        client: client as ServiceConfigInput['targets'][number]['client'], // validated by the schema just below
        ...(env.ARCGIS_REFERER !== undefined ? { referer: env.ARCGIS_REFERER } : client === 'referer' && env.ARCGIS_URL === undefined ? { referer: 'http://localhost' } : {}),
        ...(env.ARCGIS_IP !== undefined ? { ip: env.ARCGIS_IP } : {}),
        ...(env.ARCGIS_EXPIRATION !== undefined ? { expirationMinutes: parseInteger('ARCGIS_EXPIRATION', env.ARCGIS_EXPIRATION) } : {}),
        secretId: LOCAL_SECRET_ID,
      },
    ],
    allowInsecureHttp: allowInsecure || env.ARCGIS_URL === undefined,
  };
  const config = parseServiceConfig(input, 'the environment (ARCGIS_* variables)');
  const secrets = new Map([[LOCAL_SECRET_ID, credentials]]);
  return { config, secrets, credentials: new StaticCredentialSource(secrets), port, host };
}

async function localSecrets(env: NodeJS.ProcessEnv, config: ServiceConfig): Promise<Pick<LocalSettings, 'secrets' | 'credentials'>> {
  const secretIds = [...new Set(config.targets.map((t) => t.secretId))];
  if (env.SECRETS_FILE !== undefined) {
    const source = new SecretsFileCredentialSource(env.SECRETS_FILE);
    // Read once now so that a missing or broken entry stops the start, as a bad deployment would.
    const secrets = new Map<string, Credentials>();
    for (const id of secretIds) secrets.set(id, (await source.read(id)).credentials);
    return { secrets, credentials: source };
  }
  const shared = envCredentials(env);
  if (shared === undefined) {
    throw new ConfigurationError('With TARGETS_FILE, give SECRETS_FILE (credentials per secretId) or ARCGIS_USERNAME and ARCGIS_PASSWORD (used for every target).');
  }
  const secrets = new Map(secretIds.map((id) => [id, shared]));
  return { secrets, credentials: new StaticCredentialSource(secrets) };
}

/** A login from ARCGIS_USERNAME/ARCGIS_PASSWORD, or app credentials from ARCGIS_CLIENT_ID/ARCGIS_CLIENT_SECRET. */
function envCredentials(env: NodeJS.ProcessEnv): Credentials | undefined {
  if (env.ARCGIS_USERNAME && env.ARCGIS_PASSWORD) return { kind: 'user', username: env.ARCGIS_USERNAME, password: env.ARCGIS_PASSWORD };
  if (env.ARCGIS_CLIENT_ID && env.ARCGIS_CLIENT_SECRET) return { kind: 'app', clientId: env.ARCGIS_CLIENT_ID, clientSecret: env.ARCGIS_CLIENT_SECRET };
  return undefined;
}

function readJson(path: string, variable: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`${variable} ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  const json = parseJsonOrUndefined(text);
  if (json === undefined) throw new ConfigurationError(`${variable} ${path} is not valid JSON.`);
  return json;
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 3000;
  const port = parseInteger('PORT', value);
  if (port < 0 || port > 65_535) throw new ConfigurationError(`PORT must be between 0 and 65535 (got ${value}).`);
  return port;
}

function parseInteger(name: string, value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new ConfigurationError(`${name} must be a whole number (got "${value}").`);
  return Number(value);
}

/** A host name or address that only this machine can reach. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./.test(bare);
  return false;
}

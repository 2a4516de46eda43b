// The local run's settings, from environment variables, validated like the Lambda's.
import { parseServiceConfig, type ServiceConfig, type ServiceConfigInput } from '../config/schema.js';
import { ConfigurationError } from '../errors.js';
import type { Credentials } from '../core/ports.js';

export const LOCAL_SECRET_ID = 'local/arcgis-credentials';

export interface LocalSettings {
  config: ServiceConfig;
  credentials: Credentials;
  port: number;
  host: string;
}

/**
 * `simulator` is set when no ARCGIS_URL is given and the built-in simulator stands in for ArcGIS:
 * its URL and demo account are used then.
 */
export function localSettings(env: NodeJS.ProcessEnv, simulator?: { url: string; credentials: Credentials }): LocalSettings {
  const port = parsePort(env.PORT);
  const url = env.ARCGIS_URL ?? simulator?.url;
  if (url === undefined) throw new ConfigurationError('ARCGIS_URL is not set and no simulator was started.');

  const username = env.ARCGIS_USERNAME ?? (env.ARCGIS_URL === undefined ? simulator?.credentials.username : undefined);
  const password = env.ARCGIS_PASSWORD ?? (env.ARCGIS_URL === undefined ? simulator?.credentials.password : undefined);
  if (!username || !password) {
    throw new ConfigurationError('ARCGIS_USERNAME and ARCGIS_PASSWORD must both be set when ARCGIS_URL names a real ArcGIS site.');
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
    allowInsecureHttp: env.ARCGIS_ALLOW_INSECURE_HTTP === '1' || env.ARCGIS_URL === undefined,
  };
  const config = parseServiceConfig(input, 'the environment (ARCGIS_* variables)');
  return { config, credentials: { username, password }, port, host: env.HOST ?? '127.0.0.1' };
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

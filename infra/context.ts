// Turns `cdk synth -c key=value` settings into stack props. Values given with -c arrive as
// strings, values from cdk.json may be numbers: both are accepted, anything else is refused with
// the key's name, so a typo fails synth instead of deploying a silent default.
import type { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ConfigurationError } from '../lambda/errors.js';
import { CLIENT_MODES, type ClientMode } from '../lambda/config/schema.js';
import type { TokenVendingStackProps } from './token-vending-stack.js';

export const DEFAULT_ARCGIS_URL = 'https://www.arcgis.com';
export const DEFAULT_TARGET_NAME = 'default';
export const DEFAULT_STACK_NAME = 'ArcGisTokenVending';

/** The context keys this app reads. */
export const CONTEXT_KEYS = [
  'arcgisUrl',
  'targetName',
  'client',
  'referer',
  'ip',
  'expirationMinutes',
  'secretName',
  'scheduleMinutes',
  'logRetentionDays',
  'parameterPrefix',
  'stackName',
] as const;
export type ContextKey = (typeof CONTEXT_KEYS)[number];

const RETENTION_DAYS: readonly number[] = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');

export interface ContextSource {
  tryGetContext(key: string): unknown;
}

/** Stack props read from context, plus the stack name (also used as the construct id). */
export type ContextStackProps = TokenVendingStackProps & { readonly stackName: string };

export function stackPropsFromContext(app: App | { node: ContextSource }): ContextStackProps {
  const node = app.node;
  const client = readClient(node);
  const referer = readString(node, 'referer');
  if (client === 'referer' && referer === undefined) {
    throw new ConfigurationError(
      "Missing context 'referer': ArcGIS binds a referer token to the app that sends it. Give -c referer=https://your-app.example.com (the URL apps send as Referer) or choose -c client=ip -c ip=<address of the machine that uses the token>.",
    );
  }
  const ip = readString(node, 'ip');
  const expirationMinutes = readInteger(node, 'expirationMinutes');
  const secretName = readString(node, 'secretName');
  const scheduleMinutes = readInteger(node, 'scheduleMinutes');
  const logRetention = readRetention(node);
  const parameterPrefix = readString(node, 'parameterPrefix');

  return {
    stackName: readString(node, 'stackName') ?? DEFAULT_STACK_NAME,
    target: {
      name: readString(node, 'targetName') ?? DEFAULT_TARGET_NAME,
      url: readString(node, 'arcgisUrl') ?? DEFAULT_ARCGIS_URL,
      client,
      ...(referer === undefined ? {} : { referer }),
      ...(ip === undefined ? {} : { ip }),
      ...(expirationMinutes === undefined ? {} : { expirationMinutes }),
    },
    ...(secretName === undefined ? {} : { secretName }),
    ...(scheduleMinutes === undefined ? {} : { scheduleMinutes }),
    ...(logRetention === undefined ? {} : { logRetention }),
    ...(parameterPrefix === undefined ? {} : { parameterPrefix }),
  };
}

function readString(node: ContextSource, key: ContextKey): string | undefined {
  const value = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new ConfigurationError(`Invalid context '${key}': expected a string, got ${JSON.stringify(value)}.`);
  }
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function readInteger(node: ContextSource, key: ContextKey): number | undefined {
  const value = node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) {
    const parsed = Number(value);
    if (Number.isSafeInteger(parsed)) return parsed;
  }
  throw new ConfigurationError(`Invalid context '${key}': expected a whole number, got ${JSON.stringify(value)} (e.g. -c ${key}=15).`);
}

function readClient(node: ContextSource): ClientMode {
  const value = readString(node, 'client');
  if (value === undefined) return 'referer';
  const mode = CLIENT_MODES.find((m) => m === value);
  if (mode === undefined) {
    throw new ConfigurationError(`Invalid context 'client': "${value}"; use one of ${CLIENT_MODES.join(', ')}.`);
  }
  return mode;
}

function readRetention(node: ContextSource): RetentionDays | undefined {
  const days = readInteger(node, 'logRetentionDays');
  if (days === undefined) return undefined;
  if (!RETENTION_DAYS.includes(days)) {
    throw new ConfigurationError(
      `Invalid context 'logRetentionDays': ${days} is not a CloudWatch Logs retention; use one of ${RETENTION_DAYS.join(', ')}.`,
    );
  }
  return days as RetentionDays;
}

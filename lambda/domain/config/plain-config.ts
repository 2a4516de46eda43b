// The configuration's rules without zod, for the configurations the construct writes.
//
// Every cold start validates TOKEN_VENDING_CONFIG, and zod's first schema in a process pays for
// compiling zod itself: the benchmark measured a cold cached request that runs no zod at 7 % less
// (docs/benchmarks.md, section 4). plainServiceConfig accepts a configuration only when every
// field is in a form the schema (schema.ts) would accept and leave as it is (URLs and referers already
// trimmed, no referer query to strip, no portalUrl or allowedOrigins), applying the same defaults in
// the same key order; anything else, every mistake included, it leaves to the schema, which then
// decides and words the error. test/domain/config/plain-config.property.test.ts holds it to that: whatever
// it accepts, the schema accepts with the same output.
import { isIP } from 'node:net';
import { isPlain, onlyKeys } from '../plain-checks.js';
import { TARGET_NAME } from '../target-name.js';
import { CLIENT_MODES, DEFAULT_DEADLINE_MS, DEFAULT_EXPIRATION_MINUTES, DEFAULT_MIN_VALIDITY_REFRESH_INTERVAL_SECONDS, DEFAULT_PARAMETER_PREFIX, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_SCHEDULE_MINUTES, MAX_DEADLINE_MS, MAX_EXPIRATION_MINUTES, SITE_KINDS, isHttpReferer, stripRefererSuffix, type ClientMode, type SiteKind } from './settings.js';
import type { ServiceConfig, Target } from './schema.js';

const TARGET_KEYS = new Set(['name', 'url', 'kind', 'client', 'referer', 'ip', 'expirationMinutes', 'secretId', 'serviceUrl', 'maxCallers']);
const CONFIG_KEYS = new Set(['targets', 'defaultTarget', 'allowInsecureHttp', 'parameterPrefix', 'refreshMarginSeconds', 'scheduleIntervalMinutes', 'requestTimeoutMs', 'deadlineMs', 'minValidityRefreshIntervalSeconds']);
const PARAMETER_PREFIX = /^(\/[A-Za-z0-9_.-]+)+$/;

const trimmedString = (value: unknown): value is string => typeof value === 'string' && value === value.trim();
const wholeIn = (value: unknown, min: number, max: number): value is number => Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;
/** Absent, or a whole number in range: the value, the default, or null when the schema must decide. */
const wholeOr = (value: unknown, min: number, max: number, fallback: number | undefined): number | undefined | null =>
  value === undefined ? fallback : wholeIn(value, min, max) ? value : null;

/** urlString's rules: a URL the parser reads, http or https, without credentials. */
function plainUrl(value: unknown): value is string {
  if (!trimmedString(value) || !URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '';
}

function plainTarget(input: unknown, allowInsecureHttp: boolean): Target | undefined {
  if (!isPlain(input) || !onlyKeys(input, TARGET_KEYS)) return undefined;
  const { name, url, kind, referer, ip, secretId, serviceUrl, maxCallers } = input;
  const client = input.client ?? 'referer';
  const expirationMinutes = wholeOr(input.expirationMinutes, 1, MAX_EXPIRATION_MINUTES, DEFAULT_EXPIRATION_MINUTES);
  if (typeof name !== 'string' || !TARGET_NAME.test(name) || !plainUrl(url) || !trimmedString(secretId) || secretId.length === 0 || typeof expirationMinutes !== 'number') return undefined;
  if (kind !== undefined && !(SITE_KINDS as readonly unknown[]).includes(kind)) return undefined;
  if (!(CLIENT_MODES as readonly unknown[]).includes(client)) return undefined;
  const mode = client as ClientMode;
  // Each binding's own field, and only its own, as the schema's refinement requires.
  if ((mode === 'referer') !== (referer !== undefined) || (mode === 'ip') !== (ip !== undefined) || (mode !== 'caller-ip' && maxCallers !== undefined)) return undefined;
  if (referer !== undefined && (!trimmedString(referer) || referer.length === 0 || stripRefererSuffix(referer) !== referer || !isHttpReferer(referer))) return undefined;
  if (ip !== undefined && (!trimmedString(ip) || isIP(ip) === 0)) return undefined;
  if (serviceUrl !== undefined && !plainUrl(serviceUrl)) return undefined;
  if (maxCallers !== undefined && !wholeIn(maxCallers, 1, 10_000)) return undefined;
  if (!allowInsecureHttp && [url, serviceUrl].some((value) => value !== undefined && URL.parse(value)?.protocol === 'http:')) return undefined;
  // The schema's key order, so the result is the same object, JSON included.
  return {
    name,
    url,
    ...(kind === undefined ? {} : { kind: kind as SiteKind }),
    client: mode,
    ...(referer === undefined ? {} : { referer }),
    ...(ip === undefined ? {} : { ip }),
    expirationMinutes,
    secretId,
    ...(serviceUrl === undefined ? {} : { serviceUrl }),
    ...(maxCallers === undefined ? {} : { maxCallers: maxCallers as number }),
  };
}

/** The configuration with defaults applied, when it needs nothing but the checks above; otherwise undefined. */
export function plainServiceConfig(input: unknown): ServiceConfig | undefined {
  if (!isPlain(input) || !onlyKeys(input, CONFIG_KEYS) || !Array.isArray(input.targets) || input.targets.length === 0) return undefined;
  const { defaultTarget, refreshMarginSeconds } = input;
  const allowInsecureHttp = input.allowInsecureHttp ?? false;
  const parameterPrefix = input.parameterPrefix ?? DEFAULT_PARAMETER_PREFIX;
  const scheduleIntervalMinutes = wholeOr(input.scheduleIntervalMinutes, 1, 1440, DEFAULT_SCHEDULE_MINUTES);
  const requestTimeoutMs = wholeOr(input.requestTimeoutMs, 100, 60_000, DEFAULT_REQUEST_TIMEOUT_MS);
  const deadlineMs = wholeOr(input.deadlineMs, 1_000, MAX_DEADLINE_MS, DEFAULT_DEADLINE_MS);
  const minValidityRefreshIntervalSeconds = wholeOr(input.minValidityRefreshIntervalSeconds, 0, 86_400, DEFAULT_MIN_VALIDITY_REFRESH_INTERVAL_SECONDS);
  if (typeof allowInsecureHttp !== 'boolean' || typeof parameterPrefix !== 'string' || !PARAMETER_PREFIX.test(parameterPrefix)) return undefined;
  if (typeof scheduleIntervalMinutes !== 'number' || typeof requestTimeoutMs !== 'number' || typeof deadlineMs !== 'number' || typeof minValidityRefreshIntervalSeconds !== 'number') return undefined;
  if (refreshMarginSeconds !== undefined && !wholeIn(refreshMarginSeconds, 0, 86_400)) return undefined;
  if (requestTimeoutMs > deadlineMs) return undefined;
  const targets: Target[] = [];
  for (const entry of input.targets as unknown[]) {
    const target = plainTarget(entry, allowInsecureHttp);
    if (target === undefined) return undefined;
    targets.push(target);
  }
  if (new Set(targets.map((t) => t.name.toLowerCase())).size !== targets.length) return undefined;
  if (defaultTarget !== undefined && (typeof defaultTarget !== 'string' || !targets.some((t) => t.name === defaultTarget))) return undefined;
  // The schema's key order, then defaultTarget filled in as parseServiceConfig does for the schema's output.
  return {
    targets,
    ...(defaultTarget === undefined ? {} : { defaultTarget: defaultTarget as string }),
    allowInsecureHttp,
    parameterPrefix,
    ...(refreshMarginSeconds === undefined ? {} : { refreshMarginSeconds: refreshMarginSeconds as number }),
    scheduleIntervalMinutes,
    requestTimeoutMs,
    deadlineMs,
    minValidityRefreshIntervalSeconds,
    defaultTarget: (defaultTarget as string | undefined) ?? targets[0]!.name,
  };
}


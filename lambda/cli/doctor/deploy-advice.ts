// Turns what doctor proved into the target to deploy: a service-configuration target
// (lambda/domain/config/schema.ts), validated by the same schema the function uses, and the equivalent
// `npx cdk deploy -c …` line with the single-target context keys (infra/context.ts).
import { DEFAULT_EXPIRATION_MINUTES } from '../../domain/config/settings.js';
import { TargetSchema, formatIssues, type TargetInput } from '../../domain/config/schema.js';
import { ConfigurationError } from '../../domain/errors.js';
import { isPlainHttp, type WorkingSetup } from './findings.js';

export const DOCTOR_TARGET_NAME = 'default';
/** The secret the stack creates for target "default" (infra: arcgis-token-vending/<name>); it fills in the real ARN. */
export const SECRET_ID_PLACEHOLDER = `arcgis-token-vending/${DOCTOR_TARGET_NAME}`;

export interface DeployAdvice {
  configuration: TargetInput;
  deployCommand: string;
  notes: string[];
}

export function deployAdvice(working: WorkingSetup): DeployAdvice {
  const { site } = working;
  // A federated target must name the server (the exchange needs it); any other is pinned to the
  // token endpoint doctor proved, so the function has nothing left to discover.
  const url = site.kind === 'federated' && site.serverUrl !== undefined ? site.serverUrl : site.tokenUrl;
  // 60 minutes (the service default) unless the site caps tokens lower; a longer lifetime buys
  // nothing, since the schedule refreshes tokens ahead of expiry, and widens what a leaked token costs.
  const expirationMinutes = Math.max(1, Math.min(DEFAULT_EXPIRATION_MINUTES, working.grantedMinutes));
  const configuration: TargetInput = {
    name: DOCTOR_TARGET_NAME,
    url,
    kind: site.kind,
    client: working.client,
    ...(working.referer !== undefined ? { referer: working.referer } : {}),
    ...(working.ip !== undefined ? { ip: working.ip } : {}),
    expirationMinutes,
    secretId: SECRET_ID_PLACEHOLDER,
    ...(working.serviceUrl !== undefined ? { serviceUrl: working.serviceUrl } : {}),
    ...(working.portalUrl !== undefined ? { portalUrl: working.portalUrl } : {}),
    ...(working.allowedOrigins !== undefined ? { allowedOrigins: working.allowedOrigins } : {}),
  };
  // The same schema the function validates at cold start: a block doctor prints must deploy.
  const checked = TargetSchema.safeParse(configuration);
  if (!checked.success) {
    throw new ConfigurationError(`doctor built a target the function would refuse (a doctor bug; please report it):\n${formatIssues(checked.error.issues)}`);
  }

  const context: Array<[string, string]> = [
    ['arcgisUrl', url],
    ['client', working.client],
    ...(working.referer !== undefined ? [['referer', working.referer] as [string, string]] : []),
    ...(working.ip !== undefined ? [['ip', working.ip] as [string, string]] : []),
    ['expirationMinutes', String(expirationMinutes)],
  ];
  const deployCommand = `npx cdk deploy ${context.map(([key, value]) => `-c ${shellWord(`${key}=${value}`)}`).join(' ')}`;

  const notes = [
    `secretId: the stack creates the secret ${SECRET_ID_PLACEHOLDER} and fills in its ARN; store ${working.appCredentials ? '{"clientId","clientSecret"}' : '{"username","password"}'} in it after the deploy (README, "Deploy": aws secretsmanager put-secret-value).`,
    `expirationMinutes ${expirationMinutes}: the site grants up to ${working.grantedMinutes}; the schedule refreshes tokens before they expire, so a longer lifetime only widens what a leaked token costs.`,
  ];
  if (working.appCredentials) notes.push('App tokens are bound to no referer or IP: client and referer are required by the schema but not used for them.');
  if (working.client === 'requestip') {
    notes.push('client=requestip binds each token to the function\'s own egress address: apps that receive it cannot use it unless they share that address. Prefer client=referer (--referer) or client=ip (--ip).');
  }
  if (working.client === 'referer' && working.defaultReferer && !working.appCredentials) {
    notes.push(`referer ${working.referer} is doctor's default: replace it with the URL your apps send as Referer (or run doctor with --referer).`);
  }
  const fileOnly = [
    ...(working.serviceUrl !== undefined ? ['serviceUrl'] : []),
    ...(working.portalUrl !== undefined ? ['portalUrl'] : []),
    ...(working.allowedOrigins !== undefined ? ['allowedOrigins'] : []),
  ];
  if (fileOnly.length > 0) {
    notes.push(`${fileOnly.join(', ')} ${fileOnly.length === 1 ? 'has' : 'have'} no -c key: to keep ${fileOnly.length === 1 ? 'it' : 'them'}, put this target in a file (with secretName instead of secretId, or neither) and deploy with -c config=FILE.`);
  }
  if (isPlainHttp(url)) notes.push('http:// is refused unless the configuration sets allowInsecureHttp: local simulators only; cdk deploy refuses it.');
  return { configuration, deployCommand, notes };
}

/** Quotes a word for POSIX shells when it holds anything beyond plain URL characters. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

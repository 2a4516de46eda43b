// `arcgis-token-vending doctor URL`: diagnoses a site's token setup in one command and prints the
// configuration to deploy. This file is the CLI's edge: it reads the arguments and the secret
// (environment or hidden prompt, never an argument), runs the checks (doctor/diagnose.ts) and prints
// them as they go (doctor/text-report.ts), or as one JSON document with --json
// (doctor/json-report.ts). Exit codes: 0 a working configuration was found, 1 none was, 2 bad usage.
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { DEFAULT_REQUEST_TIMEOUT_MS, isHttpReferer, stripRefererSuffix } from '../domain/config/settings.js';
import { describeError } from '../domain/errors.js';
import type { FetchLike } from '../arcgis/http.js';
import { deployAdvice } from './doctor/deploy-advice.js';
import { diagnose } from './doctor/diagnose.js';
import type { Diagnosis, DoctorCredentials, DoctorOptions } from './doctor/findings.js';
import { jsonReport } from './doctor/json-report.js';
import { SILENT, TextReport } from './doctor/text-report.js';
import { readHidden, type PromptInput, type PromptOutput } from './prompt.js';

export const EXIT_OK = 0;
export const EXIT_NOT_WORKING = 1;
export const EXIT_USAGE = 2;

export const PASSWORD_ENV = 'ARCGIS_PASSWORD';
export const CLIENT_SECRET_ENV = 'ARCGIS_CLIENT_SECRET';
export const DEFAULT_REFERER = 'https://localhost';

export interface DoctorIo {
  env: Record<string, string | undefined>;
  stdout: PromptOutput;
  stderr: PromptOutput;
  /** Prompting needs a TTY; without one a missing secret is a usage error. */
  stdin?: PromptInput | undefined;
  fetch?: FetchLike | undefined;
  now?: (() => number) | undefined;
}

export const DOCTOR_USAGE = `Usage: arcgis-token-vending doctor URL (--username NAME | --client-id ID) [options]

Diagnoses an ArcGIS site's token setup: what the site is, which token endpoints answer, which
client modes work with the credentials, HTTPS and the ssl flag, the longest token lifetime, the
federated token exchange and the token on a service; then prints the configuration to deploy.

  URL                    any URL of the site: portal, server root, service or layer, token endpoint
  --username NAME        a built-in ArcGIS account; the password comes from ${PASSWORD_ENV}
                         or a hidden prompt
  --client-id ID         app credentials (OAuth); the secret comes from ${CLIENT_SECRET_ENV}
                         or a hidden prompt
  --referer URL          the URL your apps send as Referer (default ${DEFAULT_REFERER})
  --ip ADDRESS           also try client=ip with this address
  --service URL          a secured service or layer to try the token on
  --portal-url URL       the portal a federated server belongs to, when it is on another
                         origin: doctor may then send the credentials there (portalUrl)
  --allow-origin ORIGIN  another origin (https://host[:port]) that may receive the credentials
                         when the site names it; repeatable (allowedOrigins)
  --json                 print one JSON document instead of the report
  --timeout MS           deadline for each request (default ${DEFAULT_REQUEST_TIMEOUT_MS})
  --allow-insecure-http  allow http:// URLs (local simulators only)
  -h, --help             show this help

Credentials go only to the site URL's origin and the ones named with --portal-url or
--allow-origin, as the deployed function does. A rejected password is never tried twice: doctor
makes at most one failed login per run.
Exit codes: 0 a working configuration was found, 1 none was, 2 bad usage.
`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface ParsedArgs {
  url: string;
  username?: string | undefined;
  clientId?: string | undefined;
  referer?: string | undefined;
  ip?: string | undefined;
  serviceUrl?: string | undefined;
  portalUrl?: string | undefined;
  allowedOrigins: string[];
  json: boolean;
  timeoutMs: number;
  allowInsecureHttp: boolean;
}

export async function runDoctor(argv: readonly string[], io: DoctorIo): Promise<number> {
  let args: ParsedArgs | 'help';
  try {
    args = parseDoctorArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`doctor: ${error.message}\nRun "arcgis-token-vending doctor --help" for the options.\n`);
    return EXIT_USAGE;
  }
  if (args === 'help') {
    io.stdout.write(DOCTOR_USAGE);
    return EXIT_OK;
  }

  const credentials = await readCredentials(args, io);
  if (typeof credentials === 'string') {
    io.stderr.write(`doctor: ${credentials}\n`);
    return EXIT_USAGE;
  }

  const options: DoctorOptions = {
    url: args.url,
    credentials: credentials.credentials,
    referer: args.referer ?? DEFAULT_REFERER,
    refererGiven: args.referer !== undefined,
    ip: args.ip,
    serviceUrl: args.serviceUrl,
    portalUrl: args.portalUrl,
    allowedOrigins: args.allowedOrigins,
    timeoutMs: args.timeoutMs,
    allowInsecureHttp: args.allowInsecureHttp,
  };
  const text = new TextReport(io.stdout);
  if (!args.json) text.header(options, credentials.source);

  let diagnosis: Diagnosis;
  try {
    diagnosis = await diagnose(options, { fetch: io.fetch ?? fetch, now: io.now ?? Date.now }, args.json ? SILENT : text);
  } catch (error) {
    io.stderr.write(`doctor: unexpected failure: ${describeError(error)}\n`);
    return EXIT_NOT_WORKING;
  }
  const advice = diagnosis.working === null ? undefined : deployAdvice(diagnosis.working);
  if (args.json) io.stdout.write(`${JSON.stringify(jsonReport(options, diagnosis, advice), null, 2)}\n`);
  else text.result(diagnosis, advice);
  return advice === undefined ? EXIT_NOT_WORKING : EXIT_OK;
}

function parseDoctorArgs(argv: readonly string[]): ParsedArgs | 'help' {
  // Refused before parsing, with the reason: a secret in argv lands in shell history and in `ps`.
  const secretFlag = argv.find((arg) => /^--(password|client-secret|secret)(=|$)/i.test(arg));
  if (secretFlag !== undefined) {
    const flag = secretFlag.replace(/=.*$/, '');
    const env = /password/i.test(flag) ? PASSWORD_ENV : CLIENT_SECRET_ENV;
    throw new UsageError(
      `${flag} is not accepted: a secret given as an argument ends up in the shell history and in the process list (ps). ` +
        `Set ${env} (read -rs ${env} && export ${env}) or let doctor ask for it in the terminal.`,
    );
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        username: { type: 'string' },
        'client-id': { type: 'string' },
        referer: { type: 'string' },
        ip: { type: 'string' },
        service: { type: 'string' },
        'portal-url': { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        timeout: { type: 'string' },
        'allow-insecure-http': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    // parseArgs names the option, never its value.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  // Positionals are not echoed: a password typed in the wrong place must not be printed back.
  if (positionals.length !== 1) throw new UsageError(`give exactly one site URL (got ${positionals.length} arguments besides the options)`);
  const allowInsecureHttp = values['allow-insecure-http'];
  const url = siteUrl(positionals[0]!, 'the site URL', allowInsecureHttp);

  const username = values.username?.trim();
  const clientId = values['client-id']?.trim();
  if ((username === undefined) === (clientId === undefined)) {
    throw new UsageError('give either --username (a built-in ArcGIS account) or --client-id (app credentials), not both and not neither');
  }
  if (username === '' || clientId === '') throw new UsageError('--username and --client-id must not be empty');

  let referer: string | undefined;
  if (values.referer !== undefined) {
    const candidate = stripRefererSuffix(values.referer.trim());
    if (!isHttpReferer(candidate)) {
      throw new UsageError('--referer must be an http(s) URL: the base URL your apps send as Referer, e.g. https://apps.example.com');
    }
    referer = candidate;
  }
  const ip = values.ip?.trim();
  if (ip !== undefined && isIP(ip) === 0) throw new UsageError('--ip must be an IPv4 or IPv6 address: the machine that will use the tokens');
  const serviceUrl = values.service === undefined ? undefined : siteUrl(values.service, '--service', allowInsecureHttp);
  const portalUrl = values['portal-url'] === undefined ? undefined : siteUrl(values['portal-url'], '--portal-url', allowInsecureHttp);
  const allowedOrigins = [...new Set((values['allow-origin'] ?? []).map((value) => origin(value, allowInsecureHttp)))];

  let timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;
  if (values.timeout !== undefined) {
    timeoutMs = Number(values.timeout);
    if (!/^\d+$/.test(values.timeout) || timeoutMs < 100 || timeoutMs > 600_000) throw new UsageError('--timeout must be a whole number of milliseconds from 100 to 600000');
  }
  return { url, username, clientId, referer, ip, serviceUrl, portalUrl, allowedOrigins, json: values.json, timeoutMs, allowInsecureHttp };
}

/** --allow-origin: scheme, host and port only, as the target's allowedOrigins takes them. */
function origin(value: string, allowInsecureHttp: boolean): string {
  const url = siteUrl(value, '--allow-origin', allowInsecureHttp);
  const parsed = new URL(url);
  if (parsed.pathname !== '/' || /[?#]/.test(value)) throw new UsageError(`--allow-origin takes an origin only (${parsed.origin}), without a path, query or fragment`);
  return parsed.origin;
}

/** An absolute http(s) URL without credentials, query or fragment; http only when allowed. */
function siteUrl(value: string, what: string, allowInsecureHttp: boolean): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new UsageError(`${what} is not an absolute URL: give the full https:// address`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`${what} must be an https:// URL (got ${url.protocol})`);
  if (url.username !== '' || url.password !== '') {
    throw new UsageError(`${what} carries a user name or password: remove it (credentials go in --username and ${PASSWORD_ENV})`);
  }
  if (url.protocol === 'http:' && !allowInsecureHttp) {
    throw new UsageError(
      `${what} is http://: the ${what === '--service' ? 'token' : 'password and the tokens'} would cross the network in clear. Use https://, or --allow-insecure-http for a local simulator only.`,
    );
  }
  // A query may carry a token (…?token=…): never used, never printed.
  url.search = '';
  url.hash = '';
  return url.href;
}

async function readCredentials(args: ParsedArgs, io: DoctorIo): Promise<{ credentials: DoctorCredentials; source: string } | string> {
  const user = args.username !== undefined;
  const env = user ? PASSWORD_ENV : CLIENT_SECRET_ENV;
  const what = user ? 'password' : 'client secret';
  const fromEnv = io.env[env];
  let secret: string | undefined;
  let source: string;
  if (fromEnv !== undefined && fromEnv !== '') {
    secret = fromEnv;
    source = env;
  } else if (io.stdin?.isTTY === true) {
    secret = await readHidden(`${user ? 'Password' : 'Client secret'} for ${user ? args.username : args.clientId} (not shown): `, io.stdin, io.stderr);
    if (secret === undefined || secret === '') return `no ${what} entered.`;
    source = 'the prompt';
  } else {
    return `no ${what}: set ${env} (read -rs ${env} && export ${env}) or run doctor in a terminal to be asked for it. It is never accepted as an argument.`;
  }
  const credentials: DoctorCredentials = user ? { kind: 'user', username: args.username!, password: secret } : { kind: 'app', clientId: args.clientId!, clientSecret: secret };
  return { credentials, source };
}

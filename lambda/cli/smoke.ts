// `arcgis-token-vending smoke --api URL` (in a clone: `npm run smoke -- --api URL`): the last step
// of a deployment. Calls the deployed endpoint with the caller's AWS credentials (the package's own
// client, SigV4 for execute-api), prints what came back (never the token: only its length), and
// optionally tries the token on a secured ArcGIS service the way an app would
// (X-Esri-Authorization: Bearer, and the Referer the answer names).
// Exit codes: 0 the endpoint answered a fresh token (and the service accepted it), 1 something
// failed, 2 bad usage.
import { parseArgs } from 'node:util';
import { SERVICE_NOT_ARCGIS, SERVICE_NOT_SHARED, SERVICE_REFUSED, TOKEN_NOT_SEEN, WRONG_DISPENSER } from '../arcgis/hints.js';
import { presentToken, type PresentationAnswer } from '../arcgis/present-token.js';
import { createTokenClient, TokenClientError, TokenProblemError, type AwsCredentials, type TokenAnswer } from '../client/index.js';
import { checkTokenRequest, isHttpsOrLoopback, regionFromApiUrl, tokenEndpoint, tokenUrl } from '../client/token-endpoint.js';
import { ArcGisBadResponseError, ArcGisRateLimitedError, ArcGisRefusedError, ArcGisUnreachableError, TokenVendingError, quoteArcGisError, type ArcGisErrorInfo } from '../domain/errors.js';
import { errorCode, isTimeout } from '../domain/fetch-failure.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** For deployments with auth=apiKey: the key comes from the environment, never from an argument (process lists, shell history). */
export const API_KEY_ENV = 'TOKEN_VENDING_API_KEY';
const SERVICE_TIMEOUT_MS = 10_000;

export const SMOKE_USAGE = `Usage: arcgis-token-vending smoke --api URL [--target NAME] [--min-validity SECONDS] [--service URL] [--region REGION]

Calls the deployed token endpoint with your AWS credentials (the AWS SDK's default chain:
environment, profile, SSO, role) and prints what it answered, never the token itself. With
--service it also tries the token on a secured ArcGIS service, as an app would.

  --api URL               the stack's ApiUrl output (https://API_ID.execute-api.REGION.amazonaws.com/v1/token)
  --target NAME           a named target (default: the default target)
  --min-validity SECONDS  ask for a token valid at least this long
  --service URL           a secured service or layer to try the token on (GET ?f=json)
  --region REGION         signing Region, when the URL's host does not name it (a custom domain)
  -h, --help              show this help

A deployment with auth=apiKey: put the key in ${API_KEY_ENV} instead of signing.
Exit codes: 0 ok, 1 failed, 2 bad usage.
`;

export interface SmokeOutput {
  write(chunk: string): unknown;
}

export interface SmokeIo {
  env: Record<string, string | undefined>;
  stdout: SmokeOutput;
  stderr: SmokeOutput;
  /** @default the AWS SDK's default credential chain */
  credentials?: AwsCredentials | undefined;
}

interface SmokeArgs {
  api: string;
  target?: string | undefined;
  minValidity?: number | undefined;
  service?: URL | undefined;
  region?: string | undefined;
}

class UsageError extends Error {
  override readonly name = 'UsageError';
}

export async function runSmoke(argv: readonly string[], io: SmokeIo): Promise<number> {
  let args: SmokeArgs | 'help';
  try {
    args = parseSmokeArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof TokenClientError)) throw error;
    io.stderr.write(`smoke: ${error.message}\n\n${SMOKE_USAGE}`);
    return EXIT_USAGE;
  }
  if (args === 'help') {
    io.stdout.write(SMOKE_USAGE);
    return EXIT_OK;
  }
  const out = (line = '') => io.stdout.write(`${line}\n`);
  const apiKey = io.env[API_KEY_ENV] || undefined;
  const endpoint = tokenEndpoint(args.api);
  const region = args.region ?? regionFromApiUrl(endpoint) ?? (io.env['AWS_REGION'] || io.env['AWS_DEFAULT_REGION'] || undefined);
  if (region === undefined && apiKey === undefined) {
    io.stderr.write(`smoke: ${endpoint.host} does not name its Region: pass --region (or set AWS_REGION).\n`);
    return EXIT_USAGE;
  }

  const shown = tokenUrl(endpoint, args.target, args.minValidity).href;
  out(`GET ${shown} (${apiKey !== undefined ? `with the API key from ${API_KEY_ENV}` : `SigV4-signed for execute-api in ${region}`})`);
  const client = createTokenClient({
    apiUrl: endpoint.href,
    ...(region !== undefined ? { region } : {}),
    ...(apiKey !== undefined ? { apiKey } : { ...(io.credentials !== undefined ? { credentials: io.credentials } : {}) }),
  });
  const started = performance.now();
  let answer: TokenAnswer;
  try {
    answer = await client.getToken({ ...(args.target !== undefined ? { target: args.target } : {}), ...(args.minValidity !== undefined ? { minValidity: args.minValidity } : {}) });
  } catch (error) {
    if (!(error instanceof TokenClientError)) throw error;
    for (const line of describeFailure(error, region, apiKey !== undefined)) out(`  ${line}`);
    out('Smoke check FAILED.');
    return EXIT_FAILED;
  }
  out(`  answered   200 in ${Math.round(performance.now() - started)} ms`);
  for (const line of describeAnswer(answer)) out(`  ${line}`);

  // A refresh failure behind a served token is not a healthy deployment, even though the token works.
  let failed = answer.stale || answer.staleReason !== undefined;
  if (failed) out(`  warning    the service's last refresh failed (${answer.staleReason ?? 'no reason given'}); it served ${answer.stale ? 'an older cached token' : 'the manual token'} instead`);

  if (args.service !== undefined) {
    const service = args.service;
    const shownService = `${service.origin}${service.pathname}?f=json`;
    out(`Service check: GET ${shownService} with X-Esri-Authorization: Bearer (the token)${answer.referer !== undefined ? ` and Referer: ${answer.referer}` : ''}`);
    const verdict = await checkOnService(service, answer);
    for (const line of verdict.lines) out(`  ${line}`);
    failed ||= !verdict.ok;
  }
  out(failed ? 'Smoke check FAILED.' : 'Smoke check passed.');
  return failed ? EXIT_FAILED : EXIT_OK;
}

function parseSmokeArgs(argv: readonly string[]): SmokeArgs | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        api: { type: 'string' },
        target: { type: 'string' },
        'min-validity': { type: 'string' },
        service: { type: 'string' },
        region: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values['help'] === true) return 'help';
  const api = values['api'];
  if (typeof api !== 'string') throw new UsageError('--api URL is required (the stack\'s ApiUrl output).');
  tokenEndpoint(api); // refuses a non-https or malformed URL before anything is sent
  const target = values['target'] as string | undefined;
  const rawValidity = values['min-validity'] as string | undefined;
  if (rawValidity !== undefined && !/^\d+$/.test(rawValidity)) throw new UsageError(`--min-validity must be a whole number of seconds, got "${rawValidity}".`);
  const minValidity = rawValidity === undefined ? undefined : Number(rawValidity);
  checkTokenRequest(target, minValidity); // refuses a bad target name
  return { api, target, minValidity, service: serviceUrl(values['service'] as string | undefined), region: values['region'] as string | undefined };
}

function serviceUrl(value: string | undefined): URL | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--service "${value}" is not a URL.`);
  }
  // The token goes to this URL: never in clear, except to a service on this machine.
  if (!isHttpsOrLoopback(url)) {
    throw new UsageError(`--service must use https:// (http:// only to 127.0.0.1 or localhost), got ${url.protocol}//${url.host}.`);
  }
  return url;
}

function describeAnswer(answer: TokenAnswer): string[] {
  const minutes = Math.floor((answer.expires - Date.now()) / 60_000);
  return [
    `target     ${answer.target}`,
    `binding    ${binding(answer)}`,
    `expiresAt  ${answer.expiresAt} (in ${minutes} min)`,
    `source     ${answer.source}`,
    `stale      ${answer.stale}`,
    `ssl        ${answer.ssl}${answer.ssl ? ' (HTTPS only)' : ''}`,
    `token      ${answer.token.length} characters (not shown)`,
  ];
}

function binding(answer: TokenAnswer): string {
  switch (answer.client) {
    case 'referer':
      return `referer ${answer.referer ?? '(none given)'}: apps must send exactly this Referer header`;
    case 'ip':
      return `ip ${answer.ip ?? '(none given)'}: works only from this address`;
    case 'requestip':
      return "requestip: bound to the function's own egress address";
    case 'none':
      return 'none (an app token)';
    case 'unknown':
      return 'unknown (a manual token)';
  }
}

function describeFailure(error: TokenClientError, region: string | undefined, apiKey: boolean): string[] {
  if (!(error instanceof TokenProblemError)) return [`failed     ${error.message}`];
  const { problem } = error;
  const lines = [`failed     ${problem.status} ${problem.title}${problem.type === 'about:blank' ? '' : ` (${problem.type})`}`];
  if (problem.detail !== undefined) lines.push(`detail     ${problem.detail}`);
  for (const member of ['arcgisCode', 'arcgisMessage', 'retryAt', 'httpStatus']) {
    if (problem[member] !== undefined) lines.push(`${member.padEnd(10)} ${String(problem[member])}`);
  }
  // API Gateway's own refusals come before the function runs; the detail alone rarely says why.
  if (problem.type === 'about:blank' && problem.status === 403) {
    lines.push(
      apiKey
        ? `fix        check the key in ${API_KEY_ENV} (aws apigateway get-api-key --include-value) and that the URL is the stack's ApiUrl output`
        : `fix        check that your credentials may call execute-api:Invoke on this API (…/v1/GET/token*), that ${region} is the API's Region, that the URL is the stack's ApiUrl output, and, for an auth=apiKey deployment, set ${API_KEY_ENV}`,
    );
  }
  if (problem.type === 'about:blank' && problem.status === 429) lines.push('fix        throttled by API Gateway: try again later or raise the stage or usage-plan limits');
  return lines;
}

interface Verdict {
  ok: boolean;
  lines: string[];
}

/** Presents the token as an app would (the sign-in sequence's own check, arcgis/present-token.ts) and says what the service answered. */
async function checkOnService(service: URL, answer: TokenAnswer): Promise<Verdict> {
  let presented: PresentationAnswer;
  try {
    presented = await presentToken({ url: service.href, token: answer.token, referer: answer.referer }, { timeoutMs: SERVICE_TIMEOUT_MS });
  } catch (error) {
    // An HTTP 498 without a JSON body is a refusal all the same.
    if (error instanceof ArcGisRefusedError) return refused(error.arcgis, answer);
    return { ok: false, lines: [`failed     ${presentationFailure(error)}`] };
  }
  if (presented.arcgis !== undefined) return refused(presented.arcgis, answer);
  if (presented.httpStatus !== 200) return { ok: false, lines: [`failed     HTTP ${presented.httpStatus} with JSON: ${SERVICE_NOT_ARCGIS.smoke}`] };
  return { ok: true, lines: ['ok         HTTP 200 and an ArcGIS answer: the service accepted the token'] };
}

function refused(info: ArcGisErrorInfo, answer: TokenAnswer): Verdict {
  const hints = info.code === 498 ? WRONG_DISPENSER.smoke(answer) : [info.code === 499 ? TOKEN_NOT_SEEN.smoke : info.code === 403 ? SERVICE_NOT_SHARED.smoke : SERVICE_REFUSED.smoke];
  return { ok: false, lines: [`failed     ArcGIS answered ${quoteArcGisError(info)}`, ...hints.map((line) => `why        ${line}`)] };
}

/** What came instead of ArcGIS JSON. */
function presentationFailure(error: unknown): string {
  if (error instanceof ArcGisBadResponseError) return `HTTP ${error.httpStatus} with ${error.kind === 'html' ? 'an HTML page' : 'a body that is not JSON'}: ${SERVICE_NOT_ARCGIS.smoke}`;
  if (error instanceof ArcGisUnreachableError) return isTimeout(error.cause) ? `no answer within ${SERVICE_TIMEOUT_MS} ms` : `no answer: ${errorCode(error) ?? 'fetch failed'}`;
  if (error instanceof ArcGisRateLimitedError) return `HTTP ${error.httpStatus}: the service is rate limiting requests; try again in ${Math.ceil(error.retryAfterMs / 1000)} s`;
  if (error instanceof TokenVendingError) return error.message;
  throw error;
}

// Where a token is asked for: the stack's ApiUrl output (https://API_ID.execute-api.REGION.amazonaws.com/v1/token)
// or the stage URL it starts with, plus /{target} and ?minValidity=.
import { TARGET_NAME, TARGET_NAME_RULE } from '../domain/target-name.js';
import { TokenClientConfigError } from './errors.js';
/** Regional and edge hosts (API_ID or API_ID-VPCE_ID) and VPC endpoint hosts name the Region after execute-api. */
const EXECUTE_API_HOST = /\.execute-api\.([a-z0-9-]+)\.(?:vpce\.)?amazonaws\.com(?:\.cn)?$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The URL of GET /token: a stage URL gets /token appended; one already ending in /token is kept. */
export function tokenEndpoint(apiUrl: string): URL {
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch {
    throw new TokenClientConfigError(`apiUrl "${apiUrl}" is not a URL: give the stack's ApiUrl output, e.g. https://API_ID.execute-api.eu-west-1.amazonaws.com/v1/token.`);
  }
  // The answer is a token: it must not travel in clear, except to a local server on this machine.
  if (!isHttpsOrLoopback(url)) {
    throw new TokenClientConfigError(`apiUrl must use https:// (plain http:// only to 127.0.0.1 or localhost), got ${url.protocol}//${url.host}.`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new TokenClientConfigError('apiUrl must not carry a query string, a fragment or user info: pass target and minValidity as options.');
  }
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/token') ? path : `${path}/token`;
  return url;
}

/** https://, or plain http:// to this machine only: where a token may be sent. */
export function isHttpsOrLoopback(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

/** Refuses a bad target name or minValidity before anything is sent. */
export function checkTokenRequest(target: string | undefined, minValidity: number | undefined): void {
  if (target !== undefined && !TARGET_NAME.test(target)) throw new TokenClientConfigError(`target "${target}" is not a target name: ${TARGET_NAME_RULE}.`);
  if (minValidity !== undefined) checkMinValidity(minValidity);
}

export function tokenUrl(endpoint: URL, target: string | undefined, minValidity: number | undefined): URL {
  checkTokenRequest(target, minValidity);
  const url = new URL(endpoint);
  if (target !== undefined) url.pathname = `${url.pathname}/${target}`;
  if (minValidity !== undefined) url.searchParams.set('minValidity', String(minValidity));
  return url;
}

export function checkMinValidity(minValidity: number): number {
  if (!Number.isSafeInteger(minValidity) || minValidity < 0) {
    throw new TokenClientConfigError(`minValidity must be a whole number of seconds (0 or more), got ${String(minValidity)}.`);
  }
  return minValidity;
}

/** eu-west-1 from https://abc123.execute-api.eu-west-1.amazonaws.com/v1; undefined for other hosts (custom domains, localhost). */
/** A Lambda Function URL: https://URL_ID.lambda-url.REGION.on.aws/ */
const FUNCTION_URL_HOST = /^[a-z0-9]+\.lambda-url\.([a-z0-9-]+)\.on\.aws$/;

export function regionFromApiUrl(url: URL): string | undefined {
  return EXECUTE_API_HOST.exec(url.hostname)?.[1] ?? FUNCTION_URL_HOST.exec(url.hostname)?.[1];
}

/** A Function URL checks signatures for service lambda; API Gateway's for execute-api. */
export function signingServiceOf(url: URL): 'execute-api' | 'lambda' {
  return FUNCTION_URL_HOST.test(url.hostname) ? 'lambda' : 'execute-api';
}

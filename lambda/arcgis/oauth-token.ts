// App credentials (OAuth 2.0 client_credentials): the way to tokens for sites whose users sign in
// with SAML or IWA, where generateToken cannot be used. The wire format is `access_token` and
// `expires_in` in SECONDS (a known bug in other helpers reads it as minutes); it becomes
// { token, expires } here, inside the adapter.
import * as z from 'zod/mini';
import '../domain/config/zod-locale.js';
import { lazySchema } from '../domain/config/lazy-schema.js';
import { ArcGisBadResponseError, ArcGisUnreachableError, InvalidCredentialsError } from '../domain/errors.js';
import { INVALID_APP_CREDENTIALS } from './hints.js';
import { postForm, type HttpOptions } from './http.js';
import { withoutSecrets } from './redaction.js';
import { MAX_APP_TOKEN_LIFETIME_MS, checkPlausibleToken, errorInfo, parseJson, refusal, type IssuedToken } from './token-response.js';

/** ArcGIS caps app tokens at 14 days. */
export const MAX_APP_TOKEN_MINUTES = 20_160;

const AppTokenAnswer = lazySchema(() =>
  z.object({
    access_token: z.string().check(z.minLength(1)),
    expires_in: z.number().check(z.int(), z.positive()),
  }),
);

export interface AppTokenRequest {
  oauthUrl: string;
  clientId: string;
  clientSecret: string;
  expirationMinutes: number;
}

export async function appToken(request: AppTokenRequest, options: HttpOptions & { now: () => number }): Promise<IssuedToken> {
  try {
    return await requestAppToken(request, options);
  } catch (error) {
    if (error instanceof ArcGisUnreachableError) error.loginOutcomeUnknown = error.requestMayHaveArrived;
    throw withoutSecrets(error, [request.clientSecret]);
  }
}

async function requestAppToken(request: AppTokenRequest, options: HttpOptions & { now: () => number }): Promise<IssuedToken> {
  const form = new URLSearchParams({
    client_id: request.clientId,
    client_secret: request.clientSecret,
    grant_type: 'client_credentials',
    expiration: String(Math.min(request.expirationMinutes, MAX_APP_TOKEN_MINUTES)),
    f: 'json',
  });
  const started = options.now();
  const answer = await postForm(request.oauthUrl, form, options);
  const json = parseJson(answer);
  const ok = AppTokenAnswer.safeParse(json);
  if (ok.success) {
    const expires = started + ok.data.expires_in * 1000;
    // expires_in is relative, so no clock is involved; the allowance still applies as an upper bound.
    checkPlausibleToken(ok.data.access_token, expires, options.now(), { url: request.oauthUrl, httpStatus: answer.status, maxLifetimeMs: MAX_APP_TOKEN_LIFETIME_MS, kind: 'app tokens' });
    // OAuth answers carry no ssl flag; an https endpoint issues tokens meant for https.
    return { token: ok.data.access_token, expires, ssl: URL.parse(request.oauthUrl)?.protocol === 'https:' };
  }
  const info = errorInfo(json, answer);
  if (info !== undefined) {
    const text = `${info.message} ${info.details.join(' ')} ${JSON.stringify(json)}`;
    if (/invalid_client|invalid client/i.test(text)) {
      throw new InvalidCredentialsError(info, INVALID_APP_CREDENTIALS.message);
    }
    throw refusal(info);
  }
  throw new ArcGisBadResponseError(`${request.oauthUrl} answered HTTP ${answer.status} with JSON that holds neither access_token nor an error. Check that it is the portal's /sharing/rest/oauth2/token.`, answer.status, 'unexpected-json');
}

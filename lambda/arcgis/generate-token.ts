// generateToken with a user name and password, as ArcGIS documents it: POST, form-encoded, f=json.
import type { ClientMode } from '../domain/config/settings.js';
import { ArcGisUnreachableError } from '../domain/errors.js';
import { postForm, type HttpOptions } from './http.js';
import { withoutSecrets } from './redaction.js';
import { parseTokenAnswer, type IssuedToken } from './token-response.js';

export interface GenerateTokenRequest {
  tokenUrl: string;
  username: string;
  password: string;
  client: ClientMode;
  referer?: string | undefined;
  ip?: string | undefined;
  expirationMinutes: number;
}

export type GenerateTokenOptions = HttpOptions & { now: () => number };

export function generateTokenForm(request: GenerateTokenRequest): URLSearchParams {
  const form = new URLSearchParams({
    username: request.username,
    password: request.password,
    client: request.client,
    expiration: String(request.expirationMinutes),
    // Without f=json ArcGIS answers with an HTML page.
    f: 'json',
  });
  if (request.client === 'referer' && request.referer !== undefined) form.set('referer', request.referer);
  if (request.client === 'ip' && request.ip !== undefined) form.set('ip', request.ip);
  return form;
}

export async function generateToken(request: GenerateTokenRequest, options: GenerateTokenOptions): Promise<IssuedToken> {
  try {
    const answer = await postForm(request.tokenUrl, generateTokenForm(request), options);
    return parseTokenAnswer(answer, options.now());
  } catch (error) {
    if (error instanceof ArcGisUnreachableError) error.loginOutcomeUnknown = error.requestMayHaveArrived;
    throw withoutSecrets(error, [request.password]);
  }
}

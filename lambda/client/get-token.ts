// getToken: one call for apps that just want a token. It keeps one TokenClient (and so one cache)
// per deployment and caller identity for the life of the process.
import { createHash } from 'node:crypto';
import { createTokenClient, type TokenClient, type TokenClientOptions, type TokenRequest } from './token-client.js';
import type { TokenAnswer } from './token-answer.js';

export type GetTokenOptions = TokenClientOptions & TokenRequest;

const clients = new Map<string, TokenClient>();
/** A number per credentials provider, so two identities never share a cached answer. */
const providers = new WeakMap<object, number>();
let providerCount = 0;

/**
 * A token for `target` (default: the service's default target) that stays valid for at least
 * `minValidity` seconds, SigV4-signed with the caller's AWS credentials.
 *
 * @throws TokenProblemError the service answered an error (its problem document is attached)
 * @throws TokenRequestError no answer (connection failed, timeout)
 * @throws TokenAnswerError a 200 answer that is not a token answer
 * @throws TokenClientConfigError unusable options; nothing was sent
 */
export function getToken(options: GetTokenOptions): Promise<TokenAnswer> {
  const { target, minValidity, rejected, ...clientOptions } = options;
  let client: TokenClient;
  try {
    client = sharedClient(clientOptions);
  } catch (error) {
    return Promise.reject(error);
  }
  return client.getToken({ ...(target !== undefined ? { target } : {}), ...(minValidity !== undefined ? { minValidity } : {}), ...(rejected !== undefined ? { rejected } : {}) });
}

function sharedClient(options: TokenClientOptions): TokenClient {
  const key = JSON.stringify([
    options.apiUrl,
    options.region ?? null,
    options.credentials === undefined ? null : identityOf(options.credentials),
    // A hash, so the key itself is not kept in a second place.
    options.apiKey === undefined ? null : createHash('sha256').update(options.apiKey).digest('hex'),
    options.timeoutMs ?? null,
    options.cacheMarginSeconds ?? null,
    options.signingService ?? null,
  ]);
  let client = clients.get(key);
  if (client === undefined) {
    client = createTokenClient(options);
    clients.set(key, client);
  }
  return client;
}

/**
 * Static credentials by their content (hashed), so a literal rebuilt on every call still finds its
 * client; a provider by identity, so pass the same provider each time (or hold a createTokenClient).
 */
function identityOf(credentials: NonNullable<TokenClientOptions['credentials']>): string {
  if (typeof credentials !== 'function') {
    const { accessKeyId, secretAccessKey, sessionToken } = credentials;
    return createHash('sha256').update([accessKeyId, secretAccessKey, sessionToken ?? ''].join('\n')).digest('hex');
  }
  let id = providers.get(credentials);
  if (id === undefined) providers.set(credentials, (id = ++providerCount));
  return `provider-${id}`;
}

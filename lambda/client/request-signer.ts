// SigV4 for the service's front doors (service execute-api for a REST or HTTP API, lambda for a
// Function URL) with the AWS SDK's own pieces: the signer and the SHA-256 the SDK clients use, and
// the SDK's default credential chain (environment, SSO, shared config and credentials files, web
// identity, ECS and EC2 roles).
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@smithy/core/checksum';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';

export type AwsCredentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

/** Headers that sign a GET of `url`; fetch then sends the same host and query it signed. */
export type RequestSigner = (url: URL) => Promise<Record<string, string>>;

export type SigningService = 'execute-api' | 'lambda';

export function createRequestSigner(region: string, credentials: AwsCredentials = defaultProvider(), service: SigningService = 'execute-api'): RequestSigner {
  const signer = new SignatureV4({ service, region, credentials, sha256: Sha256 });
  return async (url) => {
    const signed = await signer.sign({
      method: 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port !== '' ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      // The host signed must be the one fetch sends: URL.host, with the port when it is not the default.
      headers: { host: url.host, accept: 'application/json' },
    });
    // fetch sets Host itself (and refuses to be told).
    const { host: _host, ...headers } = signed.headers;
    return headers;
  };
}

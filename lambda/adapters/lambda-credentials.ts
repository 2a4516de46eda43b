// Bundled in place of @aws-sdk/credential-provider-node (an esbuild alias in the CDK construct).
// Lambda hands every function its role's credentials in environment variables, valid for the
// life of the execution environment, and the SDK's default chain takes them from there first. The
// rest of that chain (SSO, INI files, credential processes, web identity, IMDS, and the STS/SSO
// clients they pull in) can never succeed in Lambda, yet adds ~90 KB to the bundle and to every
// cold start's load time.
import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentity } from '@aws-sdk/types';

export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);

export const credentialsWillNeedRefresh = (credentials: AwsCredentialIdentity): boolean => credentials?.expiration !== undefined;

export const credentialsTreatedAsExpired = (credentials: AwsCredentialIdentity): boolean =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;

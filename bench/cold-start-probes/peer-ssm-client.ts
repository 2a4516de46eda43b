// Peer: what a user would write instead of this service, with the SDK alone. A Lambda handler with
// one SSMClient at module scope that answers each request with the SecureString's value. Bundled
// with the deployed esbuild settings, so it gets the same env-only credential provider.
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

const ssm = new SSMClient({});

export const handler = async () => {
  const { Parameter } = await ssm.send(new GetParameterCommand({ Name: process.env.BENCH_PARAMETER, WithDecryption: true }));
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Parameter?.Value ?? '' };
};

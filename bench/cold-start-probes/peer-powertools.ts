// Peer: the same handler written with Powertools Parameters, as its documentation shows:
// getParameter with decryption (it caches the value for 5 s by default and builds its own
// SSMClient). Bundled with the deployed esbuild settings, so it gets the same env-only credential
// provider; without that alias it pulls in the SDK's whole default credential chain.
import { getParameter } from '@aws-lambda-powertools/parameters/ssm';

export const handler = async () => {
  const value = await getParameter(process.env.BENCH_PARAMETER ?? '', { decrypt: true });
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: value ?? '' };
};

// Rung 3 of the cold-start ladder: the same two calls through the SDK clients the function uses
// (bundled, as deployed), and nothing else: what the SDK alone costs a cold container.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

const [parameter, secret] = await Promise.all([
  new SSMClient({}).send(new GetParameterCommand({ Name: process.env.BENCH_PARAMETER, WithDecryption: true })),
  new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: process.env.BENCH_SECRET_ID })),
]);
process.stdout.write(JSON.stringify({ ok: parameter.Parameter !== undefined && typeof secret.SecretString === 'string' }));

// Rung 3 of the cold-start ladder: the one call a cold cached request makes (GetParameter of the
// token, decrypted) through the SDK client the function uses, bundled as deployed, and nothing
// else: what the SDK alone costs a cold container that answers from the store.
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

const parameter = await new SSMClient({}).send(new GetParameterCommand({ Name: process.env.BENCH_PARAMETER, WithDecryption: true }));
process.stdout.write(JSON.stringify({ ok: parameter.Parameter !== undefined }));

// Rung 2 of the cold-start ladder: the least any SSM-backed answer can do. The one call a cold
// cached request makes (GetParameter for the token), SigV4-signed with the SDK's own signer and
// sent with node:https, with no SDK client, no validation, no logging. Only node:https, as the
// SDK's HTTP handler imports it for https:// endpoints (the only kind Lambda uses): on Node >= 22
// an ES-module import of node:http loads undici, which neither pays.
import { request } from 'node:https';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';

const env = process.env;
const credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '', sessionToken: env.AWS_SESSION_TOKEN };

async function call(service: string, endpoint: string, target: string, input: object): Promise<Record<string, unknown>> {
  const url = new URL(endpoint);
  const body = JSON.stringify(input);
  const signer = new SignatureV4({ service, region: env.AWS_REGION ?? '', credentials, sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port === '' ? {} : { port: Number(url.port) }),
    path: '/',
    headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    body,
  });
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: signed.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text) as Record<string, unknown>) : reject(new Error(`${target} answered ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const parameter = await call('ssm', env.AWS_ENDPOINT_URL_SSM ?? '', 'AmazonSSM.GetParameter', { Name: env.BENCH_PARAMETER, WithDecryption: true });
process.stdout.write(JSON.stringify({ ok: parameter.Parameter !== undefined }));

// A loopback stand-in for SSM and Secrets Manager that speaks their real wire protocol (AWS JSON
// 1.1, dispatched on X-Amz-Target), so the benchmarks run the real SDK clients, and the deployed
// bundle can be pointed at it with AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL_SECRETS_MANAGER.
// It counts every call, in total and per signing access key (each measured container signs with
// its own), so the cost model and the fleet storm are built from those counts.
//
// With a certificate (bench/private-ca.ts) it serves https, as the real endpoints do: the
// transport decides which of Node's modules a cold start loads, so the bench measures over https.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** One AWS endpoint a process is pointed at: the SDK's per-service endpoint variable and its URL. */
export interface AwsEndpoint {
  env: string;
  url: string;
}

/**
 * The services this stand-in answers, by the endpoint variable the SDK reads and the X-Amz-Target
 * prefix of their operations. The coordination table (DynamoDB, issue 11) would be one more row,
 * `{ env: 'AWS_ENDPOINT_URL_DYNAMODB', targetPrefix: 'DynamoDB_20120810' }`, plus its operations below.
 */
export const STAND_IN_SERVICES = [
  { env: 'AWS_ENDPOINT_URL_SSM', targetPrefix: 'AmazonSSM' },
  { env: 'AWS_ENDPOINT_URL_SECRETS_MANAGER', targetPrefix: 'secretsmanager' },
] as const;

export interface FakeAwsOptions {
  /** Serve https with this key and certificate; plain http without. */
  tls?: { key: string; cert: string };
}

export interface FakeAws {
  url: string;
  transport: 'https' | 'http';
  /** Every service's endpoint variable pointed at this stand-in. */
  endpoints: AwsEndpoint[];
  parameters: Map<string, string>;
  secrets: Map<string, string>;
  calls: Record<string, number>;
  /** The same counts per access key id of the SigV4 signature ('' when unsigned). */
  callsByAccessKey: Record<string, Record<string, number>>;
  /** The Authorization header of the last call of each operation (to check who signed it, and how). */
  authorizations: Record<string, string>;
  close(): Promise<void>;
}

/** The process environment that points SDK clients at these endpoints. */
export function endpointEnvironment(endpoints: readonly AwsEndpoint[]): Record<string, string> {
  return Object.fromEntries(endpoints.map((e) => [e.env, e.url]));
}

/** The access key id in a SigV4 Authorization header ('' when there is none). */
export function signingAccessKey(authorization: string): string {
  return /Credential=([^/,\s]+)\//.exec(authorization)?.[1] ?? '';
}

export async function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAws> {
  const parameters = new Map<string, string>();
  const secrets = new Map<string, string>();
  const calls: Record<string, number> = {};
  const callsByAccessKey: Record<string, Record<string, number>> = {};
  const authorizations: Record<string, string> = {};
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const op = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      const authorization = String(req.headers.authorization ?? '');
      calls[op] = (calls[op] ?? 0) + 1;
      const byKey = (callsByAccessKey[signingAccessKey(authorization)] ??= {});
      byKey[op] = (byKey[op] ?? 0) + 1;
      authorizations[op] = authorization;
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'bench' });
        res.end(JSON.stringify(body));
      };
      const name = String(input.Name ?? input.SecretId ?? '');
      switch (op) {
        case 'GetParameter': {
          const value = parameters.get(name);
          return value === undefined ? reply(400, { __type: 'ParameterNotFound', message: `Parameter ${name} not found.` }) : reply(200, { Parameter: { Name: name, Type: 'SecureString', Value: value, Version: 1 } });
        }
        case 'PutParameter': {
          if (input.Overwrite !== true && parameters.has(name)) return reply(400, { __type: 'ParameterAlreadyExists', message: 'The parameter already exists.' });
          parameters.set(name, String(input.Value));
          return reply(200, { Version: 1, Tier: 'Standard' });
        }
        case 'GetSecretValue': {
          const value = secrets.get(name);
          return value === undefined ? reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." }) : reply(200, { ARN: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`, Name: name, SecretString: value, VersionId: 'v1' });
        }
        default:
          return reply(400, { __type: 'UnknownOperationException', message: op });
      }
    });
  };
  const server: Server = options.tls === undefined ? createHttpServer(handle) : createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const transport = options.tls === undefined ? 'http' : 'https';
  const url = `${transport}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    transport,
    endpoints: STAND_IN_SERVICES.map((s) => ({ env: s.env, url })),
    parameters,
    secrets,
    calls,
    callsByAccessKey,
    authorizations,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// A loopback stand-in for SSM and Secrets Manager that speaks their real wire protocol (AWS JSON
// 1.1, dispatched on X-Amz-Target), so the benchmarks run the real SDK clients, and the deployed
// bundle can be pointed at it with AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL_SECRETS_MANAGER.
// DynamoDB's calls (the login coordination table) are forwarded to a real implementation of its
// API (dynalite, test/stand-ins/dynamodb.ts) when one is given: this stand-in only adds https and
// the counting, since a condition expression is not something to re-implement here.
// It counts every call, in total and per signing access key (each measured container signs with
// its own), so the cost model and the fleet storm are built from those counts.
//
// With a certificate (bench/private-ca.ts) it serves https, as the real endpoints do: the
// transport decides which of Node's modules a cold start loads, so the bench measures over https.
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** One AWS endpoint a process is pointed at: the SDK's per-service endpoint variable and its URL. */
export interface AwsEndpoint {
  env: string;
  url: string;
}

/**
 * The services this stand-in answers, by the endpoint variable the SDK reads and the X-Amz-Target
 * prefix of their operations. Every process is pointed at all three, so a call the code under test
 * should not make (DynamoDB on a cached request) is counted here rather than sent anywhere else.
 */
export const STAND_IN_SERVICES = [
  { env: 'AWS_ENDPOINT_URL_SSM', targetPrefix: 'AmazonSSM' },
  { env: 'AWS_ENDPOINT_URL_SECRETS_MANAGER', targetPrefix: 'secretsmanager' },
  { env: 'AWS_ENDPOINT_URL_DYNAMODB', targetPrefix: 'DynamoDB_20120810' },
] as const;

const DYNAMODB_TARGET_PREFIX = 'DynamoDB_20120810.';

export interface FakeAwsOptions {
  /** Serve https with this key and certificate; plain http without. */
  tls?: { key: string; cert: string };
  /**
   * Where DynamoDB's calls go (an http:// DynamoDB implementation on loopback, e.g. dynalite with
   * the coordination table). Without it they are answered with an error (and still counted).
   */
  dynamodbUpstream?: string;
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

/** Sends one DynamoDB call on to the upstream implementation as it came, and its answer back as it went. */
function forwardDynamoDb(req: IncomingMessage, body: Buffer, res: ServerResponse, upstream: string | undefined): void {
  if (upstream === undefined) {
    res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'bench' });
    res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', message: 'this stand-in was started without a DynamoDB upstream' }));
    return;
  }
  const url = new URL(upstream);
  const forwarded = httpRequest({ host: url.hostname, port: url.port, method: req.method, path: req.url, headers: { ...req.headers, host: url.host } }, (answer) => {
    // The answer's bytes and headers unchanged: the SDK checks the body against x-amz-crc32.
    res.writeHead(answer.statusCode ?? 500, answer.headers);
    answer.pipe(res);
  });
  forwarded.on('error', () => res.destroy());
  forwarded.end(body);
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
      const target = String(req.headers['x-amz-target'] ?? '');
      const op = target.split('.').pop() ?? '';
      const authorization = String(req.headers.authorization ?? '');
      calls[op] = (calls[op] ?? 0) + 1;
      const byKey = (callsByAccessKey[signingAccessKey(authorization)] ??= {});
      byKey[op] = (byKey[op] ?? 0) + 1;
      authorizations[op] = authorization;
      if (target.startsWith(DYNAMODB_TARGET_PREFIX)) return forwardDynamoDb(req, Buffer.concat(chunks), res, options.dynamodbUpstream);
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

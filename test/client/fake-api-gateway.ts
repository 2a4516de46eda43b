// A stand-in for API Gateway with IAM auth, over real HTTP on loopback: it checks each request's
// SigV4 signature the way API Gateway does (by recomputing it with the caller's secret key, here
// with the SDK's own SignatureV4) and only then hands the request to the test's `respond`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@smithy/core/checksum';

export interface FakeCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface GatewayRequest {
  method: string;
  /** Path as sent, without the query string. */
  path: string;
  /** The {target} segment; undefined for /v1/token. */
  target: string | undefined;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
}

export interface GatewayAnswer {
  status: number;
  body: unknown;
  contentType?: string;
  /** Keep the connection open this long before answering (for concurrency and timeout tests). */
  delayMs?: number;
}

export interface FakeApiGateway {
  /** Stage URL: http://127.0.0.1:PORT/v1 */
  readonly stageUrl: string;
  /** What the stack's ApiUrl output looks like: stageUrl + '/token' */
  readonly apiUrl: string;
  /** Requests that passed authentication, in order. */
  readonly requests: GatewayRequest[];
  /** Requests refused before `respond` ran, with API Gateway's message. */
  readonly refused: string[];
  close(): Promise<void>;
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const ROUTE = /^\/v1\/token(?:\/([^/]+))?$/;

/** `mode: 'apiKey'` checks x-api-key instead of a signature, like a method with apiKeyRequired. */
export async function startFakeApiGateway(options: {
  region: string;
  credentials: FakeCredentials;
  respond: (request: GatewayRequest) => GatewayAnswer | Promise<GatewayAnswer>;
  mode?: 'iam' | 'apiKey';
  apiKey?: string;
  /** The SigV4 service callers must sign for: execute-api (REST and HTTP APIs) or lambda (a Function URL). @default 'execute-api' */
  service?: 'execute-api' | 'lambda';
}): Promise<FakeApiGateway> {
  const requests: GatewayRequest[] = [];
  const refused: string[] = [];
  // applyChecksum off: the signature covers exactly the SignedHeaders the caller listed (botocore, for
  // one, does not send x-amz-content-sha256), as API Gateway checks it.
  const service = options.service ?? 'execute-api';
  const signer = new SignatureV4({ service, region: options.region, credentials: options.credentials, sha256: Sha256, applyChecksum: false });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const refusal = options.mode === 'apiKey' ? checkApiKey(req, options.apiKey) : await checkSignature(req, url, signer, { ...options, service });
    if (refusal !== undefined) {
      refused.push(refusal);
      return send(res, { status: 403, body: { message: refusal } });
    }
    const route = ROUTE.exec(url.pathname);
    if (req.method !== 'GET' || route === null) return send(res, { status: 403, body: { message: 'Missing Authentication Token' } });
    const request: GatewayRequest = {
      method: req.method,
      path: url.pathname,
      target: route[1],
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : value])),
    };
    requests.push(request);
    const answer = await options.respond(request);
    if (answer.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    send(res, answer);
  }

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const stageUrl = `http://127.0.0.1:${port}/v1`;
  return {
    stageUrl,
    apiUrl: `${stageUrl}/token`,
    requests,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function checkApiKey(req: IncomingMessage, apiKey: string | undefined): string | undefined {
  return req.headers['x-api-key'] === apiKey && apiKey !== undefined ? undefined : 'Forbidden';
}

/** API Gateway's messages for each way a signature fails; undefined when it is valid. */
async function checkSignature(req: IncomingMessage, url: URL, signer: SignatureV4, options: { region: string; credentials: FakeCredentials; service: string }): Promise<string | undefined> {
  const authorization = req.headers.authorization;
  if (authorization === undefined) return 'Missing Authentication Token';
  const parts = AUTHORIZATION.exec(authorization);
  const amzDate = req.headers['x-amz-date'];
  const date = typeof amzDate === 'string' ? AMZ_DATE.exec(amzDate) : null;
  if (parts === null || date === null) return `Authorization header requires 'Credential', 'Signature', 'SignedHeaders' and 'X-Amz-Date'.`;
  const [, accessKeyId, day, region, service, signedHeaders] = parts as unknown as [string, string, string, string, string, string];
  if (accessKeyId !== options.credentials.accessKeyId) return 'The security token included in the request is invalid.';
  if (service !== options.service) return `Credential should be scoped to correct service: '${options.service}'.`;
  if (region !== options.region || day !== amzDate!.slice(0, 8)) return `Credential should be scoped to a valid region, not '${region}'.`;
  if (req.headers['x-amz-security-token'] !== options.credentials.sessionToken) return 'The security token included in the request is invalid.';
  const signingDate = new Date(Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]), Number(date[4]), Number(date[5]), Number(date[6])));
  if (Math.abs(Date.now() - signingDate.getTime()) > 5 * 60_000) return 'Signature expired';
  const names = signedHeaders.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) return 'The request signature must sign host and x-amz-date.';
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  // Sign exactly what arrived: same method, path, query, signed headers and date; the result must match.
  const recomputed = await signer.sign(
    { method: req.method ?? 'GET', protocol: 'http:', hostname: '127.0.0.1', path: url.pathname, query: Object.fromEntries(url.searchParams), headers },
    { signingDate, signableHeaders: new Set(names) },
  );
  if (recomputed.headers['authorization'] !== authorization) {
    return 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
  }
  return undefined;
}

function send(res: ServerResponse, answer: GatewayAnswer): void {
  const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'content-type': answer.contentType ?? (answer.status === 200 ? 'application/json' : 'application/problem+json') });
  res.end(body);
}

// A loopback stand-in for SSM and Secrets Manager that speaks their real wire protocol (AWS JSON
// 1.1, dispatched on X-Amz-Target), so the benchmarks run the real SDK clients, and the deployed
// bundle can be pointed at it with AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL_SECRETS_MANAGER.
// It counts every call: the cost model is built from those counts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeAws {
  url: string;
  parameters: Map<string, string>;
  secrets: Map<string, string>;
  calls: Record<string, number>;
  /** The Authorization header of the last call of each operation (to check who signed it, and how). */
  authorizations: Record<string, string>;
  close(): Promise<void>;
}

export async function startFakeAws(): Promise<FakeAws> {
  const parameters = new Map<string, string>();
  const secrets = new Map<string, string>();
  const calls: Record<string, number> = {};
  const authorizations: Record<string, string> = {};
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const op = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      calls[op] = (calls[op] ?? 0) + 1;
      authorizations[op] = String(req.headers.authorization ?? '');
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
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    parameters,
    secrets,
    calls,
    authorizations,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// A loopback HTTP proxy in front of an AWS stand-in (dynalite, the fake SSM) that injects the faults
// a real AWS endpoint shows: latency, throttling, hangs, and requests held until the test releases
// them, so a test chooses the interleaving of several containers' calls instead of hoping for it.
// Operations are read from X-Amz-Target (the AWS JSON protocols that DynamoDB and SSM speak).
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ProxiedCall {
  /** DynamoDB_20120810.UpdateItem → UpdateItem */
  operation: string;
  body: Record<string, unknown>;
}

/** What to do with one call: forward it (after an optional wait), or answer with an AWS error, or never answer. */
export type FaultDecision =
  | { kind: 'forward'; before?: Promise<void> | undefined; delayMs?: number | undefined }
  | { kind: 'error'; status: number; type: string; message: string }
  | { kind: 'hang' };

export interface AwsFaultProxy {
  url: string;
  /** Every call received, in order, with its decoded JSON body. */
  readonly calls: ProxiedCall[];
  /** Decides each call; the default forwards at once. */
  decide: (call: ProxiedCall) => FaultDecision;
  /** Throttles the next `times` calls of `operation` (any operation when omitted) as AWS does. */
  throttle(times: number, operation?: string): void;
  count(operation: string): number;
  close(): Promise<void>;
}

const FORWARD: FaultDecision = { kind: 'forward' };

export async function startAwsFaultProxy(upstream: string, errorPrefix = ''): Promise<AwsFaultProxy> {
  const target = new URL(upstream);
  const sockets = new Set<Socket>();
  const throttles: Array<{ operation: string | undefined; left: number }> = [];
  const proxy: AwsFaultProxy = {
    url: '',
    calls: [],
    decide: () => FORWARD,
    throttle(times, operation) {
      throttles.push({ operation, left: times });
    },
    count: (operation) => proxy.calls.filter((c) => c.operation === operation).length,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      const call: ProxiedCall = { operation, body: raw.length === 0 ? {} : (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) };
      proxy.calls.push(call);
      const throttle = throttles.find((t) => t.left > 0 && (t.operation === undefined || t.operation === operation));
      const decision: FaultDecision = throttle !== undefined ? (throttle.left--, { kind: 'error', status: 400, type: `${errorPrefix}ThrottlingException`, message: 'Rate exceeded' }) : proxy.decide(call);
      if (decision.kind === 'hang') return;
      if (decision.kind === 'error') {
        res.writeHead(decision.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'fault-proxy', 'x-amzn-errortype': decision.type });
        res.end(JSON.stringify({ __type: decision.type, message: decision.message }));
        return;
      }
      void (async () => {
        await decision.before;
        if (decision.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
        const forwarded = httpRequest(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
          (answer) => {
            res.writeHead(answer.statusCode ?? 500, answer.headers);
            answer.pipe(res);
          },
        );
        forwarded.on('error', () => res.destroy());
        forwarded.end(raw);
      })();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

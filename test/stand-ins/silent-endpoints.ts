// AWS endpoints that fail the way a broken network path does, on loopback: one that accepts the
// connection and reads the request but never answers (a stalled service or a proxy that swallows
// requests), and one whose connections are never accepted (the connect itself hangs, as behind a
// firewall that drops packets).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface SilentEndpoint {
  url: string;
  /** The X-Amz-Target of every request received, in order ("AmazonSSM.GetParameter", …). */
  readonly targets: string[];
  count(target: string): number;
  close(): Promise<void>;
}

/** Reads every request and never answers; sockets stay open until close(). */
export async function startSilentEndpoint(): Promise<SilentEndpoint> {
  const targets: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage) => {
    targets.push(String(req.headers['x-amz-target'] ?? `${req.method} ${req.url}`));
    req.resume();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    targets,
    count: (target) => targets.filter((t) => t === target).length,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface UnacceptedPort {
  url: string;
  close(): void;
}

/**
 * A port whose connections never complete. Node accepts every connection a server is offered, so
 * the listener is a Python socket that never calls accept(), with a backlog of 0 that one filler
 * connection fills: Linux then drops further SYNs, and each connect hangs until the client gives up.
 */
export async function startUnacceptedPort(): Promise<UnacceptedPort> {
  const child: ChildProcess = spawn('/usr/bin/python3', ['-c', 'import socket, sys, time\ns = socket.socket()\ns.bind(("127.0.0.1", 0))\ns.listen(0)\nprint(s.getsockname()[1], flush=True)\nsys.stdin.read()\n'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  const filler = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    filler.once('connect', resolve);
    filler.once('error', reject);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      filler.destroy();
      child.stdin!.end();
      child.kill();
    },
  };
}

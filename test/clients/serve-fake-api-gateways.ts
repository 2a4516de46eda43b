// The SigV4-verifying API Gateway stand-in (test/client/fake-api-gateway.ts), served for the Python
// client's tests: `tsx test/clients/serve-fake-api-gateways.ts '<config JSON>'` starts one gateway
// per entry of `gateways`, prints {"event":"ready","stages":{name: stageUrl}} as one line, then one
// line {"event":"request","gateway":name,...} per request that passed authentication. It stops when
// its stdin closes (the Python test ended), so a crashed test leaves no server behind.
//
// Every gateway answers GET /v1/token[/{target}] with a token answer (fake-token-1, -2, … per
// gateway), except target "unknown": the service's 404 unknown-target problem.
import { startFakeApiGateway, type FakeApiGateway, type FakeCredentials, type GatewayAnswer, type GatewayRequest } from '../client/fake-api-gateway.js';

interface GatewaySpec {
  credentials: FakeCredentials;
  mode?: 'iam' | 'apiKey';
  apiKey?: string;
}

interface Config {
  region: string;
  gateways: Record<string, GatewaySpec>;
}

function tokenAnswer(n: number, target: string): Record<string, unknown> {
  const expires = Date.now() + 60 * 60_000;
  return {
    token: `fake-token-${n}`,
    expires,
    expiresAt: new Date(expires).toISOString(),
    ssl: true,
    target,
    client: 'referer',
    referer: 'https://apps.example.com',
    usage: { header: 'X-Esri-Authorization', scheme: 'Bearer', parameter: 'token', refererHeader: 'https://apps.example.com', httpsOnly: true },
    source: 'cache',
    stale: false,
  };
}

function answer(request: GatewayRequest, n: number): GatewayAnswer {
  if (request.target === 'unknown') {
    return {
      status: 404,
      body: {
        type: 'urn:arcgis-token-vending:problem:unknown-target',
        title: 'No such target',
        status: 404,
        detail: 'There is no target named "unknown". Configured targets: default, maps.',
        instance: '/token/unknown',
        target: 'unknown',
      },
    };
  }
  return { status: 200, body: tokenAnswer(n, request.target ?? 'default') };
}

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as Config;
  const started: FakeApiGateway[] = [];
  const stages: Record<string, string> = {};
  for (const [name, spec] of Object.entries(config.gateways)) {
    let issued = 0;
    const gateway = await startFakeApiGateway({
      region: config.region,
      credentials: spec.credentials,
      ...(spec.mode !== undefined ? { mode: spec.mode } : {}),
      ...(spec.apiKey !== undefined ? { apiKey: spec.apiKey } : {}),
      respond: (request) => {
        print({ event: 'request', gateway: name, path: request.path, target: request.target ?? null, query: request.query, headers: request.headers });
        return answer(request, ++issued);
      },
    });
    started.push(gateway);
    stages[name] = gateway.stageUrl;
  }
  print({ event: 'ready', stages });
  const stop = () => void Promise.all(started.map((g) => g.close())).finally(() => process.exit(0));
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`fake API gateways could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

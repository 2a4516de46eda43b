// Several Lambda containers sharing one store and one login coordinator (the in-memory one, with
// the DynamoDB one's semantics), ArcGIS the simulator over real HTTP answering after 200 ms.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryTokenStore } from '../../lambda/adapters/memory-token-store.js';
import { MemoryLoginCoordinator } from '../../lambda/service/memory-login-coordinator.js';
import { StaticCredentialSource } from '../../lambda/adapters/static-credentials.js';
import { ArcGisTokenIssuer } from '../../lambda/arcgis/arcgis-token-issuer.js';
import type { ServiceConfig } from '../../lambda/domain/config/schema.js';
import { parseServiceConfig } from '../../lambda/domain/config/parse-config.js';
import { TokenService } from '../../lambda/service/token-service.js';
import { startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';
import { CapturingLog } from './fakes.js';

let sim: ArcGisSimulator;
let config: ServiceConfig;
let store: MemoryTokenStore;
let coordinator: MemoryLoginCoordinator;

function container(): TokenService {
  return new TokenService({
    config,
    store,
    coordinator,
    credentials: new StaticCredentialSource(new Map([['arcgis/main', { kind: 'user', ...FAKE }], ['arcgis/ops', { kind: 'user', ...FAKE }]])),
    issuer: new ArcGisTokenIssuer({ timeoutMs: config.requestTimeoutMs, allowInsecureHttp: true }),
    log: new CapturingLog(),
  });
}

beforeAll(async () => {
  sim = await startArcGisSimulator({ users: [FAKE] });
  sim.setLatency(200);
  config = parseServiceConfig(
    {
      targets: [
        { name: 'main', url: sim.portalUrl, referer: 'https://apps.example.com', secretId: 'arcgis/main' },
        { name: 'ops', url: sim.serverUrl, client: 'ip', ip: '203.0.113.7', secretId: 'arcgis/ops' },
      ],
      allowInsecureHttp: true,
      requestTimeoutMs: 2_000,
    },
    'test',
  );
});
afterAll(() => sim.close());
beforeEach(() => {
  store = new MemoryTokenStore();
  coordinator = new MemoryLoginCoordinator();
});

describe('a cold start of many containers', () => {
  it('causes one ArcGIS login per target: 8 containers x 125 concurrent requests each', async () => {
    const before = sim.loginCount();
    const containers = Array.from({ length: 8 }, container);
    const served = await Promise.all(containers.flatMap((c) => Array.from({ length: 125 }, () => c.getToken('main'))));
    expect(served).toHaveLength(1000);
    expect(new Set(served.map((s) => s.token)).size).toBe(1);
    // The 125 callers of the container that logged in share its flight; the other 875 got it from the store.
    expect(served.filter((s) => s.source === 'generated')).toHaveLength(125);
    expect(served.filter((s) => s.source === 'cache')).toHaveLength(875);
    expect(sim.loginCount() - before).toBe(1);
  });

  it('keeps targets independent: one login each for two targets', async () => {
    const before = sim.loginCount();
    const containers = Array.from({ length: 4 }, container);
    await Promise.all(containers.flatMap((c) => [c.getToken('main'), c.getToken('ops'), c.getToken('main'), c.getToken('ops')]));
    expect(sim.loginCount() - before).toBe(2);
  });

  it('lets a waiting container take over when the lease holder fails', async () => {
    const before = sim.loginCount();
    sim.failNext({ kind: 'status', status: 503, body: '<html>Service Unavailable</html>', contentType: 'text/html' });
    const [first, second] = await Promise.allSettled([container().getToken('main'), container().getToken('main')]);
    expect(first.status).toBe('rejected');
    expect(second).toMatchObject({ status: 'fulfilled', value: { source: 'generated' } });
    expect(sim.loginCount() - before).toBe(2);
  });
});

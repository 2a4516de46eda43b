// Every request ends inside one deadline (issue 12, point 5): a site that accepts the connection
// and never answers, and one that answers each request just under the per-request timeout, are
// both answered with the documented problem (504 arcgis-unreachable) by the request's deadline,
// from the Lambda handler and from the local server. Without the deadline each request would get
// its full requestTimeoutMs one after another: five discovery probes of 10 s (50 s) for the stalled
// site, four requests of 2 s (8 s, past the 6.5 s deadline) for the slow federated login.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DEADLINE_MS } from '../../lambda/domain/config/settings.js';
import type { ServiceConfigInput, TargetInput } from '../../lambda/domain/config/schema.js';
import { startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';
import { call, loadHandler, resetAwsMocks, unloadConfig, type Handler } from '../handlers/lambda-harness.js';
import { startLocalServer } from '../local/local-process.js';
import { startSilentEndpoint, type SilentEndpoint } from '../stand-ins/silent-endpoints.js';

const REFERER = 'https://apps.example.com';
const UNREACHABLE = 'urn:arcgis-token-vending:problem:arcgis-unreachable';
/** How long after its deadline an answer may come: building it, and scheduling on a loaded machine. */
const MARGIN_MS = 1_000;

/** The slow site: every answer takes 2 s, under the 2.5 s request timeout; the request has 6.5 s. */
const SLOW = { latencyMs: 2_000, requestTimeoutMs: 2_500, deadlineMs: 6_500 } as const;
/** The stalled site with a short deadline: three probes fit in 4 s (1.5 + 1.5 + 1), two are never sent. */
const STALLED = { requestTimeoutMs: 1_500, deadlineMs: 4_000 } as const;

let sim: ArcGisSimulator;
let silent: SilentEndpoint;

beforeAll(async () => {
  sim = await startArcGisSimulator({ users: [FAKE], federatedServers: [{ adaptor: 'server', registered: true }] });
  silent = await startSilentEndpoint();
});
afterAll(async () => {
  await Promise.all([sim.close(), silent.close()]);
  await unloadConfig();
});
beforeEach(() => {
  sim.setLatency(0);
  sim.requests.length = 0;
  silent.targets.length = 0;
});

const stalledTarget = (): TargetInput => ({ name: 'stalled', url: `${silent.url}/arcgis/rest/services`, referer: REFERER, secretId: 'arcgis/stalled' });
/** A federated server with a secured layer to try each token on: four requests (rest/info, login, exchange, check). */
const federatedTarget = (): TargetInput => {
  const fed = sim.federatedServerUrl('server');
  return { name: 'fed', url: fed, serviceUrl: `${fed}/rest/services/Demo/FeatureServer/0`, referer: REFERER, secretId: 'arcgis/fed' };
};
/** The probes a stalled server target gets before its deadline: the generateToken candidates after the first are never sent. */
const STALLED_PROBES = ['GET /arcgis/rest/info?f=json', 'GET /arcgis/sharing/rest/info?f=json', 'POST /arcgis/tokens/generateToken'];

async function timed<T>(act: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await act();
  return { result, ms: performance.now() - started };
}

describe('the Lambda handler answers within the request deadline', () => {
  beforeEach(() => resetAwsMocks());

  async function handlerFor(config: Omit<ServiceConfigInput, 'allowInsecureHttp'>): Promise<Handler> {
    return loadHandler({ ...config, allowInsecureHttp: true });
  }

  it(`answers a site that accepts connections and never answers with 504 by the default deadline (${DEFAULT_DEADLINE_MS / 1000} s), not after five probes of 10 s`, async () => {
    const handler = await handlerFor({ targets: [stalledTarget()], requestTimeoutMs: 10_000 });
    const { result: answer, ms } = await timed(() => call(handler));
    expect(answer.statusCode).toBe(504);
    expect(answer.json).toMatchObject({ type: UNREACHABLE, status: 504 });
    expect(answer.json.detail).toBe(`${silent.url}/arcgis/rest/info?f=json did not answer within 10000 ms. Check that ${new URL(silent.url).host} is up and reachable from the function (VPC, firewall), or raise requestTimeoutMs.`);
    expect(ms).toBeGreaterThan(DEFAULT_DEADLINE_MS - 500);
    expect(ms).toBeLessThan(27_000);
    expect(silent.targets).toEqual(STALLED_PROBES);
  }, 40_000);

  it(`answers the stalled site by a shorter deadline (${STALLED.deadlineMs} ms with requestTimeoutMs ${STALLED.requestTimeoutMs}), then at once while the failure is remembered`, async () => {
    const handler = await handlerFor({ targets: [stalledTarget()], ...STALLED });
    const { result: answer, ms } = await timed(() => call(handler));
    expect(answer.statusCode).toBe(504);
    expect(answer.json).toMatchObject({ type: UNREACHABLE });
    expect(ms).toBeGreaterThan(STALLED.deadlineMs - 300);
    expect(ms).toBeLessThan(STALLED.deadlineMs + MARGIN_MS);
    expect(silent.targets).toEqual(STALLED_PROBES);

    // The failed discovery is remembered: the next requests get the same problem at once, and no probe is sent.
    for (let i = 0; i < 4; i++) {
      const { result: again, ms: againMs } = await timed(() => call(handler));
      expect(again.statusCode).toBe(504);
      expect(again.json).toMatchObject({ type: UNREACHABLE });
      expect(again.json.detail).toMatch(/ \(Remembered: finding the token endpoint of target "stalled" failed at \S+, and this container does not try again until \S+ \(30 s\), so requests are answered at once instead of each re-running the probes\.\)$/);
      expect(againMs).toBeLessThan(300);
    }
    expect(silent.targets).toEqual(STALLED_PROBES);
  });

  it('answers a site whose every answer comes just under the request timeout with 504 by the deadline, naming the step the deadline cut short', async () => {
    sim.setLatency(SLOW.latencyMs, 'all');
    const handler = await handlerFor({ targets: [federatedTarget()], requestTimeoutMs: SLOW.requestTimeoutMs, deadlineMs: SLOW.deadlineMs });
    const { result: answer, ms } = await timed(() => call(handler));
    expect(answer.statusCode).toBe(504);
    expect(answer.json).toMatchObject({ type: UNREACHABLE });
    // The login gets what is left until 3 s before the deadline: about 1.5 s, less than the site's 2 s.
    expect(answer.json.detail).toMatch(
      new RegExp(`^${escape(sim.portalTokenUrl)} did not answer within the \\d{3,4} ms left before the request's deadline \\(deadlineMs\\): each step gets what the steps before it left\\. Check that ${escape(new URL(sim.url).host)} is up and answers promptly: discovery, login, exchange and check together must fit in deadlineMs \\(at most 28000\\)\\.$`),
    );
    expect(ms).toBeLessThan(SLOW.deadlineMs + MARGIN_MS);
    expect(sim.requests.map((r) => r.path)).toEqual(['/server/rest/info', '/portal/sharing/rest/generateToken']);
  });

  it('answers 504 naming the deadline, not "another container is logging in", when finding the site left too little time to log in', async () => {
    // sharing/rest/info answers after 2.2 s; the login must end 3 s before the 6 s deadline: 0.8 s would be left.
    sim.setLatency(2_200, 'all');
    const handler = await handlerFor({ targets: [{ name: 'portal', url: sim.portalUrl, kind: 'portal', referer: REFERER, secretId: 'arcgis/portal' }], requestTimeoutMs: 2_500, deadlineMs: 6_000 });
    const { result: answer, ms } = await timed(() => call(handler));
    expect(answer.statusCode).toBe(504);
    expect(answer.json).toMatchObject({ type: UNREACHABLE });
    expect(answer.json.detail).toMatch(
      /^Target "portal" was not logged in to ArcGIS: only \d{1,3} ms were left for the login before the request's deadline, and a login is not started with less than 1000 ms \(it must end 3000 ms before the deadline, to store the token\)\. The steps before it \(finding the token endpoint, reading the token store and the secret, taking the login lease\) took the rest\. Check that the ArcGIS site answers promptly, or raise deadlineMs \(at most 28000\)\.$/,
    );
    expect(sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /portal/sharing/rest/info']);
    expect(ms).toBeLessThan(3_000);
  });
});

describe('the local server (npm start) answers within the request deadline', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'atv-deadline-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function fetchTimed(config: Omit<ServiceConfigInput, 'allowInsecureHttp'>) {
    const file = join(dir, `targets-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify({ ...config, allowInsecureHttp: true }));
    const server = await startLocalServer({ TARGETS_FILE: file, ARCGIS_USERNAME: FAKE.username, ARCGIS_PASSWORD: FAKE.password });
    try {
      const { result: response, ms } = await timed(() => fetch(`${server.base}/token`));
      return { status: response.status, json: (await response.json()) as Record<string, unknown>, ms, output: server.output() };
    } finally {
      await server.stop();
    }
  }

  it('answers the stalled site with 504 by the deadline', async () => {
    const answer = await fetchTimed({ targets: [stalledTarget()], ...STALLED });
    expect(answer).toMatchObject({ status: 504, json: { type: UNREACHABLE } });
    expect(answer.ms).toBeGreaterThan(STALLED.deadlineMs - 300);
    expect(answer.ms).toBeLessThan(STALLED.deadlineMs + MARGIN_MS);
    expect(silent.targets).toEqual(STALLED_PROBES);
  });

  it('answers the slow site with 504 by the deadline', async () => {
    sim.setLatency(SLOW.latencyMs, 'all');
    const answer = await fetchTimed({ targets: [federatedTarget()], requestTimeoutMs: SLOW.requestTimeoutMs, deadlineMs: SLOW.deadlineMs });
    expect(answer).toMatchObject({ status: 504, json: { type: UNREACHABLE } });
    expect(answer.json.detail).toMatch(new RegExp(`^${escape(sim.portalTokenUrl)} did not answer within the \\d{3,4} ms left before the request's deadline \\(deadlineMs\\)`));
    expect(answer.ms).toBeLessThan(SLOW.deadlineMs + MARGIN_MS);
    expect(answer.output).not.toContain(FAKE.password);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

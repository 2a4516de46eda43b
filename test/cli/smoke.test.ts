// `npm run smoke` in-process: the real Lambda handler behind a fake API Gateway that checks SigV4
// signatures on loopback (test/client/fake-api-gateway.ts), ArcGIS played by the simulator, and the
// caller's credentials taken from the environment by the AWS SDK's default chain.
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { API_KEY_ENV, runSmoke, SMOKE_USAGE, type SmokeIo } from '../../lambda/cli/smoke.js';
import { startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';
import { apiEvent } from '../handlers/events.js';
import { captureOutput } from '../handlers/output-capture.js';
import { configFor, loadHandler, resetAwsMocks, sm, ssm, tokenWrites, unloadConfig, type Handler } from '../handlers/lambda-harness.js';
import { startFakeApiGateway, type FakeApiGateway, type FakeCredentials } from '../client/fake-api-gateway.js';

const REGION = 'eu-west-1';
const CALLER: FakeCredentials = { accessKeyId: 'AKIDSMOKEFAKE', secretAccessKey: 'fake-smoke-secret-key-not-real', sessionToken: 'fake-smoke-session-token' };
const API_KEY = 'fake-smoke-api-key-value';
const REFERER = 'https://apps.example.com';

let sim: ArcGisSimulator;
let gateway: FakeApiGateway;
let handler: Handler;
/** Every token the endpoint handed out, and everything printed: the smoke check's lines and the function's logs. */
const tokens = new Set<string>();
const printed: string[] = [];
let logs: ReturnType<typeof captureOutput>;
const savedEnv: Record<string, string | undefined> = {};

/** The handler's configuration plus a target on the standalone server bound to a referer. */
function config() {
  const base = configFor(sim);
  return { ...base, targets: [...base.targets, { name: 'maps', url: `${sim.serverUrl}/rest/services`, referer: REFERER, secretId: 'arcgis/maps' }] };
}

async function forward(target: string | undefined, query: Record<string, string>) {
  const multi = Object.fromEntries(Object.entries(query).map(([key, value]) => [key, [value]]));
  const result = (await handler(apiEvent({ ...(target !== undefined ? { target } : {}), ...(Object.keys(multi).length > 0 ? { query: multi } : {}) }))) as APIGatewayProxyResult;
  if (result.statusCode === 200) tokens.add((JSON.parse(result.body) as { token: string }).token);
  return { status: result.statusCode, body: result.body, contentType: String(result.headers?.['content-type']) };
}

async function smoke(args: string[], io: Partial<SmokeIo> = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runSmoke(args, { env: {}, stdout: { write: (chunk: string) => stdout.push(chunk) }, stderr: { write: (chunk: string) => stderr.push(chunk) }, ...io });
  printed.push(...stdout, ...stderr);
  // Timings and minutes left vary from run to run.
  const lines = stdout.join('').split('\n').slice(0, -1).map((line) => line.replace(/ in \d+ ms$/, ' in N ms'));
  return { code, lines, stderr: stderr.join('') };
}

const SERVICE = () => `${sim.serverUrl}/rest/services/Demo/FeatureServer/0`;

beforeAll(async () => {
  sim = await startArcGisSimulator({ users: [FAKE] });
  gateway = await startFakeApiGateway({ region: REGION, credentials: CALLER, respond: (request) => forward(request.target, request.query) });
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) savedEnv[name] = process.env[name];
  // The SDK's default chain reads these first, as it would on a developer's machine or in CI.
  process.env['AWS_ACCESS_KEY_ID'] = CALLER.accessKeyId;
  process.env['AWS_SECRET_ACCESS_KEY'] = CALLER.secretAccessKey;
  process.env['AWS_SESSION_TOKEN'] = CALLER.sessionToken;
  delete process.env['AWS_PROFILE'];
});
afterAll(async () => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await gateway.close();
  await sim.close();
  await unloadConfig();
  const everything = printed.join('');
  expect(tokens.size).toBeGreaterThan(0);
  for (const secret of [...tokens, CALLER.secretAccessKey, CALLER.sessionToken!, API_KEY, FAKE.password, 'fake-wrong-password']) expect(everything).not.toContain(secret);
});
beforeEach(async () => {
  await resetAwsMocks();
  gateway.requests.length = 0;
  gateway.refused.length = 0;
  logs = captureOutput();
  handler = await loadHandler(config());
});
afterEach(() => {
  logs.restore();
  printed.push(logs.text());
});

describe('npm run smoke', () => {
  it('prints the answer of the default target, never the token, and exits 0', async () => {
    const { code, lines } = await smoke(['--api', gateway.apiUrl, '--region', REGION, '--min-validity', '600']);
    const [token] = [...tokens].slice(-1) as [string];
    const expiresAt = lines.find((line) => line.startsWith('  expiresAt'))!.slice(13, 37);
    expect(lines).toEqual([
      `GET ${gateway.apiUrl}?minValidity=600 (SigV4-signed for execute-api in eu-west-1)`,
      '  answered   200 in N ms',
      '  target     portal',
      `  binding    referer ${REFERER}: apps must send exactly this Referer header`,
      `  expiresAt  ${expiresAt} (in 59 min)`,
      '  source     generated',
      '  stale      false',
      '  ssl        false',
      `  token      ${token.length} characters (not shown)`,
      'Smoke check passed.',
    ]);
    expect(code).toBe(0);
    expect(gateway.refused).toEqual([]);
    expect(gateway.requests.map((r) => ({ path: r.path, query: r.query }))).toEqual([{ path: '/v1/token', query: { minValidity: '600' } }]);
  });

  it('tries the token on the service with the answer\'s Referer and passes when ArcGIS accepts it', async () => {
    const { code, lines } = await smoke(['--api', gateway.apiUrl, '--region', REGION, '--target', 'maps', '--service', SERVICE()]);
    expect(lines.slice(-3)).toEqual([
      `Service check: GET ${SERVICE()}?f=json with X-Esri-Authorization: Bearer (the token) and Referer: ${REFERER}`,
      '  ok         HTTP 200 and an ArcGIS answer: the service accepted the token',
      'Smoke check passed.',
    ]);
    expect(code).toBe(0);
    const check = sim.requests.at(-1)!;
    expect({ path: check.path, query: check.query, authorization: check.headers['x-esri-authorization'], referer: check.headers.referer }).toEqual({
      path: '/arcgis/rest/services/Demo/FeatureServer/0',
      query: { f: 'json' },
      authorization: `Bearer ${[...tokens].at(-1)}`,
      referer: REFERER,
    });
  });

  it('explains a 498 on the service (a portal token on a standalone server) and exits 1', async () => {
    const { code, lines } = await smoke(['--api', gateway.apiUrl, '--region', REGION, '--target', 'portal', '--service', SERVICE()]);
    expect(lines.slice(-5)).toEqual([
      `Service check: GET ${SERVICE()}?f=json with X-Esri-Authorization: Bearer (the token) and Referer: ${REFERER}`,
      '  failed     ArcGIS answered error 498 "Invalid Token"',
      "  why        the service rejected the token (Invalid Token). Most often it comes from the wrong dispenser for this service: a portal's token on a standalone ArcGIS Server, a standalone server's token on a portal's services, or a portal token on a federated server without exchange. Point the target at the site that owns the service (or set kind federated with the server's URL).",
      `  why        or the Referer does not match: the check sent Referer: ${REFERER}, the answer's referer; apps must send exactly that, without a query string.`,
      'Smoke check FAILED.',
    ]);
    expect(code).toBe(1);
  });

  it('says a --service that answers a web page is not a service\'s REST URL, and exits 1', async () => {
    const page = `${sim.url}/nowhere/rest/services/Demo/FeatureServer/0`;
    const { code, lines } = await smoke(['--api', gateway.apiUrl, '--region', REGION, '--target', 'maps', '--service', page]);
    expect(lines.slice(-2)).toEqual(["  failed     HTTP 404 with an HTML page: use the service's REST URL (…/rest/services/NAME/FeatureServer/0), not a page", 'Smoke check FAILED.']);
    expect(code).toBe(1);
  });

  it('names the system error when the service does not answer, and exits 1', async () => {
    const gone = await startArcGisSimulator();
    const closed = `${gone.serverUrl}/rest/services/Demo/FeatureServer/0`;
    await gone.close();
    const { code, lines } = await smoke(['--api', gateway.apiUrl, '--region', REGION, '--target', 'maps', '--service', closed]);
    expect(lines.slice(-2)).toEqual(['  failed     no answer: ECONNREFUSED', 'Smoke check FAILED.']);
    expect(code).toBe(1);
  });

  it('prints the problem document when the service fails, and exits 1', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: FAKE.username, password: 'fake-wrong-password' }), VersionId: 'v-bad' });
    handler = await loadHandler(config());
    const { code, lines } = await smoke(['--api', gateway.apiUrl, '--region', REGION]);
    expect(lines).toEqual([
      `GET ${gateway.apiUrl} (SigV4-signed for execute-api in eu-west-1)`,
      '  failed     502 ArcGIS rejected the credentials (urn:arcgis-token-vending:problem:invalid-credentials)',
      expect.stringMatching(/^ {2}detail {5}http:\/\/127\.0\.0\.1:\d+\/portal\/sharing\/rest\/generateToken answered error 400 "Unable to generate token\. \/ Invalid username or password\."\. The user name or password/),
      '  arcgisCode 400',
      '  arcgisMessage Unable to generate token.',
      'Smoke check FAILED.',
    ]);
    expect(code).toBe(1);
  });

  it('explains API Gateway\'s 403 when the signature is refused, and exits 1', async () => {
    const { code, lines } = await smoke(['--api', gateway.apiUrl, '--region', REGION], { credentials: { ...CALLER, secretAccessKey: 'fake-wrong-secret-key' } });
    expect(lines).toEqual([
      `GET ${gateway.apiUrl} (SigV4-signed for execute-api in eu-west-1)`,
      '  failed     403 Forbidden',
      '  detail     The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      `  fix        check that your credentials may call execute-api:Invoke on this API (…/v1/GET/token*), that eu-west-1 is the API's Region, that the URL is the stack's ApiUrl output, and, for an auth=apiKey deployment, set ${API_KEY_ENV}`,
      'Smoke check FAILED.',
    ]);
    expect(code).toBe(1);
    expect(gateway.requests).toEqual([]);
  });

  it('fails on a stale token, naming the refresh failure', async () => {
    await forward(undefined, {});
    const state = JSON.parse(tokenWrites()[0]!.Value!) as { token: { expires: number; issuedAt: number } };
    state.token.issuedAt = Date.now() - 58 * 60_000;
    state.token.expires = Date.now() + 2 * 60_000;
    ssm.on(GetParameterCommand, { Name: '/arcgis-token-vending/portal/token' }).resolves({ Parameter: { Value: JSON.stringify(state) } });
    handler = await loadHandler(config()); // another container, which sees only SSM's copy
    sim.failNext({ kind: 'hang' });
    const { code, lines } = await smoke(['--api', gateway.apiUrl, '--region', REGION, '--min-validity', '60']);
    expect(lines.filter((line) => /^ {2}(source|stale|warning) /.test(line))).toEqual([
      '  source     cache',
      '  stale      true',
      `  warning    the service's last refresh failed (${sim.portalTokenUrl} did not answer within 1000 ms. Check that ${new URL(sim.url).host} is up and reachable from the function (VPC, firewall), or raise requestTimeoutMs.); it served an older cached token instead`,
    ]);
    expect(lines.at(-1)).toBe('Smoke check FAILED.');
    expect(code).toBe(1);
  });

  it(`sends the key from ${API_KEY_ENV} instead of signing`, async () => {
    const keyed = await startFakeApiGateway({ region: REGION, credentials: CALLER, mode: 'apiKey', apiKey: API_KEY, respond: (request) => forward(request.target, request.query) });
    try {
      const { code, lines } = await smoke(['--api', keyed.apiUrl], { env: { [API_KEY_ENV]: API_KEY } });
      expect(lines[0]).toBe(`GET ${keyed.apiUrl} (with the API key from ${API_KEY_ENV})`);
      expect(code).toBe(0);
      expect(keyed.requests.map((r) => [r.headers['x-api-key'], r.headers.authorization])).toEqual([[API_KEY, undefined]]);
    } finally {
      await keyed.close();
    }
  });
});

describe('usage', () => {
  it.each<[string, string[], string]>([
    ['no --api', [], "smoke: --api URL is required (the stack's ApiUrl output)."],
    ['an unknown option', ['--api', 'https://abc.execute-api.eu-west-1.amazonaws.com/v1/token', '--bogus'], "smoke: Unknown option '--bogus'"],
    ['a minValidity that is not a number', ['--api', 'https://abc.execute-api.eu-west-1.amazonaws.com/v1/token', '--min-validity', 'soon'], 'smoke: --min-validity must be a whole number of seconds, got "soon".'],
    ['an http:// API', ['--api', 'http://api.example.com/v1/token'], 'smoke: apiUrl must use https:// (plain http:// only to 127.0.0.1 or localhost), got http://api.example.com.'],
    ['an http:// service', ['--api', 'https://abc.execute-api.eu-west-1.amazonaws.com/v1/token', '--service', 'http://gis.example.com/server/rest/services/Roads/FeatureServer/0'], 'smoke: --service must use https:// (http:// only to 127.0.0.1 or localhost), got http://gis.example.com.'],
    ['a bad target name', ['--api', 'https://abc.execute-api.eu-west-1.amazonaws.com/v1/token', '--target', 'a/b'], 'smoke: target "a/b" is not a target name: 1-64 letters, digits, "-" or "_", starting with a letter or digit.'],
    ['a host without a Region', ['--api', 'https://tokens.example.com/v1/token'], 'smoke: tokens.example.com does not name its Region: pass --region (or set AWS_REGION).'],
  ])('exits 2 on %s', async (_name, args, message) => {
    const { code, lines, stderr } = await smoke(args);
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe(message);
    expect(lines).toEqual([]);
  });

  it('prints the usage for --help and exits 0', async () => {
    const stdout: string[] = [];
    const code = await runSmoke(['--help'], { env: {}, stdout: { write: (chunk: string) => stdout.push(chunk) }, stderr: { write: () => true } });
    expect([code, stdout.join('')]).toEqual([0, SMOKE_USAGE]);
  });

  it('runs as a subcommand of the CLI entry through tsx, as npm run smoke does', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'lambda/cli/main.ts', 'smoke', '--help'], { encoding: 'utf8', timeout: 30_000 });
    expect([run.status, run.stdout]).toEqual([0, SMOKE_USAGE]);
  });
});

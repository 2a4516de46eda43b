// docs/openapi.yaml against the service's real answers: the deployed Lambda entry point (real SDK
// clients with aws-sdk-client-mock for SSM and Secrets Manager, the ArcGIS simulator over HTTP on
// loopback) is driven into every answer it can give, and each answer's body, content type and
// headers are validated with Ajv against what the document declares for that path and status.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { problemResponse } from '../../lambda/http/problem.js';
import {
  ArcGisBadResponseError,
  ArcGisRateLimitedError,
  ArcGisRefusedError,
  ForeignTokenOriginError,
  ArcGisUnreachableError,
  BadRequestError,
  ConfigurationError,
  InvalidCredentialsError,
  LoginPausedError,
  LoginInProgressError,
  RefreshRateLimitedError,
  TooManyCallersError,
  MethodNotAllowedError,
  SecretError,
  TokenEndpointNotFoundError,
  TokenLifetimeError,
  UnknownTargetError,
} from '../../lambda/domain/errors.js';
import { startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import { CapturingLog } from '../service/fakes.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';
import { captureOutput } from '../handlers/output-capture.js';
import { EVENT_SHAPES, type RequestOptions } from '../handlers/events.js';
import { call, configFor, loadHandler, resetAwsMocks, sm, ssm, tokenWrites, unloadConfig, type Handler } from '../handlers/lambda-harness.js';
import { createValidators, loadOpenApi, resolveRef, type OpenApiResponse } from './openapi-document.js';

const document = loadOpenApi();
const validator = createValidators(document);
const APP = { clientId: 'fake-app-client-id', clientSecret: 'fake-app-secret-not-real' };
const PROBLEM = 'urn:arcgis-token-vending:problem:';

type Path = '/token' | '/token/{target}';
interface Answer {
  statusCode: number;
  headers?: Record<string, string | number | boolean> | undefined;
  body: string;
}

/** What the document declares for `path` and the answer's status, checked member by member; [] when it all matches. */
function mismatches(path: Path, answer: Answer): unknown[] {
  const responseRef = document.paths[path]!.get.responses[String(answer.statusCode)];
  if (responseRef === undefined) return [`${path} declares no ${answer.statusCode} response`];
  const response = resolveRef<OpenApiResponse>(document, responseRef.$ref);
  const headers = answer.headers ?? {};
  const contentType = String(headers['content-type']);
  const media = response.content[contentType];
  if (media === undefined) return [`${path} ${answer.statusCode} declares ${Object.keys(response.content).join(', ')}, the answer is ${contentType}`];
  const problems: unknown[] = [];
  const validateBody = validator(media.schema.$ref);
  if (!validateBody(JSON.parse(answer.body))) problems.push(...validateBody.errors!);
  for (const [name, header] of Object.entries(response.headers ?? {})) {
    const value = headers[name.toLowerCase()];
    if (value === undefined) {
      if (resolveRef<{ required?: boolean }>(document, header.$ref!).required !== false) problems.push(`missing header ${name}`);
      continue;
    }
    const validateHeader = validator(`${header.$ref!}/schema`);
    if (!validateHeader(String(value))) problems.push({ header: name, errors: validateHeader.errors });
  }
  return problems;
}

let sim: ArcGisSimulator;
let output: ReturnType<typeof captureOutput>;

beforeAll(async () => {
  sim = await startArcGisSimulator({ users: [FAKE], apps: [APP] });
});
afterAll(async () => {
  await sim.close();
  await unloadConfig();
});
beforeEach(async () => {
  await resetAwsMocks();
  output = captureOutput();
});
afterEach(() => {
  const printed = output.text();
  output.restore();
  for (const secret of [FAKE.password, APP.clientSecret, 'fake-wrong-password']) expect(printed).not.toContain(secret);
});

const secret = (value: unknown) => sm.on(GetSecretValueCommand, { SecretId: 'arcgis/portal' }).resolves({ SecretString: JSON.stringify(value), VersionId: 'v-test' });

/** A second container whose SSM holds this container's token with 2 minutes left (inside the refresh margin). */
async function containerWithExpiringToken(): Promise<Handler> {
  await call(await loadHandler(configFor(sim)));
  const state = JSON.parse(tokenWrites()[0]!.Value!) as { token: { expires: number; issuedAt: number } };
  state.token.issuedAt = Date.now() - 58 * 60_000;
  state.token.expires = Date.now() + 2 * 60_000;
  ssm.on(GetParameterCommand, { Name: '/arcgis-token-vending/portal/token' }).resolves({ Parameter: { Value: JSON.stringify(state) } });
  return loadHandler(configFor(sim));
}

describe('the document', () => {
  it('is OpenAPI 3.1 with GET /token and GET /token/{target}, both taking minValidity and the X-Rejected-Token header', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(['/token', '/token/{target}']);
    expect(document.paths['/token']!.get.parameters).toEqual([{ $ref: '#/components/parameters/minValidity' }, { $ref: '#/components/parameters/rejectedToken' }]);
    expect(document.paths['/token/{target}']!.get.parameters).toEqual([{ $ref: '#/components/parameters/target' }, { $ref: '#/components/parameters/minValidity' }, { $ref: '#/components/parameters/rejectedToken' }]);
    expect(document.components.parameters['rejectedToken']).toMatchObject({ name: 'X-Rejected-Token', in: 'header', required: false });
    expect(document.components.parameters['minValidity']).toMatchObject({ name: 'minValidity', in: 'query', required: false, schema: { type: 'integer', minimum: 0 } });
  });

  it('declares 200, 400, 403, 405, 429, 500, 502, 503 and 504 on both paths, and 404 for a named target', () => {
    const common = ['200', '400', '403', '405', '429', '500', '502', '503', '504'];
    expect(Object.keys(document.paths['/token']!.get.responses).sort()).toEqual(common);
    expect(Object.keys(document.paths['/token/{target}']!.get.responses).sort()).toEqual([...common, '404'].sort());
  });

  it('accepts SigV4 for execute-api or an x-api-key header', () => {
    expect(document.security).toEqual([{ sigv4: [] }, { apiKey: [] }]);
    expect(document.components.securitySchemes['sigv4']).toMatchObject({ type: 'apiKey', in: 'header', name: 'Authorization', 'x-amazon-apigateway-authtype': 'awsSigv4' });
    expect(document.components.securitySchemes['apiKey']).toMatchObject({ type: 'apiKey', in: 'header', name: 'x-api-key' });
  });

  it('resolves every $ref and compiles every schema in strict mode', () => {
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g)!.map((match) => match.slice(8, -1));
    for (const ref of refs) expect(() => resolveRef(document, ref)).not.toThrow();
    for (const name of Object.keys(document.components.schemas)) expect(() => validator(`#/components/schemas/${name}`)).not.toThrow();
    expect(refs.length).toBeGreaterThan(40);
  });
});

describe('the schemas are closed where the answers are', () => {
  const answer = {
    token: 'fake-token',
    expires: 1795429732845,
    expiresAt: '2026-11-23T10:28:52.845Z',
    ssl: true,
    target: 'default',
    client: 'referer',
    referer: 'https://apps.example.com',
    usage: { header: 'X-Esri-Authorization', scheme: 'Bearer', parameter: 'token', refererHeader: 'https://apps.example.com', httpsOnly: true },
    source: 'cache',
    stale: false,
  };
  const valid = (ref: string, body: unknown) => validator(ref)(body);

  it('accepts the README example answer', () => {
    expect(valid('#/components/schemas/TokenAnswer', answer)).toBe(true);
  });

  it.each([
    ['an unknown member', { ...answer, extra: 1 }],
    ['an unknown usage member', { ...answer, usage: { ...answer.usage, query: 'token' } }],
    ['a referer-bound token without referer', { ...answer, referer: undefined }],
    ['a stale token without staleReason', { ...answer, stale: true }],
    ['an unknown source', { ...answer, source: 'memory' }],
    ['an unknown client', { ...answer, client: 'caller-ip' }],
  ])('refuses a token answer with %s', (_name, body) => {
    expect(valid('#/components/schemas/TokenAnswer', JSON.parse(JSON.stringify(body)))).toBe(false);
  });

  it.each([
    ['a 404 type on a 400 status', '#/components/schemas/BadRequestProblem', { type: `${PROBLEM}unknown-target`, title: 'Bad request', status: 400, detail: 'd', instance: '/token' }],
    ['an unknown member', '#/components/schemas/UnknownTargetProblem', { type: `${PROBLEM}unknown-target`, title: 'No such target', status: 404, detail: 'd', instance: '/token/x', token: 'fake-token' }],
    ['invalid-credentials without arcgisCode', '#/components/schemas/ArcGisFailureProblem', { type: `${PROBLEM}invalid-credentials`, title: 'ArcGIS rejected the credentials', status: 502, detail: 'd', instance: '/token', arcgisMessage: 'm', arcgisDetails: [] }],
    ['login-paused without retryAt', '#/components/schemas/LoginPausedProblem', { type: `${PROBLEM}login-paused`, title: 'Logins paused after rejected credentials', status: 503, detail: 'd', instance: '/token', arcgisCode: 400, arcgisMessage: 'm' }],
  ])('refuses a problem with %s', (_name, ref, body) => {
    expect(valid(ref, body)).toBe(false);
  });
});

// Every answer through each front door's event: a REST API proxy event, and the payload 2.0 events
// of an HTTP API and a Function URL, which must give the very same answers.
describe.each(EVENT_SHAPES)("the handler's answers match the document (%s event)", (shape) => {
  const ask = (handler: Handler, options: RequestOptions = {}) => call(handler, { ...options, shape });

  it('200: a referer-bound token just generated (GET /token)', async () => {
    const answer = await ask(await loadHandler(configFor(sim)));
    expect([answer.statusCode, answer.json.source, answer.json.client]).toEqual([200, 'generated', 'referer']);
    expect(mismatches('/token', answer)).toEqual([]);
  });

  it('200: an ip-bound token from the cache (GET /token/{target}?minValidity=600)', async () => {
    const handler = await loadHandler(configFor(sim));
    await ask(handler, { target: 'server', query: { minValidity: ['600'] } });
    const answer = await ask(handler, { target: 'server', query: { minValidity: ['600'] } });
    expect([answer.statusCode, answer.json.source, answer.json.client, answer.json.ip]).toEqual([200, 'cache', 'ip', '203.0.113.7']);
    expect(mismatches('/token/{target}', answer)).toEqual([]);
  });

  it('200: a stale token with its staleReason after a failed refresh', async () => {
    const handler = await containerWithExpiringToken();
    sim.failNext({ kind: 'hang' });
    const answer = await ask(handler, { query: { minValidity: ['60'] } });
    expect([answer.statusCode, answer.json.stale, answer.json.source]).toEqual([200, true, 'cache']);
    expect(answer.json.staleReason).toContain('did not answer within 1000 ms');
    expect(mismatches('/token', answer)).toEqual([]);
  });

  it('200: a manual token from the secret (client unknown)', async () => {
    secret({ manualToken: 'fake-manual-token', manualTokenExpires: new Date(Date.now() + 86_400_000).toISOString() });
    const answer = await ask(await loadHandler(configFor(sim)));
    expect([answer.statusCode, answer.json.source, answer.json.client, answer.json.token]).toEqual([200, 'manual', 'unknown', 'fake-manual-token']);
    expect(mismatches('/token', answer)).toEqual([]);
  });

  it('200: a manual token served after generation failed (staleReason without stale)', async () => {
    secret({ ...FAKE, manualToken: 'fake-manual-token', manualTokenExpires: new Date(Date.now() + 86_400_000).toISOString() });
    const handler = await loadHandler(configFor(sim));
    sim.failNext({ kind: 'hang' });
    const answer = await ask(handler);
    expect([answer.statusCode, answer.json.source, answer.json.stale]).toEqual([200, 'manual', false]);
    expect(answer.json.staleReason).toContain('did not answer within 1000 ms');
    expect(mismatches('/token', answer)).toEqual([]);
  });

  it('200: an app token from OAuth app credentials (client none)', async () => {
    secret(APP);
    const answer = await ask(await loadHandler(configFor(sim)));
    expect([answer.statusCode, answer.json.source, answer.json.client]).toEqual([200, 'generated', 'none']);
    expect(mismatches('/token', answer)).toEqual([]);
  });

  it.each<[string, Record<string, string[]>, string]>([
    ['a minValidity that is not a number', { minValidity: ['soon'] }, 'Bad query string: minValidity must be a whole number of seconds, e.g. minValidity=600.'],
    ['a minValidity beyond the token lifetime', { minValidity: ['3600'] }, 'minValidity 3600 s cannot be met'],
    ['an unknown query parameter', { minvalidity: ['600'] }, 'minvalidity'],
  ])('400: %s', async (_name, query, detail) => {
    const answer = await ask(await loadHandler(configFor(sim)), { target: 'portal', query });
    expect([answer.statusCode, answer.json.type]).toEqual([400, `${PROBLEM}bad-request`]);
    expect(answer.json.detail).toContain(detail);
    expect(mismatches('/token/{target}', answer)).toEqual([]);
  });

  it('404: an unknown target', async () => {
    const answer = await ask(await loadHandler(configFor(sim)), { target: 'nope' });
    expect([answer.statusCode, answer.json.type]).toEqual([404, `${PROBLEM}unknown-target`]);
    expect(mismatches('/token/{target}', answer)).toEqual([]);
  });

  it('500: a secret that is not JSON', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'not json fake-secret-content', VersionId: 'v' });
    const answer = await ask(await loadHandler(configFor(sim)));
    expect([answer.statusCode, answer.json.type]).toEqual([500, `${PROBLEM}credentials-secret`]);
    expect(mismatches('/token', answer)).toEqual([]);
  });

  it('500: an invalid deployed configuration', async () => {
    const answer = await ask(await loadHandler({ targets: [{ name: 'portal', url: 'http://gis.example.com/portal', referer: 'https://apps.example.com', secretId: 's' }] }));
    expect([answer.statusCode, answer.json.type]).toEqual([500, `${PROBLEM}misconfiguration`]);
    expect(mismatches('/token', answer)).toEqual([]);
  });

  it('502: a wrong password (invalid-credentials), then 503 login-paused with Retry-After', async () => {
    secret({ username: FAKE.username, password: 'fake-wrong-password' });
    const handler = await loadHandler(configFor(sim));
    const refused = await ask(handler);
    expect([refused.statusCode, refused.json.type, refused.json.arcgisCode]).toEqual([502, `${PROBLEM}invalid-credentials`, 400]);
    expect(mismatches('/token', refused)).toEqual([]);

    const paused = await ask(handler, { target: 'portal' });
    expect([paused.statusCode, paused.json.type, paused.json.arcgisCode]).toEqual([503, `${PROBLEM}login-paused`, 400]);
    expect(mismatches('/token/{target}', paused)).toEqual([]);
  });

  it('502: an HTML page instead of a token (arcgis-bad-response)', async () => {
    const handler = await loadHandler(configFor(sim));
    sim.failNext({ kind: 'html', status: 404 });
    const answer = await ask(handler);
    expect([answer.statusCode, answer.json.type, answer.json.httpStatus]).toEqual([502, `${PROBLEM}arcgis-bad-response`, 404]);
    expect(mismatches('/token', answer)).toEqual([]);
  });

  it('502: another ArcGIS error (arcgis-refused)', async () => {
    const handler = await loadHandler(configFor(sim));
    sim.failNext({ kind: 'json', body: { error: { code: 403, message: 'You do not have permissions to access this resource or perform this operation.', details: [] } } });
    const answer = await ask(handler);
    expect([answer.statusCode, answer.json.type, answer.json.arcgisCode]).toEqual([502, `${PROBLEM}arcgis-refused`, 403]);
    expect(mismatches('/token', answer)).toEqual([]);
  });

  it('502: a site without a token endpoint (token-endpoint-not-found)', async () => {
    const config = configFor(sim);
    config.targets[0] = { name: 'portal', url: `${sim.url}/nothing-here`, referer: 'https://apps.example.com', secretId: 'arcgis/portal' };
    const answer = await ask(await loadHandler(config));
    expect([answer.statusCode, answer.json.type]).toEqual([502, `${PROBLEM}token-endpoint-not-found`]);
    expect((answer.json.attempts as unknown[]).length).toBeGreaterThan(0);
    expect(mismatches('/token', answer)).toEqual([]);
  });

  it('502: a token that expires sooner than minValidity (token-lifetime-too-short)', async () => {
    const handler = await loadHandler(configFor(sim));
    sim.failNext({ kind: 'json', body: { token: 'fake-short-token', expires: Date.now() + 5 * 60_000, ssl: false } });
    const answer = await ask(handler, { query: { minValidity: ['1200'] } });
    expect([answer.statusCode, answer.json.type]).toEqual([502, `${PROBLEM}token-lifetime-too-short`]);
    expect(mismatches('/token', answer)).toEqual([]);
  });

  it('504: ArcGIS does not answer in time (arcgis-unreachable)', async () => {
    const handler = await loadHandler(configFor(sim));
    sim.failNext({ kind: 'hang' });
    const answer = await ask(handler, { target: 'portal' });
    expect([answer.statusCode, answer.json.type]).toEqual([504, `${PROBLEM}arcgis-unreachable`]);
    expect(mismatches('/token/{target}', answer)).toEqual([]);
  });
});

describe('the three front doors answer alike', () => {
  it('gives byte-identical answers to the same requests in a REST, an HTTP API and a Function URL event', async () => {
    const handler = await loadHandler(configFor(sim));
    await call(handler, { target: 'server' });
    const requests: RequestOptions[] = [
      { target: 'server' },
      { target: 'server', query: { minValidity: ['600'] } },
      { target: 'portal', query: { minValidity: ['1', '2'] } },
      { target: 'nope' },
      { method: 'POST' },
    ];
    for (const request of requests) {
      const answers = [];
      for (const shape of EVENT_SHAPES) {
        const { statusCode, headers, body } = await call(handler, { ...request, shape });
        answers.push({ statusCode, headers, body });
      }
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[2]).toEqual(answers[0]);
    }
  });
});

describe('every error the service defines', () => {
  const arcgis = { url: 'https://gis.example.com/portal/sharing/rest/generateToken', code: 400, message: 'Unable to generate token.', details: ['Invalid username or password.'] };
  const errors: Array<[string, unknown]> = [
    ['ConfigurationError', new ConfigurationError('targets[0].url is invalid.')],
    ['SecretError', new SecretError('The secret "s" is not JSON.')],
    ['BadRequestError', new BadRequestError('Bad query string.')],
    ['UnknownTargetError', new UnknownTargetError('There is no target named "maps".')],
    ['MethodNotAllowedError', new MethodNotAllowedError('POST is not supported: use GET /token/maps.')],
    ['ArcGisRefusedError', new ArcGisRefusedError({ ...arcgis, code: 403 }, 'Give the account a role that can generate tokens.')],
    ['InvalidCredentialsError', new InvalidCredentialsError(arcgis, 'Put the right credentials in the secret.')],
    ['ArcGisBadResponseError', new ArcGisBadResponseError('HTML page instead of JSON.', 404)],
    ['TokenEndpointNotFoundError', new TokenEndpointNotFoundError('https://gis.example.com/x', [{ url: 'https://gis.example.com/x/rest/info?f=json', outcome: 'HTTP 404 HTML page' }])],
    ['ArcGisUnreachableError', new ArcGisUnreachableError('did not answer within 10000 ms.')],
    ['TokenLifetimeError', new TokenLifetimeError('expires too soon.')],
    ['LoginPausedError', new LoginPausedError('Logins are paused.', Date.now() + 600_000, arcgis, Date.now())],
    ['ArcGisRateLimitedError', new ArcGisRateLimitedError('ArcGIS asks to wait 120 s.', 'https://gis.example.com/portal/sharing/rest/generateToken', 429, 120_000)],
    ['LoginInProgressError', new LoginInProgressError('Another container is logging in.', 4_000)],
    ['RefreshRateLimitedError', new RefreshRateLimitedError('Such refreshes happen at most once every 300 s.', 250_000)],
    ['TooManyCallersError', new TooManyCallersError('Target "maps" already serves 100 distinct callers.')],
    ['ForeignTokenOriginError', new ForeignTokenOriginError('names a token service on https://gisserver.corp.local:6443.', 'https://gisserver.corp.local:6443', 'allowedOrigins', [{ url: 'https://gis.example.com/server/rest/info?f=json', outcome: 'ArcGIS JSON' }])],
    ['an unexpected Error (internal)', new Error('fake internal failure')],
  ];

  it.each(errors)('%s becomes a problem the document declares for its status', (_name, error) => {
    const answer = problemResponse(error, new CapturingLog(), { instance: '/token/maps', requestId: 'req-1', target: 'maps' });
    expect(mismatches('/token/{target}', answer)).toEqual([]);
  });

  it('has a schema for exactly the problem types the service answers with', () => {
    // NotFoundError is left out: it answers paths the document does not have (a Function URL hands
    // every path to the function), so no declared path can list it; the local server answers the same type.
    const answered = errors.map(([, error]) => JSON.parse(problemResponse(error, new CapturingLog(), { instance: '/token' }).body).type as string);
    const declared = JSON.stringify(document.components.schemas).match(/"const":"urn:arcgis-token-vending:problem:[a-z-]+"/g)!.map((match) => match.slice(9, -1));
    expect(declared.sort()).toEqual([...new Set(answered)].sort());
  });
});

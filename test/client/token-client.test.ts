// The Node client against a real HTTP server on loopback that checks the SigV4 signature the way
// API Gateway does (recomputing it with the same fake secret key) and answers canned token
// answers and problem documents.
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { TokenAnswer as ServiceTokenAnswer } from '../../lambda/domain/token-answer.js';
import {
  createTokenClient,
  getToken,
  TokenAnswerError,
  TokenClientConfigError,
  TokenProblemError,
  TokenRequestError,
  type TokenAnswer,
  type TokenClientOptions,
} from '../../lambda/client/index.js';
import { resetIssuedTokens, tokenAnswer } from './token-answers.js';
import { startFakeApiGateway, type FakeApiGateway, type FakeCredentials, type GatewayAnswer, type GatewayRequest } from './fake-api-gateway.js';

const REGION = 'eu-west-1';
const LONG_TERM: FakeCredentials = { accessKeyId: 'AKIDFAKEEXAMPLE', secretAccessKey: 'fake-secret-access-key-not-real' };
const SESSION: FakeCredentials = { ...LONG_TERM, sessionToken: 'fake-session-token-not-real' };

let gateway: FakeApiGateway;
const INVALID_CREDENTIALS = {
  type: 'urn:arcgis-token-vending:problem:invalid-credentials',
  title: 'ArcGIS rejected the credentials',
  status: 502,
  detail: 'https://gis.example.com/portal/sharing/rest/generateToken answered error 400 "Unable to generate token. / Invalid username or password.". Put the right credentials in the secret.',
  instance: '/token',
  requestId: 'req-1',
  arcgisCode: 400,
  arcgisMessage: 'Unable to generate token.',
  arcgisDetails: ['Invalid username or password.'],
};

/** Answers in turn (the last one repeats). */
async function serve(answers: Array<GatewayAnswer | (() => GatewayAnswer)>, credentials: FakeCredentials = SESSION): Promise<FakeApiGateway> {
  let next = 0;
  gateway = await startFakeApiGateway({
    region: REGION,
    credentials,
    respond: () => {
      const answer = answers[Math.min(next++, answers.length - 1)]!;
      return typeof answer === 'function' ? answer() : answer;
    },
  });
  return gateway;
}

const ok = (overrides: Partial<TokenAnswer> = {}) => () => ({ status: 200, body: tokenAnswer(overrides) });

function client(options: Partial<TokenClientOptions> = {}) {
  return createTokenClient({ apiUrl: gateway.apiUrl, region: REGION, credentials: SESSION, ...options });
}

beforeEach(() => {
  resetIssuedTokens();
});
afterEach(async () => {
  await gateway?.close();
});

describe('SigV4 signing', () => {
  it('signs for execute-api in the Region with the session token, and the gateway accepts the signature', async () => {
    await serve([ok()]);
    const answer = await client().getToken();

    expect(answer.token).toBe('fake-token-1');
    expect(gateway.refused).toEqual([]);
    const [request] = gateway.requests as [GatewayRequest];
    const day = request.headers['x-amz-date']!.slice(0, 8);
    expect(request.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(request.headers.authorization).toMatch(
      new RegExp(`^AWS4-HMAC-SHA256 Credential=AKIDFAKEEXAMPLE/${day}/eu-west-1/execute-api/aws4_request, SignedHeaders=accept;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$`),
    );
    expect(request.headers['x-amz-security-token']).toBe('fake-session-token-not-real');
    expect(request.headers['x-amz-content-sha256']).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'); // SHA-256 of the empty body
  });

  it('signs with long-term keys without a security token header', async () => {
    await serve([ok()], LONG_TERM);
    await client({ credentials: LONG_TERM }).getToken();
    const [request] = gateway.requests as [GatewayRequest];
    expect(request.headers['x-amz-security-token']).toBeUndefined();
    expect(request.headers.authorization).toContain('SignedHeaders=accept;host;x-amz-content-sha256;x-amz-date, Signature=');
  });

  it('resolves a credentials provider when it signs', async () => {
    await serve([ok()]);
    let resolved = 0;
    const provider = async () => {
      resolved += 1;
      return SESSION;
    };
    await client({ credentials: provider }).getToken();
    expect(resolved).toBe(1);
    expect(gateway.requests).toHaveLength(1);
  });

  it('refuses to send anything when no credentials can be found', async () => {
    await serve([ok()]);
    const noCredentials = () => Promise.reject(new Error('Could not load credentials from any providers'));
    const error = (await client({ credentials: noCredentials }).getToken().catch((e: unknown) => e)) as TokenClientConfigError;
    expect(error).toBeInstanceOf(TokenClientConfigError);
    expect(error.message).toBe(`No AWS credentials to sign GET ${gateway.apiUrl}: Could not load credentials from any providers`);
    expect(gateway.requests.length + gateway.refused.length).toBe(0);
  });

  it('gets the gateway refusal as a problem when the secret key is wrong', async () => {
    await serve([ok()]);
    const error = await client({ credentials: { ...SESSION, secretAccessKey: 'fake-wrong-secret-key' } }).getToken().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TokenProblemError);
    const problem = error as TokenProblemError;
    const message = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
    expect({ status: problem.status, type: problem.type, title: problem.title, detail: problem.detail }).toEqual({ status: 403, type: 'about:blank', title: 'Forbidden', detail: message });
    expect(problem.message).toBe(`GET ${gateway.apiUrl} answered 403 Forbidden: ${message}`);
    expect(gateway.requests).toEqual([]);
    expect(problem.message).not.toContain('fake-wrong-secret-key');
  });

  it('signs with the Region from AWS_REGION when the host is not an execute-api host', async () => {
    await serve([ok()]);
    const saved = process.env['AWS_REGION'];
    process.env['AWS_REGION'] = REGION;
    try {
      await createTokenClient({ apiUrl: gateway.apiUrl, credentials: SESSION }).getToken();
    } finally {
      if (saved === undefined) delete process.env['AWS_REGION'];
      else process.env['AWS_REGION'] = saved;
    }
    expect(gateway.requests[0]!.headers.authorization).toContain('/eu-west-1/execute-api/aws4_request');
  });

  it('sends x-api-key and no signature with an API key', async () => {
    gateway = await startFakeApiGateway({ region: REGION, credentials: SESSION, mode: 'apiKey', apiKey: 'fake-api-key-value', respond: ok() });
    const answer = await createTokenClient({ apiUrl: gateway.apiUrl, apiKey: 'fake-api-key-value' }).getToken();
    expect(answer.token).toBe('fake-token-1');
    expect(gateway.requests[0]!.headers['x-api-key']).toBe('fake-api-key-value');
    expect(gateway.requests[0]!.headers.authorization).toBeUndefined();
  });
});

describe('request', () => {
  it('asks GET /token/{target} with minValidity in the signed query string', async () => {
    await serve([ok({ target: 'maps' })]);
    const answer = await client().getToken({ target: 'maps', minValidity: 600 });
    expect(gateway.requests.map((r) => ({ method: r.method, path: r.path, query: r.query }))).toEqual([{ method: 'GET', path: '/v1/token/maps', query: { minValidity: '600' } }]);
    expect(answer.target).toBe('maps');
    expect(gateway.refused).toEqual([]);
  });

  it.each([
    ['the ApiUrl output', (g: FakeApiGateway) => g.apiUrl],
    ['the stage URL', (g: FakeApiGateway) => g.stageUrl],
    ['the stage URL with a slash', (g: FakeApiGateway) => `${g.stageUrl}/`],
  ])('asks /v1/token given %s, without a query string when minValidity is not given', async (_name, apiUrl) => {
    await serve([ok()]);
    await createTokenClient({ apiUrl: apiUrl(gateway), region: REGION, credentials: SESSION }).getToken();
    expect(gateway.requests.map((r) => ({ path: r.path, query: r.query }))).toEqual([{ path: '/v1/token', query: {} }]);
  });

  it('returns the answer with every field the service sent', async () => {
    const sent = tokenAnswer({ client: 'ip', ip: '203.0.113.7', referer: undefined, usage: { header: 'X-Esri-Authorization', scheme: 'Bearer', parameter: 'token', httpsOnly: false }, ssl: false });
    delete sent.referer;
    await serve([{ status: 200, body: sent }]);
    expect(await client().getToken()).toEqual(sent);
  });
});

describe('cache', () => {
  it('answers a second call from the cache (2 calls, 1 request)', async () => {
    await serve([ok()]);
    const c = client();
    const first = await c.getToken();
    const second = await c.getToken();
    expect(second).toBe(first);
    expect(gateway.requests).toHaveLength(1);
  });

  it('asks again when the cached token expires within the margin', async () => {
    await serve([ok({ expires: Date.now() + 30_000 }), ok()]);
    const c = client();
    expect((await c.getToken()).token).toBe('fake-token-1');
    expect((await c.getToken()).token).toBe('fake-token-2');
    expect(gateway.requests).toHaveLength(2);
  });

  it('asks again, passing minValidity, when the cached token cannot cover it', async () => {
    await serve([ok({ expires: Date.now() + 10 * 60_000 }), ok()]);
    const c = client();
    await c.getToken({ minValidity: 300 }); // 600 s left > 300 + 60
    expect((await c.getToken({ minValidity: 300 })).token).toBe('fake-token-1');
    expect((await c.getToken({ minValidity: 900 })).token).toBe('fake-token-2');
    expect(gateway.requests.map((r) => r.query)).toEqual([{ minValidity: '300' }, { minValidity: '900' }]);
  });

  it('shares one request among concurrent calls', async () => {
    await serve([() => ({ status: 200, body: tokenAnswer(), delayMs: 100 })]);
    const c = client();
    const answers = await Promise.all(Array.from({ length: 10 }, () => c.getToken()));
    expect(new Set(answers.map((a) => a.token))).toEqual(new Set(['fake-token-1']));
    expect(gateway.requests).toHaveLength(1);
  });

  it('does not let a concurrent call needing more validity wait on a request for less', async () => {
    await serve([() => ({ status: 200, body: tokenAnswer(), delayMs: 100 })]);
    const c = client();
    const [small, large, again] = await Promise.all([c.getToken({ minValidity: 60 }), c.getToken({ minValidity: 1800 }), c.getToken({ minValidity: 600 })]);
    expect(gateway.requests.map((r) => r.query)).toEqual([{ minValidity: '60' }, { minValidity: '1800' }]);
    expect([small.token, large.token, again.token]).toEqual(['fake-token-1', 'fake-token-2', 'fake-token-2']);
  });

  it('keeps targets apart', async () => {
    await serve([() => ({ status: 200, body: tokenAnswer({ target: 'maps' }) }), () => ({ status: 200, body: tokenAnswer({ target: 'ops' }) })]);
    const c = client();
    expect((await c.getToken({ target: 'maps' })).target).toBe('maps');
    expect((await c.getToken({ target: 'ops' })).target).toBe('ops');
    expect((await c.getToken({ target: 'maps' })).token).toBe('fake-token-1');
    expect(gateway.requests.map((r) => r.path)).toEqual(['/v1/token/maps', '/v1/token/ops']);
  });

  it('never keeps a failed request: concurrent callers share the failure, the next call asks again', async () => {
    await serve([{ status: 502, body: INVALID_CREDENTIALS, delayMs: 50 }, ok()]);
    const c = client();
    const failures = await Promise.allSettled([c.getToken(), c.getToken()]);
    expect(failures.map((f) => f.status)).toEqual(['rejected', 'rejected']);
    expect(gateway.requests).toHaveLength(1);
    expect((await c.getToken()).token).toBe('fake-token-1');
    expect(gateway.requests).toHaveLength(2);
  });

  it('hands out a stale answer without keeping it', async () => {
    await serve([ok({ stale: true, staleReason: 'ArcGIS did not answer within 10000 ms.' }), ok()]);
    const c = client();
    const stale = await c.getToken();
    expect({ stale: stale.stale, staleReason: stale.staleReason }).toEqual({ stale: true, staleReason: 'ArcGIS did not answer within 10000 ms.' });
    expect((await c.getToken()).token).toBe('fake-token-2');
    expect(gateway.requests).toHaveLength(2);
  });

  it('freezes the answers it shares', async () => {
    await serve([ok()]);
    const answer = await client().getToken();
    expect(Object.isFrozen(answer) && Object.isFrozen(answer.usage)).toBe(true);
  });
});

describe('getToken', () => {
  it('keeps one cache per deployment and identity across calls', async () => {
    await serve([ok()]);
    const options = { apiUrl: gateway.apiUrl, region: REGION, credentials: { ...SESSION } };
    const first = await getToken(options);
    const second = await getToken({ ...options, credentials: { ...SESSION } });
    expect(second.token).toBe(first.token);
    expect(gateway.requests).toHaveLength(1);
  });

  it('does not share a cached token between two identities', async () => {
    await serve([ok()]);
    await getToken({ apiUrl: gateway.apiUrl, region: REGION, credentials: SESSION });
    await getToken({ apiUrl: gateway.apiUrl, region: REGION, credentials: { ...SESSION, sessionToken: 'fake-other-session' } }).catch(() => undefined);
    expect(gateway.requests).toHaveLength(1);
    expect(gateway.refused).toEqual(['The security token included in the request is invalid.']);
  });
});

describe('errors', () => {
  it('throws the problem document of an error answer as a TokenProblemError', async () => {
    await serve([{ status: 502, body: INVALID_CREDENTIALS }]);
    const error = (await client().getToken().catch((e: unknown) => e)) as TokenProblemError;

    expect(error).toBeInstanceOf(TokenProblemError);
    expect(error.name).toBe('TokenProblemError');
    expect({ status: error.status, type: error.type, title: error.title, detail: error.detail }).toEqual({
      status: 502,
      type: 'urn:arcgis-token-vending:problem:invalid-credentials',
      title: 'ArcGIS rejected the credentials',
      detail: INVALID_CREDENTIALS.detail,
    });
    expect(error.problem).toEqual(INVALID_CREDENTIALS);
    expect(error.message).toBe(`GET ${gateway.apiUrl} answered 502 ArcGIS rejected the credentials (urn:arcgis-token-vending:problem:invalid-credentials): ${INVALID_CREDENTIALS.detail}`);
  });

  it('gives up after the timeout with a TokenRequestError', async () => {
    await serve([{ status: 200, body: tokenAnswer(), delayMs: 2_000 }]);
    const started = Date.now();
    const error = (await client({ timeoutMs: 200 }).getToken().catch((e: unknown) => e)) as TokenRequestError;
    expect(error).toBeInstanceOf(TokenRequestError);
    expect({ timedOut: error.timedOut, message: error.message }).toEqual({ timedOut: true, message: `GET ${gateway.apiUrl} did not answer within 200 ms.` });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('reports a refused connection as a TokenRequestError naming the cause', async () => {
    await serve([ok()]);
    const { apiUrl } = gateway;
    await gateway.close();
    const error = (await createTokenClient({ apiUrl, region: REGION, credentials: SESSION }).getToken().catch((e: unknown) => e)) as TokenRequestError;
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error.timedOut).toBe(false);
    expect(error.message).toMatch(new RegExp(`^GET ${apiUrl.replace(/[.?]/g, '\\$&')} failed: connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+ \\(ECONNREFUSED\\)\\.$`));
  });

  it('refuses a 200 answer that is not a token answer without quoting it', async () => {
    await serve([{ status: 200, body: { token: 'fake-token-in-a-wrong-answer', expires: 'soon' } }]);
    const error = (await client().getToken().catch((e: unknown) => e)) as TokenAnswerError;
    expect(error).toBeInstanceOf(TokenAnswerError);
    expect(error.message).toBe(
      `GET ${gateway.apiUrl} answered 200 with JSON that is not a token answer (bad or missing: expires, expiresAt, ssl, target, client, usage, source, stale): is this the token service's URL?`,
    );
  });

  it('refuses a 200 answer that is not JSON', async () => {
    await serve([{ status: 200, body: '<html>sign in</html>', contentType: 'text/html' }]);
    const error = (await client().getToken().catch((e: unknown) => e)) as TokenAnswerError;
    expect(error.message).toBe(`GET ${gateway.apiUrl} answered 200 with text/html that is not JSON: is this the token service's URL?`);
  });

  it.each<[string, () => Promise<unknown>, string]>([
    ['plain http to another host', () => createTokenClient({ apiUrl: 'http://api.example.com/v1/token', region: REGION }).getToken(), 'apiUrl must use https:// (plain http:// only to 127.0.0.1 or localhost), got http://api.example.com.'],
    ['a query string in apiUrl', () => createTokenClient({ apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/v1/token?minValidity=60' }).getToken(), 'apiUrl must not carry a query string, a fragment or user info: pass target and minValidity as options.'],
    ['a host without a Region', () => createTokenClient({ apiUrl: 'https://tokens.example.com/v1/token' }).getToken(), 'No Region to sign for: tokens.example.com is neither an execute-api nor a lambda-url host; pass region (or set AWS_REGION).'],
    ['a target with a slash', () => createTokenClient({ apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/v1', credentials: SESSION }).getToken({ target: 'a/b' }), 'target "a/b" is not a target name: 1-64 letters, digits, "-" or "_", starting with a letter or digit.'],
    ['a fractional minValidity', () => getToken({ apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/v1', credentials: SESSION, minValidity: 1.5 }), 'minValidity must be a whole number of seconds (0 or more), got 1.5.'],
  ])('refuses %s before sending anything', async (_name, act, message) => {
    const saved = [process.env['AWS_REGION'], process.env['AWS_DEFAULT_REGION']];
    delete process.env['AWS_REGION'];
    delete process.env['AWS_DEFAULT_REGION'];
    try {
      const error = await Promise.resolve().then(act).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenClientConfigError);
      expect((error as Error).message).toBe(message);
    } finally {
      if (saved[0] !== undefined) process.env['AWS_REGION'] = saved[0];
      if (saved[1] !== undefined) process.env['AWS_DEFAULT_REGION'] = saved[1];
    }
  });
});

it('describes the same answer as the service (types)', () => {
  expectTypeOf<TokenAnswer>().toExtend<ServiceTokenAnswer>();
  expectTypeOf<TokenAnswer['source']>().toEqualTypeOf<ServiceTokenAnswer['source']>();
  expectTypeOf<keyof TokenAnswer>().toEqualTypeOf<keyof ServiceTokenAnswer>();
});

describe('TokenClient: the Function URL front door', () => {
  it('signs for service lambda when asked, and a Function URL that checks that service accepts it', async () => {
    gateway = await startFakeApiGateway({ region: REGION, credentials: SESSION, service: 'lambda', respond: () => ({ status: 200, body: tokenAnswer() }) });
    await expect(client({ signingService: 'lambda' }).getToken()).resolves.toMatchObject({ target: 'default' });
    await expect(client().getToken()).rejects.toMatchObject({ name: 'TokenProblemError', problem: { status: 403 } });
    expect(gateway.refused).toEqual(["Credential should be scoped to correct service: 'lambda'."]);
  });

  it('reads service lambda and the Region from a *.lambda-url.REGION.on.aws host', async () => {
    const { regionFromApiUrl, signingServiceOf } = await import('../../lambda/client/token-endpoint.js');
    const url = new URL('https://abcdefghijklmnopqrstuvwxyz123456.lambda-url.ap-southeast-2.on.aws/token');
    expect([regionFromApiUrl(url), signingServiceOf(url)]).toEqual(['ap-southeast-2', 'lambda']);
    const api = new URL('https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/token');
    expect([regionFromApiUrl(api), signingServiceOf(api)]).toEqual(['eu-west-1', 'execute-api']);
  });
});

// The ArcGIS client against real HTTP servers on loopback: the simulator for ArcGIS behaviour and
// faults, and a self-signed HTTPS server for certificate failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateToken, generateTokenForm, type GenerateTokenRequest } from '../../lambda/arcgis/generate-token.js';
import { MAX_RESPONSE_BYTES } from '../../lambda/arcgis/http.js';
import { ArcGisBadResponseError, ArcGisRefusedError, ArcGisUnreachableError, InvalidCredentialsError } from '../../lambda/domain/errors.js';
import { startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import { FAKE, PAYLOADS } from '../fixtures/arcgis-payloads.js';

let sim: ArcGisSimulator;
const options = { timeoutMs: 1_000, now: Date.now };

function request(overrides: Partial<GenerateTokenRequest> = {}): GenerateTokenRequest {
  return { tokenUrl: sim.serverTokenUrl, username: FAKE.username, password: FAKE.password, client: 'referer', referer: 'https://apps.example.com', expirationMinutes: 60, ...overrides };
}

async function failure(req: GenerateTokenRequest = request(), opts = options): Promise<Error> {
  const error = await generateToken(req, opts).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

beforeAll(async () => {
  sim = await startArcGisSimulator({ users: [FAKE], serverAdaptor: 'gisweb2', maxExpirationMinutes: 1440 });
});
afterAll(() => sim.close());

describe('generateTokenForm', () => {
  it('encodes every awkward password character and sets f=json', () => {
    expect(generateTokenForm(request({ tokenUrl: 'https://x' })).toString()).toBe(
      'username=fake-user&password=fake%26pa%25ss%2Bwo%3Drd%23%C3%A9-not-real&client=referer&expiration=60&f=json&referer=https%3A%2F%2Fapps.example.com',
    );
  });
  it('sends ip only for client ip and neither for requestip', () => {
    expect(Object.fromEntries(generateTokenForm(request({ client: 'ip', ip: '203.0.113.7', referer: undefined })))).toMatchObject({ client: 'ip', ip: '203.0.113.7' });
    const form = generateTokenForm(request({ client: 'requestip', referer: undefined }));
    expect([form.has('ip'), form.has('referer'), form.get('client')]).toEqual([false, false, 'requestip']);
  });
});

describe('generateToken against the simulator', () => {
  it('gets a token from a standalone server under a custom web adaptor name', async () => {
    const before = Date.now();
    const token = await generateToken(request(), options);
    expect(token.token.length).toBeGreaterThan(20);
    expect(token.ssl).toBe(false);
    expect(token.expires).toBeGreaterThanOrEqual(before + 60 * 60_000);
    expect(token.expires).toBeLessThanOrEqual(Date.now() + 60 * 60_000);
  });

  it('trusts the server-capped expires over the requested lifetime', async () => {
    const token = await generateToken(request({ expirationMinutes: 21_600 }), options);
    expect(token.expires).toBeLessThanOrEqual(Date.now() + 1440 * 60_000);
    expect(token.expires).toBeGreaterThan(Date.now() + 1439 * 60_000);
  });

  it('reads expires sent as a string', async () => {
    const stringy = await startArcGisSimulator({ users: [FAKE], expiresAsString: true });
    try {
      const token = await generateToken(request({ tokenUrl: stringy.portalTokenUrl }), options);
      expect(typeof token.expires).toBe('number');
      expect(token.expires).toBeGreaterThan(Date.now());
    } finally {
      await stringy.close();
    }
  });

  it('maps the standalone server 401 answer to InvalidCredentialsError', async () => {
    const error = await failure(request({ password: 'fake-wrong' }));
    expect(error).toBeInstanceOf(InvalidCredentialsError);
    expect((error as InvalidCredentialsError).arcgis).toEqual({ url: sim.serverTokenUrl, code: 401, message: 'You are not authorized to access this information', details: ['Invalid credentials'] });
  });

  it('maps the portal 400 answer to InvalidCredentialsError', async () => {
    const error = await failure(request({ tokenUrl: sim.portalTokenUrl, password: 'fake-wrong' }));
    expect(error).toBeInstanceOf(InvalidCredentialsError);
    expect((error as InvalidCredentialsError).arcgis.code).toBe(400);
  });

  it('maps 201 for client ip without an ip', async () => {
    const error = await failure(request({ client: 'ip', ip: undefined, referer: undefined }));
    expect(error).toBeInstanceOf(ArcGisRefusedError);
    expect((error as ArcGisRefusedError).arcgis.code).toBe(201);
  });

  it('names the URL and 404 for a guessed path under the wrong adaptor', async () => {
    const guessed = `${sim.url}/arcgis/tokens/generateToken`;
    const error = await failure(request({ tokenUrl: guessed }));
    expect(error).toBeInstanceOf(ArcGisBadResponseError);
    expect(error.message).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/arcgis\/tokens\/generateToken answered HTTP 404 with an HTML page instead of JSON\. Nothing is at this path/);
  });

  it('reports a redirect (a login page) without following it', async () => {
    sim.failNext({ kind: 'redirect', location: 'https://idp.example.com/adfs/ls/?SAMLRequest=abc' });
    const error = await failure();
    expect(error).toBeInstanceOf(ArcGisBadResponseError);
    expect(error.message).toBe(
      `${sim.serverTokenUrl} answered HTTP 302 redirecting to https://idp.example.com/adfs/ls/ instead of issuing a token. A token endpoint that redirects is usually behind a web-tier login (SAML, ADFS, IWA) or an http→https/adaptor rewrite: point the target at the exact https:// generateToken URL, and use a built-in ArcGIS account (enterprise logins cannot use generateToken).`,
    );
  });

  it('stops reading a huge body at the cap', async () => {
    sim.failNext({ kind: 'huge', bytes: 10 * 1024 * 1024 });
    const error = await failure();
    expect(error).toBeInstanceOf(ArcGisBadResponseError);
    expect(error.message).toBe(`${sim.serverTokenUrl} answered HTTP 200 with more than ${MAX_RESPONSE_BYTES} bytes, far more than a token answer: the URL is probably not a token endpoint. Check the target's url.`);
  });

  it('reports garbage as a non-JSON body', async () => {
    sim.failNext({ kind: 'garbage' });
    expect((await failure()).message).toMatch(/answered HTTP 200 with a body that is not JSON \(\d+ bytes\)/);
  });

  it('reports a 500 HTML page as a server error', async () => {
    sim.failNext({ kind: 'status', status: 500, body: '<html>Internal Server Error</html>', contentType: 'text/html' });
    expect((await failure()).message).toContain('answered HTTP 500 with an HTML page instead of JSON. The ArcGIS site reported a server error');
  });

  it('recognises 498 as a real HTTP status with a JSON body', async () => {
    sim.failNext({ kind: 'status', status: 498, body: PAYLOADS.invalidToken, contentType: 'application/json' });
    expect(((await failure()) as ArcGisRefusedError).arcgis.code).toBe(498);
  });

  it('times out a server that never answers', async () => {
    sim.failNext({ kind: 'hang' });
    const error = await failure(request(), { ...options, timeoutMs: 200 });
    expect(error).toBeInstanceOf(ArcGisUnreachableError);
    expect(error.message).toContain('did not answer within 200 ms');
  });

  it('reports a refused connection', async () => {
    const closed = await startArcGisSimulator();
    const url = closed.serverTokenUrl;
    await closed.close();
    const error = await failure(request({ tokenUrl: url }));
    expect(error).toBeInstanceOf(ArcGisUnreachableError);
    expect(error.message).toBe(`${url} could not be reached (ECONNREFUSED). Check that ${new URL(url).host} is up and reachable from the function.`);
  });

  it('explains a DNS failure', async () => {
    const dnsFailure = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('getaddrinfo ENOTFOUND gis.example.invalid'), { code: 'ENOTFOUND' }) });
    const error = await failure(request({ tokenUrl: 'https://gis.example.invalid/portal/sharing/rest/generateToken' }), { ...options, fetch: () => Promise.reject(dnsFailure) } as typeof options);
    expect(error.message).toBe("The name gis.example.invalid could not be resolved (ENOTFOUND). Check the host name in the target's url, and DNS from the function's network.");
  });
});

describe('generateToken over TLS', () => {
  let dir: string;
  let server: ReturnType<typeof createServer>;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'atv-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"token":"fake-tls-token","expires":9999999999999,"ssl":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/arcgis/tokens/generateToken`;
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects a self-signed certificate and points to NODE_EXTRA_CA_CERTS', async () => {
    const error = await failure(request({ tokenUrl: url }));
    expect(error).toBeInstanceOf(ArcGisUnreachableError);
    expect(error.message).toBe(
      `The TLS certificate of ${new URL(url).host} was rejected (DEPTH_ZERO_SELF_SIGNED_CERT). If the site uses a certificate from a private CA, give the CA bundle to the function with NODE_EXTRA_CA_CERTS; never switch certificate checks off.`,
    );
  });
});

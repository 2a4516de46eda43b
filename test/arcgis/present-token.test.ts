// Presenting a token to a resource, as the sign-in check, the revocation check and smoke all do:
// against a small server on loopback that answers as told and records what it was sent.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { presentToken } from '../../lambda/arcgis/present-token.js';
import { checkTokenOnService } from '../../lambda/arcgis/validate-token.js';
import { ArcGisBadResponseError, ArcGisRefusedError } from '../../lambda/domain/errors.js';

const TOKEN = 'fake-token-Xy9.present_0123456789';
const REFERER = 'https://apps.example.com';
const http = { timeoutMs: 2_000 };

let server: Server;
let base: string;
let answer: { status: number; body: string; contentType?: string };
let seen: { url: string; headers: IncomingHttpHeaders } | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen = { url: req.url ?? '', headers: req.headers };
    // An answer may quote the request's Authorization header back, as a debugging proxy does.
    const body = answer.body.replaceAll('ECHO', String(req.headers['x-esri-authorization'] ?? ''));
    res.writeHead(answer.status, { 'content-type': answer.contentType ?? 'text/plain;charset=utf-8' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/arcgis/rest/services/Demo/FeatureServer/0`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen = undefined;
});

describe('presentToken', () => {
  it('GETs ?f=json with the token as a Bearer header and the Referer, and gives the answer without its query', async () => {
    answer = { status: 200, body: '{"id":0,"name":"Demo","type":"Feature Layer"}' };
    expect(await presentToken({ url: `${base}?where=1%3D1`, token: TOKEN, referer: REFERER }, http)).toEqual({ url: base, httpStatus: 200, arcgis: undefined });
    expect([seen!.url, seen!.headers['x-esri-authorization'], seen!.headers.referer]).toEqual(['/arcgis/rest/services/Demo/FeatureServer/0?where=1%3D1&f=json', `Bearer ${TOKEN}`, REFERER]);
  });

  it('gives ArcGIS\'s error from a 200 body, and the status of JSON that is not an error', async () => {
    answer = { status: 200, body: '{"error":{"code":498,"message":"Invalid Token","details":[]}}' };
    expect(await presentToken({ url: base, token: TOKEN }, http)).toEqual({ url: base, httpStatus: 200, arcgis: { url: base, code: 498, message: 'Invalid Token', details: [] } });
    answer = { status: 404, body: '{"message":"Not Found"}' };
    expect(await presentToken({ url: base, token: TOKEN }, http)).toEqual({ url: base, httpStatus: 404, arcgis: undefined });
  });

  it('takes the token out of ArcGIS\'s text when the resource quotes it back', async () => {
    answer = { status: 200, body: '{"error":{"code":498,"message":"Invalid Token ECHO","details":["sent ECHO"]}}' };
    const { arcgis } = await presentToken({ url: base, token: TOKEN }, http);
    expect(arcgis).toEqual({ url: base, code: 498, message: 'Invalid Token Bearer (hidden)', details: ['sent Bearer (hidden)'] });
  });

  it('reads an HTTP 498 without a JSON body as ArcGIS\'s Invalid Token', async () => {
    answer = { status: 498, body: '' };
    const error = await presentToken({ url: base, token: TOKEN }, http).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArcGisRefusedError);
    expect((error as ArcGisRefusedError).arcgis).toEqual({ url: base, code: 498, message: 'Invalid Token', details: [] });
  });

  it('throws a typed error for a page that is not JSON', async () => {
    answer = { status: 200, body: '<html><title>Sign in</title></html>', contentType: 'text/html' };
    const error = await presentToken({ url: base, token: TOKEN }, http).catch((e: unknown) => e);
    expect([error instanceof ArcGisBadResponseError, (error as ArcGisBadResponseError).kind, (error as ArcGisBadResponseError).httpStatus]).toEqual([true, 'html', 200]);
  });
});

describe('checkTokenOnService', () => {
  it('names the wrong dispenser on a 498, and never the token the service quoted back', async () => {
    answer = { status: 200, body: '{"error":{"code":498,"message":"Invalid Token ECHO","details":[]}}' };
    const error = await checkTokenOnService({ serviceUrl: base, token: TOKEN, tokenUrl: 'https://h/portal/sharing/rest/generateToken', referer: REFERER }, http).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArcGisRefusedError);
    expect((error as Error).message).toBe(
      `${base} answered error 498 "Invalid Token Bearer (hidden)". The service rejected a fresh token from https://h/portal/sharing/rest/generateToken: it came from the wrong dispenser for this service. A server federated with a portal needs a portal token exchanged for a server token (leave the target's kind out to discover it, or set kind federated with the server's URL); a standalone server needs its own token endpoint, not the portal's. The check sent Referer: ${REFERER}. The token was not cached.`,
    );
    expect(JSON.stringify((error as ArcGisRefusedError).extensions())).not.toContain(TOKEN);
  });

  it('says a page that is not JSON came from the check', async () => {
    answer = { status: 404, body: '<html>Not Found</html>', contentType: 'text/html' };
    const error = await checkTokenOnService({ serviceUrl: base, token: TOKEN, tokenUrl: 'https://h/arcgis/tokens/generateToken' }, http).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^Checking the new token on serviceUrl failed: http:\/\/127\.0\.0\.1:\d+\/arcgis\/rest\/services\/Demo\/FeatureServer\/0 answered HTTP 404 with an HTML page instead of JSON\. Nothing is at this path/);
  });
});

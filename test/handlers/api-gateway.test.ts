// The translation of the three front doors' events into one TokenApiRequest and back: a REST API
// proxy event (payload 1.0), an HTTP API event and a Function URL event (payload 2.0) for the same
// request must reach the token API as the same request, and get the same answer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TokenApiRequest } from '../../lambda/http/token-api.js';
import { parseTokenQuery } from '../../lambda/http/token-query-schema.js';
import { createApiGatewayHandler, isHttpRequestEvent, toTokenApiRequest } from '../../lambda/handlers/api-gateway.js';
import { CapturingLog } from '../service/fakes.js';
import { EVENT_SHAPES, apiEvent, eventFor, functionUrlEvent, httpApiEvent, scheduledEvent, type RequestOptions } from './events.js';

const cases: Array<[string, RequestOptions, TokenApiRequest]> = [
  ['GET /token', {}, { method: 'GET', path: '/token', targetName: undefined, query: {}, requestId: 'req-123', callerIp: '198.51.100.7' }],
  [
    'GET /token/portal?minValidity=600 from an IPv6 caller',
    { target: 'portal', query: { minValidity: ['600'] }, sourceIp: '2001:db8::7' },
    { method: 'GET', path: '/token/portal', targetName: 'portal', query: { minValidity: ['600'] }, requestId: 'req-123', callerIp: '2001:db8::7' },
  ],
  [
    'a repeated minValidity, kept as two values',
    { target: 'portal', query: { minValidity: ['1', '2'] } },
    { method: 'GET', path: '/token/portal', targetName: 'portal', query: { minValidity: ['1', '2'] }, requestId: 'req-123', callerIp: '198.51.100.7' },
  ],
  [
    'POST /token (refused later with 405)',
    { method: 'POST' },
    { method: 'POST', path: '/token', targetName: undefined, query: {}, requestId: 'req-123', callerIp: '198.51.100.7' },
  ],
];

describe('toTokenApiRequest', () => {
  it.each(cases.flatMap(([name, options, expected]) => EVENT_SHAPES.map((shape) => [`${name} (${shape})`, shape, options, expected] as const)))(
    '%s',
    (_name, shape, options, expected) => {
      expect(toTokenApiRequest(eventFor(shape, options))).toEqual(expected);
    },
  );

  it('reads X-Rejected-Token whatever its case: as sent in a REST event, lowercased in a 2.0 event', () => {
    const rest = apiEvent({ target: 'portal' });
    rest.headers = { ...rest.headers, 'X-Rejected-Token': 'fake-token-rest' };
    const v2 = httpApiEvent({ target: 'portal' });
    v2.headers = { ...v2.headers, 'x-rejected-token': 'fake-token-v2' };
    expect([toTokenApiRequest(rest).rejectedToken, toTokenApiRequest(v2).rejectedToken, toTokenApiRequest(apiEvent()).rejectedToken]).toEqual(['fake-token-rest', 'fake-token-v2', undefined]);
  });

  it('refuses a repeated minValidity from a 2.0 event as it does from a REST event', () => {
    const refusals = EVENT_SHAPES.map((shape) => {
      try {
        parseTokenQuery(toTokenApiRequest(eventFor(shape, { query: { minValidity: ['1', '2'] } })).query);
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(refusals).toEqual(Array(3).fill('Bad query string: give minValidity once.'));
  });

  it('splits the comma-joined queryStringParameters of a 2.0 event that has no rawQueryString', () => {
    const event = { ...httpApiEvent({ target: 'portal' }), rawQueryString: undefined as unknown as string, queryStringParameters: { minValidity: '1,2' } };
    expect(toTokenApiRequest(event).query).toEqual({ minValidity: ['1', '2'] });
  });

  it('decodes the target of a Function URL path, which has no path parameters', () => {
    expect(toTokenApiRequest(functionUrlEvent({ path: '/token/my%2Dportal' })).targetName).toBe('my-portal');
    expect(toTokenApiRequest(functionUrlEvent({ path: '/token/' })).targetName).toBeUndefined();
  });

  it('keeps the rest of a longer Function URL path as the target name, which no target can have', () => {
    expect(toTokenApiRequest(functionUrlEvent({ path: '/token/a/b' })).targetName).toBe('a/b');
  });

  it('answers 404 not-found for a Function URL path outside /token, naming the routes', async () => {
    const log = new CapturingLog();
    const handler = createApiGatewayHandler(() => Promise.reject(new Error('not called')), log);
    const answer = await handler(functionUrlEvent({ path: '/tokens' }));
    expect([answer.statusCode, answer.headers['content-type'], JSON.parse(answer.body)]).toEqual([
      404,
      'application/problem+json',
      {
        type: 'urn:arcgis-token-vending:problem:not-found',
        title: 'Not found',
        status: 404,
        detail: 'Nothing is served at /tokens: use GET /token or GET /token/{target}.',
        instance: '/tokens',
        requestId: 'req-123',
      },
    ]);
  });

  it('gives the token API the same request for any query, whichever event carries it', () => {
    const key = fc.constantFrom('minValidity', 'minvalidity', 'x');
    const value = fc.oneof(fc.stringMatching(/^[0-9]{0,8}$/), fc.string({ maxLength: 6 }).filter((s) => !s.includes(',')));
    fc.assert(
      fc.property(fc.dictionary(key, fc.array(value, { minLength: 1, maxLength: 3 })), (query) => {
        const requests = EVENT_SHAPES.map((shape) => toTokenApiRequest(eventFor(shape, { target: 'portal', query })).query);
        expect(requests[1]).toEqual(requests[0]);
        expect(requests[2]).toEqual(requests[0]);
      }),
      { numRuns: 200 },
    );
  });
});

describe('createApiGatewayHandler', () => {
  it('answers each event shape with the token API answer unchanged: statusCode, headers and body', async () => {
    const answer = { statusCode: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }, body: '{"token":"fake-token"}' };
    const seen: TokenApiRequest[] = [];
    const handler = createApiGatewayHandler(async (request) => {
      seen.push(request);
      return answer;
    }, new CapturingLog());
    const answers = await Promise.all(EVENT_SHAPES.map((shape) => handler(eventFor(shape, { target: 'portal' }))));
    expect(answers).toEqual([answer, answer, answer]);
    expect(seen.map((r) => r.targetName)).toEqual(['portal', 'portal', 'portal']);
  });
});

describe('isHttpRequestEvent', () => {
  it('recognises the REST, HTTP API and Function URL events and nothing else', () => {
    expect([apiEvent(), httpApiEvent(), functionUrlEvent(), scheduledEvent(), { version: '2.0' }, null].map(isHttpRequestEvent)).toEqual([true, true, true, false, false, false]);
  });
});

import { describe, expect, it } from 'vitest';
import { parseTokenAnswer } from '../../lambda/arcgis/token-response.js';
import type { HttpAnswer } from '../../lambda/arcgis/http.js';
import { ArcGisBadResponseError, ArcGisRefusedError, InvalidCredentialsError } from '../../lambda/domain/errors.js';
import { PAYLOADS } from '../fixtures/arcgis-payloads.js';

const URL_ = 'https://gis.example.com/portal/sharing/rest/generateToken';
const NOW = 1_500_000_000_000;
const answer = (body: string, status = 200, contentType = 'text/plain;charset=utf-8'): HttpAnswer => ({ url: URL_, status, contentType, body });

function failure(a: HttpAnswer): Error {
  try {
    parseTokenAnswer(a, NOW);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected parseTokenAnswer to throw');
}

describe('parseTokenAnswer: success', () => {
  // "now" an hour before each real payload's expires: a token that far from now would be refused.
  it('reads a numeric expires', () => {
    expect(parseTokenAnswer(answer(PAYLOADS.successNumeric), 1582930261424 - 3_600_000)).toEqual({ token: '6hrF-fake-token-for-tests', expires: 1582930261424, ssl: true });
  });
  it('reads expires sent as a numeric string', () => {
    expect(parseTokenAnswer(answer(PAYLOADS.successStringExpires), 13472658353687 - 3_600_000)).toEqual({ token: '6hrF-fake-token-for-tests', expires: 13472658353687, ssl: true });
  });
  it('defaults ssl to false when absent', () => {
    expect(parseTokenAnswer(answer(`{"token":"t-fake","expires":${NOW + 3_600_000}}`), NOW).ssl).toBe(false);
  });
  it('refuses the real payloads\' expires when it is years away from now (a unit or clock error), without quoting the token', () => {
    const error = failure(answer(PAYLOADS.successNumeric));
    expect(error).toBeInstanceOf(ArcGisBadResponseError);
    expect(error.message).toBe(
      `${URL_} issued a token whose expires (1582930261424, 2020-02-28T22:51:01.424Z) is more than 15 days (plus 1 day for clocks) away: ArcGIS issues tokens for at most 15 days, so expires is in the wrong unit (microseconds or seconds instead of milliseconds) or the server's clock is wrong. It was not cached.`,
    );
  });
  it('refuses a token that is already expired', () => {
    const error = failure(answer('{"token":"t-fake","expires":1400000000000}'));
    expect(error).toBeInstanceOf(ArcGisBadResponseError);
    expect(error.message).toBe(`${URL_} issued a token whose expires (1400000000000) is not in the future (now ${NOW}). ArcGIS sends milliseconds since 1970 UTC: check the server's clock.`);
  });
});

describe('parseTokenAnswer: ArcGIS errors in a 200 body', () => {
  it('maps the standalone 401 "Invalid credentials" (details as a string) to InvalidCredentialsError', () => {
    const error = failure(answer(PAYLOADS.standaloneInvalidCredentials));
    expect(error).toBeInstanceOf(InvalidCredentialsError);
    expect((error as InvalidCredentialsError).arcgis).toEqual({ url: URL_, code: 401, message: 'You are not authorized to access this information', details: ['Invalid credentials'] });
    expect(error.message).toMatch(/^https:\/\/gis\.example\.com\/portal\/sharing\/rest\/generateToken answered error 401 "You are not authorized to access this information \/ Invalid credentials"\. The user name or password in the secret was rejected/);
    expect(error.message).toContain('SAML, ADFS or IWA cannot use generateToken');
  });
  it('maps the portal 400 "Invalid username or password." (details as an array) to InvalidCredentialsError', () => {
    const error = failure(answer(PAYLOADS.portalInvalidCredentials));
    expect(error).toBeInstanceOf(InvalidCredentialsError);
    expect((error as InvalidCredentialsError).arcgis.code).toBe(400);
    expect((error as InvalidCredentialsError).arcgis.details).toEqual(['Invalid username or password.']);
  });
  it('explains 201 "Client id cannot be determined"', () => {
    const error = failure(answer(PAYLOADS.clientIdUnknown));
    expect(error).toBeInstanceOf(ArcGisRefusedError);
    expect(error).not.toBeInstanceOf(InvalidCredentialsError);
    expect(error.message).toContain('client "ip" needs the ip setting');
    expect((error as ArcGisRefusedError).extensions()).toEqual({ arcgisCode: 201, arcgisMessage: 'Exception in generating token', arcgisDetails: ['Client id cannot be determined'] });
  });
  it('explains 498 with the wrong-dispenser hint', () => {
    expect(failure(answer(PAYLOADS.invalidToken)).message).toContain('issued by another dispenser');
  });
  it('explains 403', () => {
    const error = failure(answer(PAYLOADS.forbidden));
    expect((error as ArcGisRefusedError).arcgis.code).toBe(403);
    expect(error.message).toContain('give it a role that can generate tokens');
  });
  it('reads the Server Administrator API error shape', () => {
    const error = failure(answer(PAYLOADS.adminTokenExpired));
    expect((error as ArcGisRefusedError).arcgis).toEqual({ url: URL_, code: 498, message: 'Token Expired.', details: [] });
  });
  it('recognises 498 sent as the real HTTP status without a JSON body', () => {
    const error = failure(answer('Invalid token.', 498));
    expect((error as ArcGisRefusedError).arcgis.code).toBe(498);
  });
});

describe('parseTokenAnswer: answers that are not ArcGIS JSON', () => {
  it('names the URL, status and the adaptor hint for a 404 HTML page', () => {
    const error = failure(answer('<html><head><title>Error 404</title></head></html>', 404, 'text/html'));
    expect(error).toBeInstanceOf(ArcGisBadResponseError);
    expect(error.message).toMatch(new RegExp(`^${URL_.replace(/[.]/g, '\\.')} answered HTTP 404 with an HTML page instead of JSON\\. Nothing is at this path: the web adaptor name is site-specific`));
    expect((error as ArcGisBadResponseError).httpStatus).toBe(404);
  });
  it('names an HTML page sent with HTTP 200 (f missing)', () => {
    expect(failure(answer('<!DOCTYPE html><html>generate token form</html>', 200, 'text/html')).message).toContain('answered HTTP 200 with an HTML page instead of JSON. ArcGIS answers HTML when the request lacks f=json');
  });
  it('names garbage and an empty body with their size', () => {
    expect(failure(answer('\u0000\u0001garbage')).message).toContain('answered HTTP 200 with a body that is not JSON (9 bytes)');
    expect(failure(answer('', 502)).message).toContain('answered HTTP 502 with an empty body instead of JSON. The ArcGIS site reported a server error');
  });
  it('refuses JSON that is neither a token nor an error, listing its keys', () => {
    expect(failure(answer('{"currentVersion":11.3,"authInfo":{}}')).message).toBe(
      `${URL_} answered HTTP 200 with JSON that holds neither a token nor an ArcGIS error (keys: currentVersion, authInfo). Check that the target's url is a generateToken endpoint.`,
    );
  });
  it('refuses an expires that is neither a number nor a numeric string', () => {
    expect(failure(answer('{"token":"t-fake","expires":"soon"}'))).toBeInstanceOf(ArcGisBadResponseError);
  });
});

describe('parseTokenAnswer: clock skew', () => {
  const body = '{"token":"t-fake","expires":1500003600000,"ssl":true}';
  it('moves expires onto our clock when the server clock runs ahead', () => {
    expect(parseTokenAnswer({ ...answer(body), serverDate: NOW + 300_000 }, NOW).expires).toBe(1500003600000 - 300_000);
  });
  it('moves expires later when the server clock runs behind', () => {
    expect(parseTokenAnswer({ ...answer(body), serverDate: NOW - 120_000 }, NOW).expires).toBe(1500003600000 + 120_000);
  });
  it('ignores differences within the Date header resolution and network latency', () => {
    expect(parseTokenAnswer({ ...answer(body), serverDate: NOW + 4_000 }, NOW).expires).toBe(1500003600000);
    expect(parseTokenAnswer(answer(body), NOW).expires).toBe(1500003600000);
  });
});

describe('parseTokenAnswer: a broken Date header', () => {
  it('trusts expires as sent when the Date header is a day or more away', () => {
    const body = '{"token":"t-fake","expires":1500003600000,"ssl":true}';
    expect(parseTokenAnswer({ ...answer(body), serverDate: 0 }, NOW).expires).toBe(1500003600000);
  });
});

// The simulator's answers are the real ones: each payload the project has on record from a real
// server (test/fixtures/arcgis-payloads.ts) comes out of payloads.ts byte for byte.
import { describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN_EXPIRED,
  CLIENT_ID_UNDETERMINED,
  federatedServerInfo,
  INVALID_TOKEN,
  PORTAL_INVALID_CREDENTIALS,
  SERVER_INVALID_CREDENTIALS,
  tokenAnswer,
} from '../../../lambda/local/arcgis-simulator/payloads.js';
import { PAYLOADS } from '../../fixtures/arcgis-payloads.js';

describe('the simulator payloads', () => {
  it.each([
    ['SERVER_INVALID_CREDENTIALS', SERVER_INVALID_CREDENTIALS, PAYLOADS.standaloneInvalidCredentials],
    ['PORTAL_INVALID_CREDENTIALS', PORTAL_INVALID_CREDENTIALS, PAYLOADS.portalInvalidCredentials],
    ['CLIENT_ID_UNDETERMINED', CLIENT_ID_UNDETERMINED, PAYLOADS.clientIdUnknown],
    ['INVALID_TOKEN', INVALID_TOKEN, PAYLOADS.invalidToken],
    ['ADMIN_TOKEN_EXPIRED', ADMIN_TOKEN_EXPIRED, PAYLOADS.adminTokenExpired],
  ])('%s serialises to the real bytes', (_name, payload, real) => {
    expect(JSON.stringify(payload)).toBe(real);
  });

  // Real servers put spaces after the colons of a token answer; the simulator sends compact JSON.
  // The keys, their order and the value types are what clients depend on.
  it('answers a login with the real keys in the real order, expires as a number', () => {
    const real = JSON.parse(PAYLOADS.successNumeric) as { token: string; expires: number; ssl: boolean };
    expect(JSON.stringify(tokenAnswer(real.token, real.expires, false, real.ssl))).toBe(JSON.stringify(real));
  });

  it('answers a login with expires as a numeric string when the site does', () => {
    const real = JSON.parse(PAYLOADS.successStringExpires) as { token: string; expires: string; ssl: boolean };
    expect(JSON.stringify(tokenAnswer(real.token, Number(real.expires), true, real.ssl))).toBe(JSON.stringify(real));
  });

  it("reproduces a federated server's real 10.6.1 rest/info answer", () => {
    const real =
      '{"currentVersion":10.61,"fullVersion":"10.6.1","owningSystemUrl":"https://h/portal","authInfo":{"isTokenBasedSecurity":true,"tokenServicesUrl":"https://h/portal/sharing/rest/generateToken"}}';
    expect(JSON.stringify(federatedServerInfo('https://h/portal'))).toBe(real);
  });
});

// The target settings that widen where credentials may go: portalUrl (kind federated) and
// allowedOrigins. Both are validated where every configuration enters, and http:// is refused
// without allowInsecureHttp as for url.
import { describe, expect, it } from 'vitest';
import { parseServiceConfig } from '../../../lambda/domain/config/parse-config.js';
import { refusalOf as messageOf } from './refusal.js';

const federated = { name: 'fed', url: 'https://gis.example.com/server', kind: 'federated', referer: 'https://apps.example.com', secretId: 'arcgis/fed' } as const;

describe('portalUrl and allowedOrigins', () => {
  it('accepts portalUrl on a federated target and keeps allowedOrigins as normalised origins', () => {
    const config = parseServiceConfig({ targets: [{ ...federated, portalUrl: 'https://portal.example.com/portal', allowedOrigins: [' HTTPS://Internal.Example.com:6443/ ', 'https://gis2.example.com:443'] }] }, 't');
    expect(config.targets[0]).toMatchObject({ portalUrl: 'https://portal.example.com/portal', allowedOrigins: ['https://internal.example.com:6443', 'https://gis2.example.com'] });
  });

  it('refuses portalUrl without kind federated, saying what to do instead', () => {
    const { kind: _kind, ...discovered } = federated;
    expect(messageOf({ targets: [{ ...discovered, portalUrl: 'https://portal.example.com/portal' }] })).toBe(
      'Invalid configuration in test config:\n  - targets[0].portalUrl: portalUrl names the portal of a federated server: set kind "federated", or list the origin in allowedOrigins instead',
    );
  });

  it.each([
    ['https://portal.example.com/portal', '"https://portal.example.com/portal" is not an origin: give scheme, host and port only (https://portal.example.com), without a path, query or fragment'],
    ['https://portal.example.com?x=1', '"https://portal.example.com?x=1" is not an origin: give scheme, host and port only (https://portal.example.com), without a path, query or fragment'],
    ['portal.example.com', '"portal.example.com" is not an origin: give scheme, host and port only, e.g. https://portal.example.com or https://gis.example.com:7443'],
    ['ftp://portal.example.com', 'use an https:// origin (got ftp:)'],
    ['https://user:pw@portal.example.com', 'remove the user name/password from the origin: credentials belong in the secret'],
  ])('refuses allowedOrigins entry %j', (origin, message) => {
    expect(messageOf({ targets: [{ ...federated, allowedOrigins: ['https://ok.example.com', origin] }] })).toBe(`Invalid configuration in test config:\n  - targets[0].allowedOrigins[1]: ${message}`);
  });

  it('refuses http:// origins and portalUrl unless insecure HTTP is allowed', () => {
    const plain = { ...federated, portalUrl: 'http://127.0.0.1:8080/portal', allowedOrigins: ['http://127.0.0.1:9090'] };
    expect(messageOf({ targets: [plain] })).toBe(
      'Invalid configuration in test config:\n' +
        '  - targets[0].portalUrl: http:// would send the password in clear: use https://, or set allowInsecureHttp (ARCGIS_ALLOW_INSECURE_HTTP=1) for a local simulator only\n' +
        '  - targets[0].allowedOrigins[0]: http:// would send the password in clear: use https://, or set allowInsecureHttp (ARCGIS_ALLOW_INSECURE_HTTP=1) for a local simulator only',
    );
    expect(parseServiceConfig({ targets: [plain], allowInsecureHttp: true }, 't').targets[0]!.allowedOrigins).toEqual(['http://127.0.0.1:9090']);
  });
});

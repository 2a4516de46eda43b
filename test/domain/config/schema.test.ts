import { describe, expect, it } from 'vitest';
import type { ServiceConfigInput } from '../../../lambda/domain/config/schema.js';
import { parseServiceConfig } from '../../../lambda/domain/config/parse-config.js';
import { refusalOf as messageOf } from './refusal.js';

const target = { name: 'main', url: 'https://gis.example.com/portal', referer: 'https://apps.example.com', secretId: 'arcgis/main' };

describe('parseServiceConfig', () => {
  it('applies the documented defaults', () => {
    const config = parseServiceConfig({ targets: [target] }, 'test config');
    expect(config).toEqual({
      targets: [{ ...target, client: 'referer', expirationMinutes: 60 }],
      defaultTarget: 'main',
      allowInsecureHttp: false,
      parameterPrefix: '/arcgis-token-vending',
      scheduleIntervalMinutes: 15,
      requestTimeoutMs: 10_000,
      deadlineMs: 25_000,
      minValidityRefreshIntervalSeconds: 300,
    });
  });

  it('names the field and the fix when referer is missing for client referer', () => {
    const { referer: _omit, ...noReferer } = target;
    expect(messageOf({ targets: [noReferer] })).toBe(
      'Invalid configuration in test config:\n  - targets[0].referer: client "referer" needs a referer: the base URL of the app that will use the token (e.g. https://apps.example.com)',
    );
  });

  it('requires a valid ip for client ip', () => {
    const { referer: _omit, ...base } = target;
    expect(messageOf({ targets: [{ ...base, client: 'ip', ip: 'not-an-ip' }] })).toContain('targets[0].ip: client "ip" needs ip');
    expect(parseServiceConfig({ targets: [{ ...base, client: 'ip', ip: '203.0.113.7' }] }, 't').targets[0]!.ip).toBe('203.0.113.7');
  });

  it('refuses http:// unless insecure HTTP is explicitly allowed', () => {
    const plain = { ...target, url: 'http://127.0.0.1:8080/portal' };
    expect(messageOf({ targets: [plain] })).toContain('targets[0].url: http:// would send the password in clear');
    expect(parseServiceConfig({ targets: [plain], allowInsecureHttp: true }, 't').targets[0]!.url).toBe(plain.url);
  });

  it.each([
    [0, 'use at least 1 minute'],
    [21_601, 'ArcGIS allows at most 21600 minutes (15 days)'],
    [1.5, 'use a whole number of minutes'],
  ])('refuses expirationMinutes %s', (expirationMinutes, message) => {
    expect(messageOf({ targets: [{ ...target, expirationMinutes }] })).toContain(`targets[0].expirationMinutes: ${message}`);
  });

  it('accepts the bounds 1 and 21600 minutes', () => {
    expect(parseServiceConfig({ targets: [{ ...target, expirationMinutes: 1 }] }, 't').targets[0]!.expirationMinutes).toBe(1);
    expect(parseServiceConfig({ targets: [{ ...target, expirationMinutes: 21_600 }] }, 't').targets[0]!.expirationMinutes).toBe(21_600);
  });

  it('refuses an unknown client mode, listing the valid ones', () => {
    expect(messageOf({ targets: [{ ...target, client: 'browser' }] })).toContain('targets[0].client: use one of referer, ip, requestip');
  });

  it('refuses a URL that is not a URL and one with embedded credentials', () => {
    expect(messageOf({ targets: [{ ...target, url: 'gis.example.com' }] })).toContain('targets[0].url: "gis.example.com" is not a URL');
    expect(messageOf({ targets: [{ ...target, url: 'https://u:p@gis.example.com/portal' }] })).toContain('credentials belong in the secret');
  });

  it('refuses duplicate target names and an unknown default target', () => {
    const message = messageOf({ targets: [target, { ...target, name: 'MAIN' }], defaultTarget: 'other' });
    expect(message).toContain('targets[1].name: target name "MAIN" is used twice');
    expect(message).toContain('defaultTarget: no target is named "other"; use one of main, MAIN');
  });

  it('refuses unknown keys so typos do not pass silently', () => {
    expect(messageOf({ targets: [{ ...target, expiration: 30 }] })).toContain('targets[0]: Unrecognized key: "expiration"');
  });

  it('refuses an empty target list and a missing secret', () => {
    expect(messageOf({ targets: [] })).toContain('targets: configure at least one target');
    expect(messageOf({ targets: [{ ...target, secretId: ' ' }] })).toContain('targets[0].secretId: name the Secrets Manager secret');
  });

  it('refuses a referer or ip that the client mode would ignore', () => {
    const input: ServiceConfigInput = { targets: [{ ...target, client: 'requestip' }] };
    expect(messageOf(input)).toContain('targets[0].referer: referer is only used with client "referer"');
  });

  it('normalises a referer by dropping its query string and fragment', () => {
    expect(parseServiceConfig({ targets: [{ ...target, referer: 'https://apps.example.com/map?x=1#top' }] }, 't').targets[0]!.referer).toBe('https://apps.example.com/map');
  });

  it('refuses a referer that is not an http(s) URL', () => {
    expect(messageOf({ targets: [{ ...target, referer: 'apps.example.com:8443' }] })).toContain('targets[0].referer: "apps.example.com:8443" is not an http(s) URL');
  });

  it('accepts kind, caller-ip and serviceUrl, and refuses an http serviceUrl', () => {
    const { referer: _omit, ...base } = target;
    const config = parseServiceConfig({ targets: [{ ...base, kind: 'federated', client: 'caller-ip', serviceUrl: 'https://gis.example.com/server/rest/services/X/MapServer' }] }, 't');
    expect(config.targets[0]).toMatchObject({ kind: 'federated', client: 'caller-ip', serviceUrl: 'https://gis.example.com/server/rest/services/X/MapServer' });
    expect(messageOf({ targets: [{ ...target, serviceUrl: 'http://gis.example.com/x' }] })).toContain('targets[0].serviceUrl: http:// would send the token in clear');
    expect(messageOf({ targets: [{ ...base, client: 'caller-ip', ip: '203.0.113.1' }] })).toContain('targets[0].ip: ip is only used with client "ip"');
    expect(messageOf({ targets: [{ ...target, kind: 'online' }] })).toContain('targets[0].kind: use one of portal, server, admin, federated, or leave it out to discover it');
  });
});

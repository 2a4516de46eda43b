import { beforeEach, describe, expect, it } from 'vitest';
import type { Target } from '../../lambda/domain/config/schema.js';
import { parseServiceConfig } from '../../lambda/domain/config/parse-config.js';
import { ArcGisBadResponseError, ArcGisRateLimitedError, ArcGisRefusedError, ArcGisUnreachableError, InvalidCredentialsError } from '../../lambda/domain/errors.js';
import type { Credentials, IssueRequest, IssuedBoundToken, TokenIssuer } from '../../lambda/domain/ports.js';
import { issueToken, type TokenStamp } from '../../lambda/service/issue-token.js';
import { CAP_TOLERANCE_MS } from '../../lambda/service/site-cap.js';
import { slotFor } from '../../lambda/service/slot.js';
import { CapturingLog, CountingMetrics, FakeClock, FakeIssuer } from './fakes.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const config = parseServiceConfig(
  {
    targets: [
      { name: 'main', url: 'https://gis.example.com/portal', referer: 'https://apps.example.com', secretId: 'arcgis/main' },
      { name: 'ops', url: 'https://gis.example.com/arcgis', client: 'ip', ip: '203.0.113.7', expirationMinutes: 120, secretId: 'arcgis/ops' },
      { name: 'desk', url: 'https://gis.example.com/arcgis', client: 'requestip', secretId: 'arcgis/desk' },
      { name: 'callers', url: 'https://gis.example.com/portal', client: 'caller-ip', secretId: 'arcgis/callers' },
    ],
  },
  'test',
);
const target = (name: string): Target => config.targets.find((t) => t.name === name)!;
const user: Exclude<Credentials, { kind: 'manual' }> = { kind: 'user', username: 'fake-user', password: 'fake-password-not-real' };
const stamp: TokenStamp = { fingerprint: 'fingerprint-of-settings', identity: 'identity-of-owner' };
const SIGN_IN_URL = 'https://gis.example.com/portal/sharing/rest/generateToken';

let clock: FakeClock;
let issuer: FakeIssuer;
let log: CapturingLog;
let metrics: CountingMetrics;
let deadline: number;
const deps = () => ({ issuer, log, metrics, now: clock.now });

beforeEach(() => {
  clock = new FakeClock();
  issuer = new FakeIssuer(clock);
  log = new CapturingLog();
  metrics = new CountingMetrics();
  deadline = clock.time + 25_000;
});

describe('issueToken: the request', () => {
  it('asks for a referer-bound token for a referer target, within the deadline', async () => {
    await issueToken(deps(), slotFor(target('main')), user, deadline, stamp);
    expect(issuer.calls).toEqual([{ target: 'main', credentials: user, client: 'referer', referer: 'https://apps.example.com' }]);
    expect(issuer.deadlines).toEqual([deadline]);
  });

  it('asks for a token bound to the configured address for an ip target', async () => {
    await issueToken(deps(), slotFor(target('ops')), user, deadline, stamp);
    expect(issuer.calls).toEqual([{ target: 'ops', credentials: user, client: 'ip', ip: '203.0.113.7' }]);
  });

  it('asks for a requestip token with neither referer nor address', async () => {
    await issueToken(deps(), slotFor(target('desk')), user, deadline, stamp);
    expect(issuer.calls).toEqual([{ target: 'desk', credentials: user, client: 'requestip' }]);
  });

  it("turns caller-ip into ip with the caller's address (an IPv4 seen as ::ffff: as the plain address)", async () => {
    await issueToken(deps(), slotFor(target('callers'), '::ffff:198.51.100.4'), user, deadline, stamp);
    expect(issuer.calls).toEqual([{ target: 'callers', credentials: user, client: 'ip', ip: '198.51.100.4' }]);
  });

  it("binds an IPv6 caller's token to its full address, not the /64 its slot is keyed by", async () => {
    const issued = await issueToken(deps(), slotFor(target('callers'), '2001:db8:1:2:aaaa::1'), user, deadline, stamp);
    expect(issuer.calls[0]).toEqual({ target: 'callers', credentials: user, client: 'ip', ip: '2001:db8:1:2:aaaa::1' });
    expect(issued.binding).toEqual({ client: 'ip', ip: '2001:db8:1:2:aaaa::1' });
  });
});

describe('issueToken: the token', () => {
  it('stamps the token with the settings, the owner, when it was asked for and the lifetime asked', async () => {
    const started = clock.time;
    const issued = await issueToken(deps(), slotFor(target('main')), user, deadline, stamp);
    expect(issued).toStrictEqual({
      token: 'fake-token-1',
      expires: started + HOUR,
      ssl: true,
      issuedAt: started,
      fingerprint: 'fingerprint-of-settings',
      identity: 'identity-of-owner',
      binding: { client: 'referer', referer: 'https://apps.example.com' },
      requestedMinutes: 60,
    });
  });

  it('dates the token from when the login started, not when it answered', async () => {
    const slow: Pick<TokenIssuer, 'issue'> = {
      issue: async () => {
        clock.advance(3_000);
        return { token: 'fake-token-slow', expires: clock.time + HOUR, ssl: false, binding: { client: 'requestip' } };
      },
    };
    const started = clock.time;
    const issued = await issueToken({ issuer: slow, log, metrics, now: clock.now }, slotFor(target('desk')), user, deadline, stamp);
    expect(issued.issuedAt).toBe(started);
    expect(issued.ssl).toBe(false);
    expect(log.lines[0]!.fields).toMatchObject({ lifetimeSeconds: 3603, ssl: false });
  });

  it('keeps only the binding fields ArcGIS set (no keys holding undefined in the stored record)', async () => {
    const sparse: Pick<TokenIssuer, 'issue'> = {
      issue: async (_request: IssueRequest): Promise<IssuedBoundToken> => ({ token: 'fake-token-app', expires: clock.time + HOUR, ssl: true, binding: { client: 'none', referer: undefined, ip: undefined } }),
    };
    const issued = await issueToken({ issuer: sparse, log, metrics, now: clock.now }, slotFor(target('main')), user, deadline, stamp);
    expect(issued.binding).toStrictEqual({ client: 'none' });
    expect(Object.keys(issued.binding)).toEqual(['client']);
  });

  it('counts TokensGenerated and logs the expiry, binding and lifetime, never the token or password', async () => {
    issuer.lifetimeMs = 2 * HOUR;
    await issueToken(deps(), slotFor(target('ops')), user, deadline, stamp);
    expect(metrics.counts).toEqual([{ name: 'TokensGenerated', target: 'ops' }]);
    expect(log.lines).toEqual([
      { level: 'info', message: 'token generated', fields: { target: 'ops', expiresAt: new Date(clock.time + 2 * HOUR).toISOString(), ssl: true, client: 'ip', lifetimeSeconds: 7200 } },
    ]);
    expect(log.text()).not.toContain('fake-token');
    expect(log.text()).not.toContain('fake-password');
  });
});

describe('issueToken: a capped lifetime', () => {
  it('warns when the site gives a shorter lifetime than asked, with both in minutes', async () => {
    issuer.lifetimeMs = 30 * MINUTE;
    await issueToken(deps(), slotFor(target('ops')), user, deadline, stamp);
    expect(log.lines[1]).toEqual({ level: 'warn', message: 'ArcGIS issued a shorter lifetime than requested (the site caps it)', fields: { target: 'ops', requestedMinutes: 120, grantedMinutes: 30 } });
    expect(log.lines).toHaveLength(2);
  });

  it('does not warn about a lifetime exactly CAP_TOLERANCE_MS short, and warns one millisecond shorter', async () => {
    issuer.lifetimeMs = HOUR - CAP_TOLERANCE_MS;
    await issueToken(deps(), slotFor(target('main')), user, deadline, stamp);
    expect(log.lines.map((l) => l.level)).toEqual(['info']);
    issuer.lifetimeMs = HOUR - CAP_TOLERANCE_MS - 1;
    await issueToken(deps(), slotFor(target('main')), user, deadline, stamp);
    expect(log.lines.map((l) => l.level)).toEqual(['info', 'info', 'warn']);
    expect(log.lines[2]!.fields).toEqual({ target: 'main', requestedMinutes: 60, grantedMinutes: 58 });
  });
});

describe('issueToken: a failed login', () => {
  const refused = new ArcGisRefusedError({ url: SIGN_IN_URL, code: 403, message: 'You do not have permissions to access this resource or perform this operation.', details: [] }, 'Check the user\'s role.');
  const rejected = new InvalidCredentialsError({ url: SIGN_IN_URL, code: 400, message: 'Unable to generate token.', details: ['Invalid username or password.'] }, 'Fix the secret.');

  it.each([
    ['an ArcGIS refusal, by its code', refused, '403'],
    ['rejected credentials, by their code', rejected, '400'],
    ['a rate limit, by its HTTP status', new ArcGisRateLimitedError('ArcGIS asked to slow down.', SIGN_IN_URL, 429, 30_000), 'http-429'],
    ['an answer that is not ArcGIS JSON, by its HTTP status', new ArcGisBadResponseError('An HTML page came back.', 502, 'html'), 'http-502'],
    ['no answer', new ArcGisUnreachableError('https://gis.example.com/portal did not answer within 10000 ms.'), 'unreachable'],
    ['anything else', new TypeError('fetch failed'), 'other'],
  ])('counts %s as ArcGisErrors and rethrows the same error', async (_case, error, code) => {
    issuer.failures.push(error);
    await expect(issueToken(deps(), slotFor(target('main')), user, deadline, stamp)).rejects.toBe(error);
    expect(metrics.counts).toEqual([{ name: 'ArcGisErrors', target: 'main', dimensions: { ArcGisCode: code } }]);
    expect(log.lines).toEqual([]);
  });

  it('counts no token generated when the login fails', async () => {
    issuer.failures.push(new ArcGisUnreachableError('no answer'));
    await expect(issueToken(deps(), slotFor(target('main')), user, deadline, stamp)).rejects.toThrow('no answer');
    expect(metrics.total('TokensGenerated')).toBe(0);
  });
});

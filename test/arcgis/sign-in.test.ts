// The sign-in sequence against the simulator over real HTTP: the steps it takes for each kind of
// site, the events a listener hears (URL, timing, outcome, never a secret), the portal token kept
// for reuse and forgotten after a refused exchange, and the two halves doctor runs apart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortalTokenMemory } from '../../lambda/arcgis/portal-token-memory.js';
import { findSite, logIn, plainHttpCredentialUrl, signIn, type SignInEvent, type SignInRequest } from '../../lambda/arcgis/sign-in.js';
import { tokenSite } from '../../lambda/arcgis/token-site.js';
import { ArcGisRefusedError, ConfigurationError, InvalidCredentialsError } from '../../lambda/domain/errors.js';
import { startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';

const REFERER = 'https://apps.example.com';
const APP = { clientId: 'fake-app', clientSecret: 'fake-app-secret-sign-in' };
const context = { timeoutMs: 2_000, now: Date.now };
let sim: ArcGisSimulator;

beforeAll(async () => {
  sim = await startArcGisSimulator({ users: [FAKE], apps: [APP], federatedServers: [{ adaptor: 'fed', registered: true }, { adaptor: 'lone', registered: false }] });
});
afterAll(() => sim.close());

/** A listener that keeps every event, and what the events say without their timings. */
function listening() {
  const events: SignInEvent[] = [];
  const steps = () =>
    events.map((event) => {
      const { startedAt, ...rest } = event;
      expect(startedAt).toBeGreaterThan(0);
      if ('ms' in rest) {
        expect(rest.ms).toBeGreaterThanOrEqual(0);
        delete (rest as { ms?: number }).ms;
      }
      return rest;
    });
  return { listener: (event: SignInEvent) => events.push(event), events, steps };
}

async function request(url: string, overrides: Partial<SignInRequest> = {}): Promise<SignInRequest> {
  const site = await findSite(url, undefined, {}, context);
  return { target: 't', site, credentials: { kind: 'user', ...FAKE }, client: 'referer', referer: REFERER, expirationMinutes: 60, ...overrides };
}

describe('signIn', () => {
  it('on a federated server: discovery, login at the portal, exchange, check, each attempted then succeeded', async () => {
    const fed = sim.federatedServerUrl('fed');
    const layer = `${fed}/rest/services/Demo/FeatureServer/0`;
    const { listener, steps, events } = listening();
    const site = await findSite(fed, undefined, {}, context, listener);
    const token = await signIn({ target: 't', site, credentials: { kind: 'user', ...FAKE }, client: 'referer', referer: REFERER, expirationMinutes: 60, serviceUrl: layer }, context, listener);

    const login = events.find((event) => event.step === 'login' && event.outcome === 'succeeded')!;
    expect(steps()).toEqual([
      { step: 'discovery', outcome: 'attempted', url: fed },
      { step: 'discovery', outcome: 'succeeded', url: fed, site },
      { step: 'login', outcome: 'attempted', url: sim.portalTokenUrl, client: 'referer' },
      { step: 'login', outcome: 'succeeded', url: sim.portalTokenUrl, client: 'referer', expires: (login as { expires: number }).expires, ssl: false },
      { step: 'exchange', outcome: 'attempted', url: sim.portalTokenUrl, serverUrl: fed },
      { step: 'exchange', outcome: 'succeeded', url: sim.portalTokenUrl, serverUrl: fed, expires: token.expires },
      { step: 'check', outcome: 'attempted', url: layer },
      { step: 'check', outcome: 'succeeded', url: layer, httpStatus: 200 },
    ]);
    expect(site.kind).toBe('federated');
  });

  it('with app credentials: one login at oauth2/token, no exchange or check without reason', async () => {
    const { listener, steps } = listening();
    const token = await signIn(await request(sim.portalUrl, { credentials: { kind: 'app', ...APP } }), context, listener);
    expect(steps()).toEqual([
      { step: 'login', outcome: 'attempted', url: sim.oauthTokenUrl, client: 'app' },
      { step: 'login', outcome: 'succeeded', url: sim.oauthTokenUrl, client: 'app', expires: token.expires, ssl: false },
    ]);
  });

  it('stops at a rejected password: login failed with the typed error, and nothing after it', async () => {
    const { listener, events, steps } = listening();
    const error = await signIn(await request(sim.federatedServerUrl('fed'), { credentials: { kind: 'user', username: FAKE.username, password: 'fake-wrong-password' } }), context, listener).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidCredentialsError);
    expect(steps().map((event) => [event.step, event.outcome])).toEqual([
      ['login', 'attempted'],
      ['login', 'failed'],
    ]);
    expect(events[1]).toMatchObject({ step: 'login', outcome: 'failed', url: sim.portalTokenUrl, client: 'referer', error });
  });

  it('reports a wrong dispenser as a failed check (a portal token on a federated server, without exchange)', async () => {
    const layer = `${sim.federatedServerUrl('fed')}/rest/services/Demo/FeatureServer/0`;
    const { listener, events } = listening();
    const error = await signIn(await request(sim.portalUrl, { serviceUrl: layer }), context, listener).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArcGisRefusedError);
    expect((error as ArcGisRefusedError).arcgis.code).toBe(498);
    expect(events.map((event) => `${event.step} ${event.outcome}`)).toEqual(['login attempted', 'login succeeded', 'check attempted', 'check failed']);
    expect(events.at(-1)).toMatchObject({ url: layer, error });
  });

  it('refuses app credentials for a standalone server before sending anything', async () => {
    const { listener, events } = listening();
    const standalone = await request(sim.serverUrl, { credentials: { kind: 'app', ...APP } });
    const before = sim.requests.length;
    const error = await signIn(standalone, context, listener).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toBe(
      `Target "t" has app credentials (clientId/clientSecret), but ${sim.serverTokenUrl} is a standalone ArcGIS Server: app credentials need a portal or ArcGIS Online. Use a built-in user's username/password for this target.`,
    );
    expect([events, sim.requests.length - before]).toEqual([[], 0]);
  });

  it('never puts the password, the client secret or a token in an event', async () => {
    const { listener, events } = listening();
    const fed = sim.federatedServerUrl('fed');
    const issued = [
      await signIn(await request(fed, { serviceUrl: `${fed}/rest/services/Demo/FeatureServer/0` }), context, listener),
      await signIn(await request(sim.portalUrl, { credentials: { kind: 'app', ...APP } }), context, listener),
    ];
    await signIn(await request(sim.portalUrl, { credentials: { kind: 'user', username: FAKE.username, password: 'fake-wrong-password' } }), context, listener).catch(() => undefined);
    const portalTokens = sim.requests.filter((r) => r.form.serverUrl !== undefined).map((r) => r.form.token!);
    const said = JSON.stringify(events, (_key, value: unknown) => (value instanceof Error ? { name: value.name, message: value.message } : value));
    expect(events.length).toBe(10);
    for (const secret of [FAKE.password, APP.clientSecret, 'fake-wrong-password', ...issued.map((t) => t.token), ...portalTokens]) expect(said).not.toContain(secret);
  });
});

describe('the portal token kept for reuse', () => {
  it('is reused for the next exchange on the same portal ("reused", no login), and forgotten when an exchange is refused', async () => {
    const memory = new PortalTokenMemory();
    const slot = memory.slot('portal, account, binding');
    const fed = await request(sim.federatedServerUrl('fed'), { portalTokens: slot });
    const logins = sim.passwordLoginCount();

    await signIn(fed, context);
    const { listener, steps } = listening();
    const second = await signIn(fed, context, listener);
    expect(sim.passwordLoginCount() - logins).toBe(1);
    expect(steps()[0]).toEqual({ step: 'login', outcome: 'reused', url: sim.portalTokenUrl, client: 'referer', expires: slot.reusable(Date.now())!.expires });
    expect(second.expires).toBeLessThanOrEqual(slot.reusable(Date.now())!.expires);

    // The same slot for a server the portal does not vouch for: the exchange is refused, and the kept token goes.
    const lone = await request(sim.federatedServerUrl('lone'), { portalTokens: slot });
    await expect(signIn(lone, context)).rejects.toBeInstanceOf(ArcGisRefusedError);
    expect(slot.reusable(Date.now())).toBeUndefined();
    await signIn(fed, context);
    expect(sim.passwordLoginCount() - logins).toBe(2);
  });

  it('is not kept for a site that needs no exchange', async () => {
    const slot = new PortalTokenMemory().slot('k');
    await signIn(await request(sim.portalUrl, { portalTokens: slot }), context);
    expect(slot.reusable(Date.now())).toBeUndefined();
  });

  it('is reused only while it has more than half its lifetime left', () => {
    const slot = new PortalTokenMemory().slot('k');
    const issuedAt = 1_000_000;
    slot.keep({ token: 'fake-portal-token', expires: issuedAt + 60 * 60_000, ssl: true }, issuedAt);
    expect(slot.reusable(issuedAt + 30 * 60_000 - 1)?.token).toBe('fake-portal-token');
    expect(slot.reusable(issuedAt + 30 * 60_000)).toBeUndefined();
  });
});

describe('logIn and complete(), the halves doctor runs apart', () => {
  it('logIn logs in only; complete() exchanges and checks with the same token and referer', async () => {
    const fed = sim.federatedServerUrl('fed');
    const { listener, events } = listening();
    const exchanges = sim.exchangeCount();
    const loggedIn = await logIn(await request(fed, { serviceUrl: `${fed}/rest/services` }), context, listener);
    expect([events.map((event) => `${event.step} ${event.outcome}`), sim.exchangeCount() - exchanges, loggedIn.referer]).toEqual([['login attempted', 'login succeeded'], 0, REFERER]);

    const server = await loggedIn.complete();
    expect(events.map((event) => `${event.step} ${event.outcome}`).slice(2)).toEqual(['exchange attempted', 'exchange succeeded', 'check attempted', 'check succeeded']);
    expect(sim.requests.filter((r) => r.form.serverUrl !== undefined).at(-1)!.form).toMatchObject({ token: loggedIn.token.token, serverUrl: fed, referer: REFERER });
    expect(server.token).not.toBe(loggedIn.token.token);
  });

  it('sends no Referer for a token bound to something else', async () => {
    const loggedIn = await logIn(await request(sim.serverUrl, { client: 'requestip' }), context);
    expect(loggedIn.referer).toBeUndefined();
  });
});

describe('plainHttpCredentialUrl', () => {
  const site = (tokenUrl: string, oauthUrl?: string) => tokenSite({ kind: 'portal', tokenUrl, oauthUrl, found: { by: 'configured' } });

  it.each<[string, string, string | undefined, 'user' | 'app' | 'any', string | undefined]>([
    ['https endpoints', 'https://h/portal/sharing/rest/generateToken', 'https://h/portal/sharing/rest/oauth2/token', 'any', undefined],
    ['an http login endpoint', 'HTTP://h/portal/sharing/rest/generateToken', undefined, 'user', 'HTTP://h/portal/sharing/rest/generateToken'],
    ['an http OAuth endpoint, for a user', 'https://h/p/sharing/rest/generateToken', 'http://h/p/sharing/rest/oauth2/token', 'user', undefined],
    ['an http OAuth endpoint, for an app', 'https://h/p/sharing/rest/generateToken', 'http://h/p/sharing/rest/oauth2/token', 'app', 'http://h/p/sharing/rest/oauth2/token'],
    ['an http OAuth endpoint, for whoever', 'https://h/p/sharing/rest/generateToken', 'http://h/p/sharing/rest/oauth2/token', 'any', 'http://h/p/sharing/rest/oauth2/token'],
  ])('%s', (_name, tokenUrl, oauthUrl, who, expected) => {
    expect(plainHttpCredentialUrl(site(tokenUrl, oauthUrl), who)).toBe(expected);
  });
});

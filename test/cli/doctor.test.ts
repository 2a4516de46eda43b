// `doctor` against the simulator's scenarios: each pins the verdicts a user would read, the exit
// code, and how many logins the run cost. Most runs are in-process (runDoctor); two run the CLI's
// entry (lambda/cli/main.ts, through tsx) as a child process. The compiled bin, run by plain Node
// from an installed package, is tested in test/package/installed-package.test.ts. The last block checks that no scenario ever prints the
// password, the client secret or any token the simulator issued.
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { TargetSchema } from '../../lambda/domain/config/schema.js';
import type { FetchLike } from '../../lambda/arcgis/http.js';
import { runDoctor } from '../../lambda/cli/doctor.js';
import { DEFAULT_SIMULATOR_USER, startArcGisSimulator, type ArcGisSimulator, type ArcGisSimulatorOptions } from '../../lambda/local/arcgis-simulator.js';

const PASSWORD = DEFAULT_SIMULATOR_USER.password;
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const CLI_ENTRY = fileURLToPath(new URL('../../lambda/cli/main.ts', import.meta.url));
const APP = { clientId: 'doctor-app', clientSecret: 'app-secret-9f2c1e' };
const REFERER = 'https://apps.example.com';
// Verbatim real answer (docs/arcgis-tokens.md).
const CLIENT_ID_UNDETERMINED = { error: { code: 201, message: 'Exception in generating token', details: 'Client id cannot be determined' } };

const SAML_HINT = 'Enterprise logins (SAML, ADFS, IWA) cannot use generateToken: only built-in ArcGIS accounts can, and only at a token endpoint that answers without a browser login.';

interface Finding {
  verdict: string;
  summary: string;
  cause?: string;
  fix?: string;
}
interface Report {
  ok: boolean;
  checks: Array<{ id: string; verdict: string; findings: Finding[]; requests: Array<{ method: string; url: string; httpStatus?: number; answer: string; sent: Record<string, string> }> }>;
  clientModes: Array<Record<string, unknown>>;
  longestExpirationMinutes: number | null;
  configuration: Record<string, unknown> | null;
  deployCommand: string | null;
  site: Record<string, unknown> | null;
}
interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** Every token (token, access_token) in an answer the run received. */
  tokens: Set<string>;
}

const sims: ArcGisSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()));
});

async function simulator(options: ArcGisSimulatorOptions = {}): Promise<ArcGisSimulator> {
  const sim = await startArcGisSimulator(options);
  sims.push(sim);
  return sim;
}

/** Runs doctor in-process, capturing every token the answers carried. */
async function doctor(argv: string[], options: { env?: Record<string, string>; stdin?: PassThrough; fetch?: FetchLike } = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const tokens = new Set<string>();
  const base = options.fetch ?? fetch;
  const capturing: FetchLike = async (input, init) => {
    const response = await base(input, init);
    const body = await response.clone().text();
    for (const match of body.matchAll(/"(?:token|access_token)"\s*:\s*"([^"]+)"/g)) tokens.add(match[1]!);
    return response;
  };
  const code = await runDoctor(argv, {
    env: options.env ?? { ARCGIS_PASSWORD: PASSWORD },
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: options.stdin,
    fetch: capturing,
  });
  return { code, stdout, stderr, tokens };
}

async function doctorJson(argv: string[], options: Parameters<typeof doctor>[1] = {}): Promise<Run & { report: Report }> {
  const run = await doctor([...argv, '--json'], options);
  return { ...run, report: JSON.parse(run.stdout) as Report };
}

function findings(report: Report, id: string): Finding[] {
  return report.checks.find((check) => check.id === id)?.findings ?? [];
}

function lines(text: string): string[] {
  return text.split('\n');
}

/** A site whose answers to some token requests are replaced (e.g. a proxy that hides the caller's address). */
function answering(match: (form: URLSearchParams) => boolean, body: unknown): FetchLike {
  return async (input, init) => {
    if (typeof init.body === 'string' && match(new URLSearchParams(init.body))) {
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'text/plain;charset=utf-8' } });
    }
    return fetch(input, init);
  };
}

const user = ['--username', 'demo', '--allow-insecure-http'];

describe('doctor: custom web adaptor names', () => {
  it('discovers a portal under a custom adaptor and lists the rest/info and guessed paths that answered 404', async () => {
    const sim = await simulator({ portalAdaptor: 'gis-portal-7', serverAdaptor: 'gis-7f3' });
    const { report, code } = await doctorJson([sim.portalUrl, ...user, '--referer', REFERER]);

    expect(code).toBe(0);
    const discovery = report.checks.find((c) => c.id === 'discovery')!;
    expect(discovery.requests.map((r) => `${r.method} ${r.url} → ${r.answer}`)).toEqual([
      `GET ${sim.portalUrl}/rest/info → HTTP 404, HTML page "Error 404"`,
      `GET ${sim.portalUrl}/sharing/rest/info → HTTP 200, ArcGIS JSON: tokenServicesUrl ${sim.portalTokenUrl}, owningSystemUrl ${sim.portalUrl}`,
    ]);
    expect(discovery.findings).toEqual([
      { verdict: 'ok', summary: `a portal (Portal for ArcGIS, ArcGIS Enterprise): token endpoint ${sim.portalTokenUrl} (found through ${sim.portalUrl}/sharing/rest/info)` },
    ]);
    expect(findings(report, 'endpoints')).toEqual([
      { verdict: 'ok', summary: `${sim.portalTokenUrl} answers (the endpoint discovery chose)` },
      {
        verdict: 'ok',
        summary: `5 of the usual paths answered 404 (web adaptor names are per site; this one is "gis-portal-7"): ${sim.portalUrl}/tokens/generateToken, ${sim.portalUrl}/admin/generateToken, ${sim.url}/arcgis/tokens/generateToken, ${sim.url}/server/tokens/generateToken, ${sim.url}/portal/sharing/rest/generateToken`,
      },
    ]);
  });

  it('prints the target configuration and the cdk deploy line for the discovered endpoint', async () => {
    const sim = await simulator({ serverAdaptor: 'gis-7f3' });
    const layer = `${sim.serverUrl}/rest/services/Demo/FeatureServer/0`;
    const { report } = await doctorJson([layer, ...user, '--referer', REFERER, '--service', layer]);

    expect(report.configuration).toEqual({
      name: 'default',
      url: sim.serverTokenUrl,
      kind: 'server',
      client: 'referer',
      referer: REFERER,
      expirationMinutes: 60,
      secretId: 'arcgis-token-vending/default',
      serviceUrl: layer,
    });
    expect(TargetSchema.safeParse(report.configuration).success).toBe(true);
    expect(report.deployCommand).toBe(`npx cdk deploy -c arcgisUrl=${sim.serverTokenUrl} -c client=referer -c referer=${REFERER} -c expirationMinutes=60`);
    expect(report.longestExpirationMinutes).toBe(21600);
    expect(findings(report, 'lifetime')).toEqual([{ verdict: 'ok', summary: 'the site granted 21600 minutes (15 days), as asked' }]);
  });

  it('prints each check with its requests and verdicts as it goes, then the result', async () => {
    const sim = await simulator({ serverAdaptor: 'gis-7f3' });
    const { stdout, code } = await doctor([sim.serverUrl, ...user, '--referer', REFERER]);

    expect(code).toBe(0);
    expect(lines(stdout).filter((line) => /^\d\. /.test(line))).toEqual([
      '1. What is this site? (discovery)',
      '2. Which token endpoints answer? (probed without credentials)',
      '3. Which client modes work? (generateToken as "demo", expiration 21600)',
      '4. HTTPS and the ssl flag',
      '5. Longest token lifetime (asked for 21600 minutes)',
    ]);
    expect(lines(stdout)).toContain(`  → POST ${sim.serverTokenUrl} username=demo password=(hidden) client=referer expiration=21600 f=json referer=${REFERER}`);
    expect(lines(stdout)).toContain(`  ✓ client=referer works (referer ${REFERER})`);
    expect(lines(stdout)).toContain(`  ! plain http:// (allowed by --allow-insecure-http): ${sim.serverUrl}, ${sim.serverTokenUrl}`);
    expect(lines(stdout)).toContain('Result: ✓ working configuration: client=referer, a standalone ArcGIS Server');
    expect(lines(stdout)).toContain(`  npx cdk deploy -c arcgisUrl=${sim.serverTokenUrl} -c client=referer -c referer=${REFERER} -c expirationMinutes=60`);
  });
});

describe('doctor: what rest/info says', () => {
  it('names a site without token security as such, and logs in nowhere', async () => {
    const sim = await simulator();
    sim.failNextRequest({ kind: 'json', body: { currentVersion: 11.3, authInfo: { isTokenBasedSecurity: false } } });
    const { report, code } = await doctorJson([sim.serverUrl, ...user]);

    expect(code).toBe(1);
    expect(findings(report, 'discovery')).toEqual([
      {
        verdict: 'fail',
        summary: `${sim.serverUrl} does not use ArcGIS tokens (rest/info: isTokenBasedSecurity false)`,
        cause: 'The site is secured by its web server (web-tier authentication) or not at all, so there are no tokens to vend.',
        fix: 'Ask the administrator whether the services need tokens at all; a site with token security says isTokenBasedSecurity true.',
      },
    ]);
    expect(sim.passwordLoginCount()).toBe(0);
  });

  it('describes a server hosted by ArcGIS Online, whose tokens come from www.arcgis.com', async () => {
    const sim = await simulator();
    sim.failNextRequest({ kind: 'json', body: { owningSystemUrl: 'http://www.arcgis.com', authInfo: { tokenServicesUrl: 'https://www.arcgis.com/sharing/rest/generateToken', isTokenBasedSecurity: true } } });
    // www.arcgis.com is played by the simulator's portal: nothing leaves loopback.
    const online: FetchLike = (input, init) => fetch(input.replace('https://www.arcgis.com/sharing/', `${sim.portalUrl}/sharing/`), init);
    const { report } = await doctorJson([sim.serverUrl, ...user, '--referer', REFERER, '--allow-origin', 'https://www.arcgis.com'], { fetch: online });

    expect(findings(report, 'discovery')).toEqual([
      {
        verdict: 'ok',
        summary: `an ArcGIS Online hosted server (its tokens come from ArcGIS Online): token endpoint https://www.arcgis.com/sharing/rest/generateToken (found through ${sim.serverUrl}/rest/info: hosted by ArcGIS Online)`,
      },
    ]);
    expect(report.site).toMatchObject({ kind: 'portal', description: 'an ArcGIS Online hosted server (its tokens come from ArcGIS Online)' });
  });
});

describe('doctor: wrong credentials', () => {
  it('logs in once, skips the other client modes and leaves the account unlocked', async () => {
    const sim = await simulator({ lockAfterFailures: 2 });
    const { report, code } = await doctorJson([sim.serverUrl, ...user, '--ip', '203.0.113.9'], { env: { ARCGIS_PASSWORD: 'not-the-password' } });

    expect(code).toBe(1);
    expect(sim.passwordLoginCount()).toBe(1);
    expect(sim.isLocked('demo')).toBe(false);
    expect(report.clientModes).toEqual([
      { client: 'referer', referer: 'https://localhost', outcome: 'invalid-credentials', arcgisCode: 401 },
      { client: 'ip', ip: '203.0.113.9', outcome: 'not-tried' },
      { client: 'requestip', outcome: 'not-tried' },
    ]);
    expect(report.configuration).toBeNull();
  });

  it('names the cause, with the SAML/IWA hint, and the fix', async () => {
    const sim = await simulator();
    const { stdout, code } = await doctor([sim.portalUrl, ...user], { env: { ARCGIS_PASSWORD: 'not-the-password' } });

    expect(code).toBe(1);
    expect(lines(stdout)).toEqual(
      expect.arrayContaining([
        '  ✗ client=referer: ArcGIS rejected the credentials (error 400 "Unable to generate token. / Invalid username or password.")',
        '    cause: Wrong user name or password (user names are case-sensitive), or an unknown, locked or disabled account, or one not allowed to generate tokens. Accounts that sign in through SAML, ADFS or IWA (enterprise logins) cannot use generateToken at all.',
        '    fix: Check the user name and password of a built-in ArcGIS account (sign in with it at the portal to be sure). For an enterprise login, use app credentials instead (--client-id). Doctor stopped after this one failed login, so the account cannot be locked by it.',
        '  – client=requestip: not tried: the credentials were rejected, and doctor allows one failed login per run so the account cannot be locked',
        '  – not known: no token was issued',
        'Result: ✗ no working configuration: fix the ✗ findings above, then run doctor again.',
      ]),
    );
    expect(sim.passwordLoginCount()).toBe(1);
  });

  it('tries wrong app credentials once and says where to copy them from', async () => {
    const sim = await simulator({ apps: [APP] });
    const { report, code } = await doctorJson([sim.portalUrl, '--client-id', APP.clientId, '--allow-insecure-http'], { env: { ARCGIS_CLIENT_SECRET: 'wrong-secret' } });

    expect(code).toBe(1);
    expect(sim.oauthCount()).toBe(1);
    expect(findings(report, 'app-credentials')).toEqual([
      {
        verdict: 'fail',
        summary: 'ArcGIS rejected the app credentials (error 400 "Invalid client_id")',
        cause: 'The client id or client secret is wrong, or the application was deleted or its secret reset.',
        fix: "Copy both from the application item's Settings → Credentials in the portal, and run doctor again with --client-id and ARCGIS_CLIENT_SECRET.",
      },
    ]);
  });
});

describe('doctor: client modes', () => {
  it('explains error 201 "Client id cannot be determined" for client=ip and client=requestip, and deploys with the referer that works', async () => {
    const sim = await simulator();
    const behindProxy = answering((form) => form.get('client') === 'ip' || form.get('client') === 'requestip', CLIENT_ID_UNDETERMINED);
    const { report, code } = await doctorJson([sim.serverUrl, ...user, '--referer', REFERER, '--ip', '203.0.113.9'], { fetch: behindProxy });

    expect(code).toBe(0);
    expect(findings(report, 'client-modes')).toEqual([
      { verdict: 'ok', summary: `client=referer works (referer ${REFERER})` },
      {
        verdict: 'fail',
        summary: 'client=ip: ArcGIS could not determine the client id (error 201 "Exception in generating token / Client id cannot be determined")',
        cause: 'ArcGIS could not bind the token to the ip 203.0.113.9: client=ip needs ip=ADDRESS, and the site refused it.',
        fix: 'Check that --ip is the IPv4/IPv6 address of the machine that will use the tokens, or use client=referer.',
      },
      {
        verdict: 'fail',
        summary: 'client=requestip: ArcGIS could not determine the client id (error 201 "Exception in generating token / Client id cannot be determined")',
        cause: 'ArcGIS could not determine the address of the machine that asked (a proxy or load balancer in front of the site can hide it), so it cannot bind the token to it.',
        fix: 'Use client=referer with --referer (recommended), or client=ip with --ip ADDRESS of the machine that will use the tokens.',
      },
    ]);
    expect(report.configuration).toMatchObject({ client: 'referer', referer: REFERER });
  });

  it('warns that the default referer is a placeholder when --referer is not given', async () => {
    const sim = await simulator();
    const { report } = await doctorJson([sim.serverUrl, ...user]);

    expect(findings(report, 'client-modes')[0]).toEqual({
      verdict: 'warn',
      summary: "client=referer works with doctor's default referer https://localhost",
      cause: 'No --referer was given, so the token was bound to https://localhost.',
      fix: 'Run doctor with --referer set to the URL your apps send as Referer (e.g. https://apps.example.com); the configuration below uses https://localhost until you do.',
    });
  });

  it('reports a site that caps token lifetimes and configures at most that', async () => {
    const sim = await simulator({ maxExpirationMinutes: 45 });
    const { report, code } = await doctorJson([sim.serverUrl, ...user, '--referer', REFERER]);

    expect(code).toBe(0);
    expect(report.longestExpirationMinutes).toBe(45);
    expect(findings(report, 'lifetime')).toEqual([
      {
        verdict: 'warn',
        summary: 'the site capped the lifetime at 45 minutes (asked for 21600 minutes (15 days))',
        cause: "The site's maximum token lifetime is lower than what was asked; ArcGIS shortens such requests without saying so.",
        fix: 'Nothing to fix: the service always trusts the expiry ArcGIS returns. Keep expirationMinutes at 45 or less (the configuration below does).',
      },
    ]);
    expect(report.configuration).toMatchObject({ expirationMinutes: 45 });
  });

  it('gets a 14-day app token with app credentials', async () => {
    const sim = await simulator({ apps: [APP] });
    const { report, code } = await doctorJson([sim.portalUrl, '--client-id', APP.clientId, '--allow-insecure-http', '--referer', REFERER], { env: { ARCGIS_CLIENT_SECRET: APP.clientSecret } });

    expect(code).toBe(0);
    expect(findings(report, 'app-credentials')).toEqual([{ verdict: 'ok', summary: `app credentials work at ${sim.oauthTokenUrl}: app tokens are bound to no referer or IP` }]);
    expect(report.longestExpirationMinutes).toBe(20160);
    expect(report.configuration).toEqual({ name: 'default', url: sim.portalTokenUrl, kind: 'portal', client: 'referer', referer: REFERER, expirationMinutes: 60, secretId: 'arcgis-token-vending/default' });
  });
});

describe('doctor: federated server', () => {
  it('discovers the portal through owningSystemUrl, exchanges the token and checks the service', async () => {
    const sim = await simulator({ federatedServers: [{ adaptor: 'fed', registered: true }] });
    const server = sim.federatedServerUrl('fed');
    const layer = `${server}/rest/services/Demo/FeatureServer/0`;
    const { report, code } = await doctorJson([server, ...user, '--referer', REFERER, '--service', layer]);

    expect(code).toBe(0);
    expect(findings(report, 'discovery')).toEqual([
      {
        verdict: 'ok',
        summary: `an ArcGIS Server federated with the portal ${sim.portalUrl}: token endpoint ${sim.portalTokenUrl} (found through ${server}/rest/info: federated with ${sim.portalUrl})`,
      },
    ]);
    expect(findings(report, 'exchange')).toEqual([{ verdict: 'ok', summary: `the portal exchanged its token for a server token for ${server} (valid 21600 minutes (15 days), never longer than the portal token)` }]);
    expect(findings(report, 'service')).toEqual([{ verdict: 'ok', summary: `the token works on ${layer} (sent with Referer ${REFERER})` }]);
    expect(sim.exchangeCount()).toBe(1);
    expect(report.configuration).toEqual({ name: 'default', url: server, kind: 'federated', client: 'referer', referer: REFERER, expirationMinutes: 60, secretId: 'arcgis-token-vending/default', serviceUrl: layer });
  });

  it('says the server is not federated with the portal when the exchange is refused', async () => {
    const sim = await simulator({ federatedServers: [{ adaptor: 'lone', registered: false }] });
    const server = sim.federatedServerUrl('lone');
    const { report, code } = await doctorJson([server, ...user, '--referer', REFERER]);

    expect(code).toBe(1);
    expect(findings(report, 'exchange')).toEqual([
      {
        verdict: 'fail',
        summary: `the portal would not issue a token for ${server} (error 400 "Unable to generate token. / Unable to generate token for this server")`,
        cause: 'The server names this portal as its owner (owningSystemUrl) but is not federated with (registered with) it.',
        fix: 'Federate the server with the portal (Portal → Organization → Settings → Servers), or, for a standalone server, use its own token endpoint with a user of the server.',
      },
    ]);
  });
});

describe('doctor: web-tier logins', () => {
  it('tells a SAML-only site that enterprise logins cannot use generateToken and suggests app credentials, without sending the password', async () => {
    const sim = await simulator({ webTierLogin: 'saml' });
    const { report, code } = await doctorJson([sim.portalUrl, ...user]);

    expect(code).toBe(1);
    expect(findings(report, 'discovery')).toEqual([
      {
        verdict: 'fail',
        summary: `a web-tier login guards ${sim.portalUrl}: requests are redirected to a login page at https://idp.example.com/adfs/ls/ (SAML or ADFS)`,
        cause: SAML_HINT,
        fix: `Use app credentials: register an application in the portal (its item's Settings → Credentials), have ${sim.portalUrl}/sharing/rest/oauth2/token reachable without the web-tier login, and run doctor with --client-id. Or ask for a built-in account and anonymous access to ${sim.portalUrl}/sharing/rest/generateToken.`,
      },
    ]);
    expect(report.checks.map((c) => c.id)).toEqual(['discovery']);
    expect(sim.passwordLoginCount()).toBe(0);
  });

  it('recognizes Windows authentication (IWA) by its Negotiate challenge', async () => {
    const sim = await simulator({ webTierLogin: 'iwa' });
    const { report, code } = await doctorJson([sim.portalUrl, ...user]);

    expect(code).toBe(1);
    expect(findings(report, 'discovery')[0]).toMatchObject({
      verdict: 'fail',
      summary: `a web-tier login guards ${sim.portalUrl}: requests are answered 401 with WWW-Authenticate: Negotiate (Windows authentication, IWA)`,
      cause: SAML_HINT,
    });
  });
});

describe('doctor: the token on --service', () => {
  it.each([
    ['in an HTTP 200 body', false, 200, 'error 498 "Invalid Token"'],
    ['as the HTTP status', true, 498, 'error 498 "Invalid token."'],
  ])('calls a 498 (%s) on a fresh token a wrong dispenser and names the site to run doctor against', async (_how, httpStatusErrors, httpStatus, said) => {
    const sim = await simulator({ httpStatusErrors });
    const layer = `${sim.serverUrl}/rest/services/Demo/FeatureServer/0`;
    const { report, code } = await doctorJson([sim.portalUrl, ...user, '--referer', REFERER, '--service', layer]);

    expect(code).toBe(1);
    expect(report.checks.find((c) => c.id === 'service')!.requests[0]).toMatchObject({ httpStatus });
    expect(findings(report, 'service')).toEqual([
      {
        verdict: 'fail',
        summary: `the service refused the token (${said}): wrong dispenser`,
        cause: `A token issued seconds ago was called invalid, so it is not expired: it came from the wrong dispenser. The token came from ${sim.portalTokenUrl} (a portal (Portal for ArcGIS, ArcGIS Enterprise)), whose tokens ${layer} does not accept: a portal token on a server that is standalone or federated (without exchange), or a standalone server's token on another site. It was sent with Referer ${REFERER}, as a referer-bound token needs.`,
        fix: `Run doctor with the site that hosts the service: npx arcgis-token-vending doctor ${sim.serverUrl} (discovery then finds whether it is standalone or federated).`,
      },
    ]);
    expect(report.configuration).toBeNull();
  });
});

describe('doctor: usage', () => {
  it('refuses --password with exit 2 and an explanation, without echoing the value', async () => {
    const { code, stderr, stdout } = await doctor(['https://gis.example.com/portal', '--username', 'demo', '--password=hunter2-secret']);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'doctor: --password is not accepted: a secret given as an argument ends up in the shell history and in the process list (ps). Set ARCGIS_PASSWORD (read -rs ARCGIS_PASSWORD && export ARCGIS_PASSWORD) or let doctor ask for it in the terminal.\n' +
        'Run "arcgis-token-vending doctor --help" for the options.\n',
    );
  });

  it('refuses http:// URLs without --allow-insecure-http', async () => {
    const { code, stderr } = await doctor(['http://gis.example.com/portal', '--username', 'demo']);

    expect(code).toBe(2);
    expect(lines(stderr)[0]).toBe('doctor: the site URL is http://: the password and the tokens would cross the network in clear. Use https://, or --allow-insecure-http for a local simulator only.');
  });

  it('needs the password from ARCGIS_PASSWORD when stdin is not a terminal', async () => {
    const { code, stderr } = await doctor(['https://gis.example.com/portal', '--username', 'demo'], { env: {} });

    expect(code).toBe(2);
    expect(stderr).toBe('doctor: no password: set ARCGIS_PASSWORD (read -rs ARCGIS_PASSWORD && export ARCGIS_PASSWORD) or run doctor in a terminal to be asked for it. It is never accepted as an argument.\n');
  });

  it('asks for the password on a terminal without echoing it', async () => {
    const sim = await simulator();
    const stdin = Object.assign(new PassThrough(), { isTTY: true, rawModes: [] as boolean[] });
    Object.assign(stdin, { setRawMode: (mode: boolean) => stdin.rawModes.push(mode) });
    stdin.write(`${PASSWORD}X\u007f\r`); // a typo, Backspace, Enter
    const { code, stderr, stdout } = await doctor([sim.serverUrl, ...user, '--referer', REFERER], { env: {}, stdin });

    expect(code).toBe(0);
    expect(stderr).toBe('Password for demo (not shown): \n');
    expect(stdin.rawModes).toEqual([true, false]);
    expect(lines(stdout)).toContain('  credentials: user "demo" (password from the prompt, never shown)');
  });

  it('needs exactly one of --username and --client-id', async () => {
    const both = await doctor(['https://gis.example.com/portal', '--username', 'demo', '--client-id', 'app']);

    expect(both.code).toBe(2);
    expect(lines(both.stderr)[0]).toBe('doctor: give either --username (a built-in ArcGIS account) or --client-id (app credentials), not both and not neither');
  });
});

describe('doctor: output', () => {
  it('prints only one JSON document with --json', async () => {
    const sim = await simulator();
    const { stdout, stderr } = await doctor([sim.serverUrl, ...user, '--referer', REFERER, '--json']);

    expect(stderr).toBe('');
    expect(() => JSON.parse(stdout)).not.toThrow();
    expect(Object.keys(JSON.parse(stdout) as object)).toEqual([
      'ok',
      'url',
      'credentials',
      'referer',
      'refererGiven',
      'site',
      'checks',
      'clientModes',
      'requestedExpirationMinutes',
      'longestExpirationMinutes',
      'configuration',
      'deployCommand',
      'notes',
    ]);
  });

  it('runs through the CLI entry as a child process, from any directory', async () => {
    const sim = await simulator({ federatedServers: [{ adaptor: 'fed', registered: true }] });
    const { stdout } = await promisify(execFile)(TSX, [CLI_ENTRY, 'doctor', sim.federatedServerUrl('fed'), ...user, '--referer', REFERER, '--json'], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', ARCGIS_PASSWORD: PASSWORD },
    });
    const report = JSON.parse(stdout) as Report;

    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => `${c.id} ${c.verdict}`)).toEqual(['discovery ok', 'endpoints ok', 'client-modes ok', 'https warn', 'lifetime ok', 'exchange ok']);
    expect(report.configuration).toMatchObject({ url: sim.federatedServerUrl('fed'), kind: 'federated' });
  });

  it('exits 1 with the code through the CLI entry when no configuration works', async () => {
    const sim = await simulator();
    const exit = await promisify(execFile)(TSX, [CLI_ENTRY, 'doctor', sim.serverUrl, ...user, '--json'], {
      cwd: tmpdir(),
      env: { PATH: process.env.PATH ?? '', ARCGIS_PASSWORD: 'not-the-password' },
    }).then(
      () => 0,
      (error: { code: number }) => error.code,
    );

    expect(exit).toBe(1);
  });
});

describe('doctor: secrets never leak', () => {
  const scenarios: Array<[string, ArcGisSimulatorOptions, (sim: ArcGisSimulator) => string[], Record<string, string>, ((sim: ArcGisSimulator) => FetchLike)?]> = [
    ['custom adaptor', { serverAdaptor: 'gis-7f3' }, (sim) => [sim.serverUrl, ...user, '--service', `${sim.serverUrl}/rest/services/Demo/FeatureServer/0`], { ARCGIS_PASSWORD: PASSWORD }],
    ['wrong password', {}, (sim) => [sim.portalUrl, ...user], { ARCGIS_PASSWORD: `${PASSWORD}-wrong` }],
    ['201', {}, (sim) => [sim.serverUrl, ...user, '--ip', '203.0.113.9'], { ARCGIS_PASSWORD: PASSWORD }, () => answering((form) => form.get('client') === 'requestip', CLIENT_ID_UNDETERMINED)],
    ['federated', { federatedServers: [{ adaptor: 'fed', registered: true }] }, (sim) => [sim.federatedServerUrl('fed'), ...user, '--service', `${sim.federatedServerUrl('fed')}/rest/services/Demo/FeatureServer/0`], { ARCGIS_PASSWORD: PASSWORD }],
    ['SAML', { webTierLogin: 'saml' }, (sim) => [sim.portalUrl, ...user], { ARCGIS_PASSWORD: PASSWORD }],
    ['wrong dispenser', { httpStatusErrors: true }, (sim) => [sim.portalUrl, ...user, '--service', `${sim.serverUrl}/rest/services/Demo/FeatureServer/0`], { ARCGIS_PASSWORD: PASSWORD }],
    ['app credentials', { apps: [APP] }, (sim) => [sim.portalUrl, '--client-id', APP.clientId, '--allow-insecure-http', '--service', `${sim.portalUrl}/sharing/rest/portals/self`], { ARCGIS_CLIENT_SECRET: APP.clientSecret }],
  ];

  it.each(scenarios)('%s: neither the password, the client secret nor any issued token appears in the text or JSON output', async (_name, simOptions, argv, env, wrap) => {
    const sim = await simulator(simOptions);
    const runs = [await doctor(argv(sim), { env, fetch: wrap?.(sim) }), await doctor([...argv(sim), '--json'], { env, fetch: wrap?.(sim) })];
    const tokens = new Set(runs.flatMap((run) => [...run.tokens]));
    const output = runs.map((run) => run.stdout + run.stderr).join('\n');

    expect(tokens.size).toBe(sim.issuedTokens()); // every token the simulator issued was seen, so every one is checked
    for (const secret of [PASSWORD, APP.clientSecret, ...Object.values(env), ...tokens]) expect(output).not.toContain(secret);
  });
});

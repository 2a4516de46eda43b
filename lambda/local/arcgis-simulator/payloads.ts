// Every answer the simulator gives, in one place: the error bodies, success shapes, info resources
// and HTML pages of real ArcGIS sites. The error payloads are byte-for-byte those of real servers
// (the ones the project has on record are in test/fixtures/arcgis-payloads.ts, and
// test/local/arcgis-simulator/payloads.test.ts holds these to them): key order and spacing matter
// because fixtures and clients compare them verbatim. The few answers with no real sample on record
// are marked "simulator-chosen".
//
// Built as objects (key order as written) so f=pjson can pretty-print them; JSON.stringify of these
// reproduces the real bytes exactly.

export const SERVER_INVALID_CREDENTIALS = {
  error: { code: 401, message: 'You are not authorized to access this information', details: 'Invalid credentials' },
};
export const PORTAL_INVALID_CREDENTIALS = {
  error: { code: 400, message: 'Unable to generate token.', details: ['Invalid username or password.'] },
};
export const CLIENT_ID_UNDETERMINED = {
  error: { code: 201, message: 'Exception in generating token', details: 'Client id cannot be determined' },
};
export const TOKEN_REQUIRED = { error: { code: 499, message: 'Token Required', details: [] } };
export const INVALID_TOKEN = { error: { code: 498, message: 'Invalid Token', details: [] } };
// The other real wording of 498 (portal, and servers that send 498 as the HTTP status).
export const INVALID_TOKEN_LOWER = { error: { code: 498, message: 'Invalid token.', details: [] } };
// Server Administrator API shape, verbatim.
export const ADMIN_TOKEN_EXPIRED = { status: 'error', messages: ['Token Expired.'], code: 498 };
export const ADMIN_TOKEN_NOT_FOUND = {
  status: 'error',
  messages: ["Unauthorized access. Token not found. You can generate a token using the 'generateToken' operation."],
  code: 499,
};
// Simulator-chosen: admin-API wording of a failed admin/generateToken (the shape is the real admin
// shape; the exact messages of real servers are not on record).
export const ADMIN_INVALID_CREDENTIALS = { status: 'error', messages: ['Invalid credentials'], code: 401 };
export const ADMIN_CLIENT_ID_UNDETERMINED = { status: 'error', messages: ['Client id cannot be determined'], code: 201 };
// Simulator-chosen: a token exchange for a server the portal does not know or has not registered
// (real portals refuse it; their exact wording is not recorded).
export const EXCHANGE_REFUSED = {
  error: { code: 400, message: 'Unable to generate token.', details: ['Unable to generate token for this server'] },
};
// Simulator-chosen: OAuth errors (the shape follows ArcGIS' OAuth answers: HTTP 200, an "error"
// object carrying both the OAuth fields and the usual code/message/details).
export const OAUTH_INVALID_CLIENT = {
  error: { code: 400, error: 'invalid_client', error_description: 'Invalid client_id', message: 'Invalid client_id', details: [] },
};
export const OAUTH_UNSUPPORTED_GRANT = {
  error: {
    code: 400,
    error: 'unsupported_grant_type',
    error_description: 'Unsupported grant type',
    message: 'Unsupported grant type',
    details: [],
  },
};
export const DEMO_LAYER = { id: 0, name: 'Demo', type: 'Feature Layer' };
export const ADMIN_ROOT = { resources: ['machines', 'clusters', 'services'] };

/** generateToken's success shape; some servers send expires as a numeric string. */
export function tokenAnswer(token: string, expires: number, expiresAsString: boolean, ssl: boolean): Record<string, unknown> {
  return { token, expires: expiresAsString ? String(expires) : expires, ssl };
}

/** oauth2/token's success shape: expires_in is in seconds. */
export function appTokenAnswer(accessToken: string, expiresIn: number): Record<string, unknown> {
  return { access_token: accessToken, expires_in: expiresIn };
}

/** A standalone server's rest/info, key order as in the real 10.3.1 answer (without its SOAP URLs). */
export function standaloneServerInfo(tokenServicesUrl: string): Record<string, unknown> {
  return {
    currentVersion: 11.3,
    fullVersion: '11.3.0',
    authInfo: { isTokenBasedSecurity: true, tokenServicesUrl, shortLivedTokenValidity: 60 },
  };
}

/** A federated server's rest/info, key order as in the real 10.6.1 answer: it sends its callers to the portal. */
export function federatedServerInfo(portalUrl: string): Record<string, unknown> {
  return {
    currentVersion: 10.61,
    fullVersion: '10.6.1',
    owningSystemUrl: portalUrl,
    authInfo: { isTokenBasedSecurity: true, tokenServicesUrl: `${portalUrl}/sharing/rest/generateToken` },
  };
}

/** The portal's sharing/rest/info, key order as in the real ArcGIS Online answer. */
export function portalInfo(portalUrl: string): Record<string, unknown> {
  return {
    owningSystemUrl: portalUrl,
    authInfo: { tokenServicesUrl: `${portalUrl}/sharing/rest/generateToken`, isTokenBasedSecurity: true },
  };
}

/** Simulator-chosen: portals/self, naming the signed-in user (app tokens have none). */
export function portalSelfAnswer(username: string | undefined): Record<string, unknown> {
  return {
    id: 'SimPortal0000001',
    name: 'Simulated Portal',
    isPortal: true,
    ...(username === undefined ? {} : { user: { username } }),
  };
}

/** A services directory holding the one demo service. */
export function servicesDirectory(currentVersion: number): Record<string, unknown> {
  return { currentVersion, folders: [], services: [{ name: 'Demo', type: 'FeatureServer' }] };
}

/** Simulator-chosen: the ArcGIS error shape, carrying what a careless proxy or debug page repeats. */
export function echoedRequest(rawBody: string, form: Record<string, string>): Record<string, unknown> {
  const fields = Object.entries(form).map(([name, value]) => `${name}: ${value}`);
  return { error: { code: 400, message: `Unable to generate token for request ${rawBody}`, details: fields } };
}

// ArcGIS Server answers f=json with `text/plain` (a long-standing quirk kept for old browsers that
// would otherwise offer JSON as a download); the portal's sharing API uses application/json.
// Mirroring both keeps clients honest: they must not insist on a JSON content type.
export const SERVER_JSON_TYPE = 'text/plain;charset=utf-8';
export const PORTAL_JSON_TYPE = 'application/json;charset=utf-8';
export const HTML_TYPE = 'text/html;charset=utf-8';
export const TEXT_TYPE = 'text/plain;charset=utf-8';

export const SAML_LOGIN_URL = 'https://idp.example.com/adfs/ls/?SAMLRequest=fake';

export const GENERATE_TOKEN_PAGE = page(
  'Generate Token',
  '<h2>Generate Token</h2><form method="post"><input name="username"><input name="password" type="password">' +
    '<select name="client"><option>referer</option><option>ip</option><option>requestip</option></select>' +
    '<input name="expiration"><select name="f"><option>html</option><option>json</option><option>pjson</option></select>' +
    '<input type="submit" value="Generate Token"></form>',
);
export const NOT_FOUND_PAGE = page('Error 404', '<h1>HTTP Status 404 – Not Found</h1><p>The requested resource is not available.</p>');
export const METHOD_NOT_ALLOWED_PAGE = page(
  'Error 405',
  '<h1>HTTP Status 405 – Method Not Allowed</h1><p>generateToken only accepts POST.</p>',
);
export const INTERNAL_ERROR_PAGE = page('Error 500', '<h1>HTTP Status 500</h1>');
export const LOGIN_PAGE = page('Sign In', '<h1>Sign in to ArcGIS</h1><form method="post" action="/login"><input name="user"></form>');
export const PORTAL_HOME_PAGE = page('ArcGIS Enterprise', '<h1>ArcGIS Enterprise</h1><p>Simulated portal home.</p>');
export const ADMIN_LOGIN_PAGE = page(
  'ArcGIS Server Administrator Directory',
  '<h2>ArcGIS Server Administrator Directory</h2><form method="post" action="generateToken"><input name="username">' +
    '<input name="password" type="password"></form>',
);
export const IWA_PAGE = page(
  '401 - Unauthorized: Access is denied due to invalid credentials.',
  '<h2>401 - Unauthorized: Access is denied due to invalid credentials.</h2>' +
    '<h3>You do not have permission to view this directory or page using the credentials that you supplied.</h3>',
);
export const SAML_REDIRECT_PAGE = page('Object moved', `<h2>Object moved to <a href="${SAML_LOGIN_URL}">here</a>.</h2>`);
export const SERVER_INFO_PAGE = page('ArcGIS REST Services Directory', '<h2>Server Info</h2>');
export const PORTAL_INFO_PAGE = page('ArcGIS Portal Directory', '<h2>Info</h2>');
export const PORTAL_SELF_PAGE = page('Portal Self', '<h2>Portal Self</h2>');
export const DEMO_LAYER_PAGE = page('Layer: Demo (ID: 0)', '<h2>Layer: Demo (ID: 0)</h2>');
export const SERVICES_DIRECTORY_PAGE = page('Folder: /', '<h2>Folder: /</h2><ul><li>Demo (FeatureServer)</li></ul>');

/** Bytes no JSON parser accepts: a NUL, a UTF-16 byte-order mark, then the starts of an object and of an HTML comment. */
export const GARBAGE_BYTES = Buffer.from([0x00, 0xff, 0xfe, 0x7b, 0x3c, 0x21, 0x2d, 0x2d, 0x0a, 0x01]);

function page(title: string, body: string): string {
  return `<html><head><title>${title}</title></head><body>${body}</body></html>`;
}

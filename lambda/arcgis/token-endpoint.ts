// Turns the URL a user configured into the generateToken endpoint. Users paste portal homes,
// server roots, the `…/tokens/` service URL from rest/info, or the endpoint itself; the paths
// below are the standard ones from the ArcGIS docs. The web adaptor name is site-specific, so it
// is always taken from the URL, never guessed.

export type SiteKind = 'portal' | 'server';

const GENERATE_TOKEN = /\/generatetoken\/?$/i;
const TOKENS_SERVICE = /\/tokens\/?$/i;
const SHARING_SEGMENT = /\/sharing(\/|$)/i;
const REST_SEGMENT = /\/rest(\/|$)/i;

export function isArcGisOnlineHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'arcgis.com' || host.endsWith('.arcgis.com');
}

/**
 * Infers whether a URL belongs to a portal (Portal for ArcGIS, ArcGIS Online) or an ArcGIS Server.
 * An explicit `kind` in the configuration wins; without one, a root named `portal`, a `/sharing`
 * path or an arcgis.com host means portal, anything else a server.
 */
export function inferSiteKind(url: URL): SiteKind {
  if (isArcGisOnlineHost(url.hostname) || /\/sharing(\/|$)/i.test(url.pathname)) return 'portal';
  const last = url.pathname.replace(/\/+$/, '').split('/').pop() ?? '';
  return last.toLowerCase() === 'portal' ? 'portal' : 'server';
}

/** The generateToken URL for a configured URL; query string and fragment are dropped. */
export function tokenEndpointFor(configured: string, kind?: SiteKind): string {
  const url = new URL(configured);
  url.search = '';
  url.hash = '';
  const path = url.pathname.replace(/\/+$/, '');

  if (GENERATE_TOKEN.test(path)) return withPath(url, path);
  if (TOKENS_SERVICE.test(path)) return withPath(url, `${path}/generateToken`);

  // A portal URL (…/sharing, …/sharing/rest, or any resource under it such as
  // …/sharing/rest/portals/self): the portal root is what precedes /sharing/.
  const sharingAt = path.search(SHARING_SEGMENT);
  const restAt = path.search(REST_SEGMENT);
  if (sharingAt >= 0 && (restAt < 0 || sharingAt < restAt)) return withPath(url, `${path.slice(0, sharingAt)}/sharing/rest/generateToken`);

  // A service, layer or admin URL: the site root is what precedes /rest/ (…/arcgis/rest/services/X).
  const root = restAt >= 0 ? path.slice(0, restAt) : path;
  const siteKind = kind ?? inferSiteKind(url);
  return withPath(url, siteKind === 'portal' ? `${root}/sharing/rest/generateToken` : `${root}/tokens/generateToken`);
}

function withPath(url: URL, path: string): string {
  const copy = new URL(url.href);
  copy.pathname = path;
  return copy.href;
}

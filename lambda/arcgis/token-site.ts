// What discovery found: where a site's credentials go (the token endpoint, the OAuth endpoint, the
// server named in a federated exchange) and how it was found, as typed fields that code branches on.
// `via` says the same in words for logs and doctor's report, and is only ever built from `found`.
import type { SiteKind } from '../domain/config/settings.js';
import { originOf } from './origins.js';

/** How discovery found the token endpoint. */
export interface SiteFound {
  /**
   * configured: the target's url is a token endpoint; kind-admin: the Administrator API path under
   * the configured root; rest-info / portal-info: named by the server's rest/info or the portal's
   * sharing/rest/info; candidate: a standard path that answered like a token endpoint.
   */
  by: 'configured' | 'kind-admin' | 'rest-info' | 'portal-info' | 'candidate';
  /** The info resource that named the endpoint (rest-info, portal-info), or the candidate path that answered. */
  url?: string;
  /** rest/info's owningSystemUrl, as the URL parser spells it: a federated server's portal, or ArcGIS Online. */
  owner?: string;
  /** A server hosted by ArcGIS Online: it names www.arcgis.com as its owner, whose tokens work on it directly. */
  hostedByArcGisOnline?: true;
  /** The info resource named an endpoint on this other origin; the same path on the configured origin answered, and is used. */
  relocatedFrom?: string;
}

export interface TokenSite {
  kind: SiteKind;
  /** Where to log in (generateToken). For a federated server: the portal's. */
  tokenUrl: string;
  /** The portal's OAuth token endpoint, for app credentials (portals and federated servers). */
  oauthUrl?: string | undefined;
  /** For a federated server: the server root named as serverUrl in the token exchange. */
  serverUrl?: string | undefined;
  found: SiteFound;
  /** `found` in words, for logs and diagnostics (siteVia). */
  via: string;
}

/** The site with its `via`, built from `found`. */
export function tokenSite(site: Omit<TokenSite, 'via'>): TokenSite {
  return { ...site, via: siteVia(site.found, site.tokenUrl) };
}

/** How the site was found, in words: "…/rest/info: federated with https://h/portal", "candidate path …". */
export function siteVia(found: SiteFound, tokenUrl: string): string {
  switch (found.by) {
    case 'configured':
      return 'configured token endpoint';
    case 'kind-admin':
      return 'kind admin: the Server Administrator API path';
    case 'candidate':
      return `candidate path ${found.url}`;
    case 'rest-info':
    case 'portal-info':
      if (found.hostedByArcGisOnline) return `${found.url}: hosted by ArcGIS Online`;
      if (found.owner !== undefined) return `${found.url}: federated with ${found.owner}`;
      if (found.relocatedFrom !== undefined) return `${found.url} (it names ${found.relocatedFrom}; the same path on the configured origin ${originOf(tokenUrl) ?? tokenUrl} answers)`;
      return `${found.url}`;
  }
}

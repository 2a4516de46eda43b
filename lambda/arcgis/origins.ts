// Which origins may receive a target's credentials (its password, its client secret, its portal
// token). rest/info is the site's own description and can name any host: behind a web adaptor whose
// public URL was never set it names the internal machine (https://gisserver.corp.local:6443/…), and
// an attacker who can answer rest/info can name their own. So credentials go only where the
// operator said: the target url's origin, the portal of a federated target (portalUrl), and the
// origins listed in allowedOrigins. Origins are compared after URL parsing (the parser lower-cases
// scheme and host, drops a default port and strips surrounding white space), never as strings:
// `HTTP://H`, `https://h:443` and ` https://h` are all https://h or http://h to fetch.

/** What a target says about where its credentials may go. */
export interface CredentialPolicy {
  /** For kind federated: the portal the server is federated with. */
  portalUrl?: string | undefined;
  /** Further origins (https://host[:port]) that may receive credentials. */
  allowedOrigins?: readonly string[] | undefined;
}

/**
 * ArcGIS Online's hosted servers (https://servicesN.arcgis.com/…) name www.arcgis.com as their
 * owner and token service, and organisations (https://ORG.maps.arcgis.com) share its sign-in: all
 * of them are Esri's one ArcGIS Online, so a target on an arcgis.com host may also use this origin.
 */
export const ARCGIS_ONLINE_ORIGIN = 'https://www.arcgis.com';

/** An ArcGIS Online host: arcgis.com or any of its subdomains (organisations, hosted servers). */
export function isArcGisOnlineHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'arcgis.com' || host.endsWith('.arcgis.com');
}

/** scheme://host[:port] as the URL parser normalises it; undefined when `url` is not absolute. */
export function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.origin === 'null' ? undefined : parsed.origin;
  } catch {
    return undefined;
  }
}

export interface AllowedOrigins {
  /** The target url's origin. */
  readonly configured: string;
  /** The portalUrl's origin, when the target names one. */
  readonly portal: string | undefined;
  has(url: string): boolean;
  /** Every allowed origin, for messages. */
  readonly all: readonly string[];
}

export function allowedOrigins(configuredUrl: string, policy: CredentialPolicy = {}): AllowedOrigins {
  const configured = originOf(configuredUrl);
  if (configured === undefined) throw new TypeError('the configured url is not an absolute URL'); // the schema refuses such urls first
  const portal = policy.portalUrl === undefined ? undefined : originOf(policy.portalUrl);
  const listed = (policy.allowedOrigins ?? []).map(originOf).filter((o): o is string => o !== undefined);
  const { protocol, hostname } = new URL(configuredUrl);
  const online = protocol === 'https:' && isArcGisOnlineHost(hostname) ? [ARCGIS_ONLINE_ORIGIN] : [];
  const all = [...new Set([configured, ...(portal === undefined ? [] : [portal]), ...listed, ...online])];
  const set = new Set(all);
  return {
    configured,
    portal,
    all,
    has: (url: string) => {
      const origin = originOf(url);
      return origin !== undefined && set.has(origin);
    },
  };
}

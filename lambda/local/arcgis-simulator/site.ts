// Where each part of the simulated site lives (the portal, the standalone server, the federated
// servers, each behind its own web adaptor), which server a serverUrl points into, and what each
// site's info resource advertises.
import type { SimulatorAdvertised, SimulatorFederatedServer, SiteOptions } from './options.js';

export class Site {
  readonly portalPath: string;
  readonly serverPath: string;
  /** The token service as the standalone server's rest/info names it (a root ending in '/', or the operation). */
  readonly tokenServiceSuffix: string;
  /** Where the standalone server's generateToken answers, relative to serverUrl. */
  readonly serverTokenSuffix: string;
  readonly federated: readonly SimulatorFederatedServer[];
  private readonly externalFederated: readonly string[];
  private readonly adaptorsInUse: ReadonlySet<string>;
  private readonly advertisedBy = new Map<string, SimulatorAdvertised>();
  // URLs are filled in once the server listens; handlers only run after that.
  private root = '';

  constructor(readonly options: SiteOptions) {
    this.portalPath = `/${options.portalAdaptor}`;
    this.serverPath = `/${options.serverAdaptor}`;
    this.tokenServiceSuffix = options.tokenServicesPath ?? '/tokens/';
    this.serverTokenSuffix = this.tokenServiceSuffix.endsWith('/') ? `${this.tokenServiceSuffix}generateToken` : this.tokenServiceSuffix;
    this.federated = options.federated;
    this.externalFederated = options.externalFederated;
    this.adaptorsInUse = new Set([options.portalAdaptor, options.serverAdaptor, ...options.federated.map((fed) => fed.adaptor)]);
  }

  /** Called once the server listens on this port. */
  listening(port: number): void {
    this.root = `http://127.0.0.1:${port}`;
  }

  /** http://127.0.0.1:PORT */
  get url(): string {
    return this.root;
  }

  get portalUrl(): string {
    return `${this.root}${this.portalPath}`;
  }

  get serverUrl(): string {
    return `${this.root}${this.serverPath}`;
  }

  /** Whether the path is on the portal's web adaptor (where a web tier in front of the portal answers). */
  onPortal(path: string): boolean {
    return path === this.portalPath || path.startsWith(`${this.portalPath}/`);
  }

  /** The federated server a serverUrl points into (its root or any URL under it), if configured. */
  federatedServerFor(value: string): SimulatorFederatedServer | undefined {
    let parsed: URL;
    try {
      parsed = new URL(value.trim());
    } catch {
      return undefined;
    }
    const root = parsed.href.replace(/[?#].*$/, '').replace(/\/+$/, '');
    const external = this.externalFederated.find((known) => root === known || root.startsWith(`${known}/`));
    if (external !== undefined) return { adaptor: external, registered: true };
    // URL lower-cases the scheme and host and drops a default port, so the origin compares as-is.
    if (parsed.origin !== new URL(this.root).origin) return undefined;
    const path = parsed.pathname.replace(/\/+$/, '');
    return this.federated.find((fed) => path === `/${fed.adaptor}` || path.startsWith(`/${fed.adaptor}/`));
  }

  advertise(adaptor: string, advertised: SimulatorAdvertised | undefined): void {
    if (!this.adaptorsInUse.has(adaptor)) throw new RangeError(`no site behind the web adaptor ${adaptor}`);
    if (advertised === undefined) this.advertisedBy.delete(adaptor);
    else this.advertisedBy.set(adaptor, { ...advertised });
  }

  /** An info answer with what advertise() set for this adaptor (key order of the real answer kept). */
  advertisedInfo(adaptor: string, info: Record<string, unknown>): Record<string, unknown> {
    const advertised = this.advertisedBy.get(adaptor);
    if (advertised === undefined) return info;
    const authInfo = { ...(info.authInfo as Record<string, unknown>) };
    if (advertised.tokenServicesUrl !== undefined) authInfo.tokenServicesUrl = advertised.tokenServicesUrl;
    const { authInfo: _auth, owningSystemUrl: _owning, ...rest } = info;
    const owning = advertised.owningSystemUrl === undefined ? info.owningSystemUrl : advertised.owningSystemUrl;
    return { ...rest, ...(owning === null || owning === undefined ? {} : { owningSystemUrl: owning }), authInfo };
  }
}

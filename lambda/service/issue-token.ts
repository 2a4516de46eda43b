// One login for one slot: asks the issuer (discovery, login, exchange, check) for a token bound as
// the target says, and stamps it with the settings and owner it was issued under. Counted and
// logged here, with ArcGIS's code as a metric dimension when it refuses.
import type { CachedToken } from '../domain/cached-token.js';
import { ArcGisBadResponseError, ArcGisRateLimitedError, ArcGisRefusedError, ArcGisUnreachableError } from '../domain/errors.js';
import { ARCGIS_CODE_DIMENSION, METRIC } from '../domain/metric-names.js';
import type { Credentials, Log, Metrics, TokenBinding, TokenIssuer } from '../domain/ports.js';
import { isCapped } from './site-cap.js';
import type { Slot } from './slot.js';

export interface IssueTokenDeps {
  issuer: Pick<TokenIssuer, 'issue'>;
  log: Log;
  metrics: Metrics;
  now: () => number;
}

/** What the new token is stamped with: the target's settings fingerprint and the credentials' owner. */
export interface TokenStamp {
  fingerprint: string;
  identity: string;
}

export async function issueToken(deps: IssueTokenDeps, slot: Slot, credentials: Exclude<Credentials, { kind: 'manual' }>, deadline: number, stamp: TokenStamp): Promise<CachedToken> {
  const { target } = slot;
  const { issuer, log, metrics, now } = deps;
  const started = now();
  try {
    const issued = await issuer.issue({
      target,
      credentials,
      deadline,
      client: target.client === 'caller-ip' ? 'ip' : target.client,
      referer: target.referer,
      ip: target.client === 'caller-ip' ? slot.callerIp : target.ip,
    });
    metrics.count(METRIC.tokensGenerated, target.name);
    log.info('token generated', { target: target.name, expiresAt: new Date(issued.expires).toISOString(), ssl: issued.ssl, client: issued.binding.client, lifetimeSeconds: Math.round((issued.expires - started) / 1000) });
    if (isCapped(target, started, issued.expires)) {
      log.warn('ArcGIS issued a shorter lifetime than requested (the site caps it)', { target: target.name, requestedMinutes: target.expirationMinutes, grantedMinutes: Math.round((issued.expires - started) / 60_000) });
    }
    return {
      token: issued.token,
      expires: issued.expires,
      ssl: issued.ssl,
      issuedAt: started,
      fingerprint: stamp.fingerprint,
      identity: stamp.identity,
      binding: stripUndefined(issued.binding),
      requestedMinutes: target.expirationMinutes,
    };
  } catch (error) {
    metrics.count(METRIC.arcgisErrors, target.name, { [ARCGIS_CODE_DIMENSION]: arcgisCodeOf(error) });
    throw error;
  }
}

function stripUndefined(binding: TokenBinding): CachedToken['binding'] {
  return { client: binding.client, ...(binding.referer !== undefined ? { referer: binding.referer } : {}), ...(binding.ip !== undefined ? { ip: binding.ip } : {}) };
}

/** The ArcGisCode dimension: ArcGIS's code, the HTTP status of a bad answer, or "unreachable". */
function arcgisCodeOf(error: unknown): string {
  if (error instanceof ArcGisRefusedError) return String(error.arcgis.code);
  if (error instanceof ArcGisRateLimitedError) return `http-${error.httpStatus}`;
  if (error instanceof ArcGisBadResponseError) return `http-${error.httpStatus}`;
  if (error instanceof ArcGisUnreachableError) return 'unreachable';
  return 'other';
}

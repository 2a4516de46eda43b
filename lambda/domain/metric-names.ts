// CloudWatch metric names, shared by the function (which emits them as EMF) and the CDK construct
// (which alarms on them), so the two can never drift apart.

export const METRICS_NAMESPACE = 'ArcGisTokenVending';

/** The service name in logs and metrics (POWERTOOLS_SERVICE_NAME). */
export const SERVICE_NAME = 'arcgis-token-vending';
/**
 * Powertools Metrics adds this dimension, valued SERVICE_NAME, to every metric it emits: the
 * function's metrics carry {service, Target}, and an alarm must name that exact dimension set.
 */
export const SERVICE_DIMENSION = 'service';

/** Dimension on per-target metrics. */
export const TARGET_DIMENSION = 'Target';
/** Dimension on ArcGisErrors: ArcGIS's error code, or the HTTP status, or "unreachable". */
export const ARCGIS_CODE_DIMENSION = 'ArcGisCode';

export const METRIC = {
  /** A token answered by the API (any source). Dimension: Target. */
  tokensServed: 'TokensServed',
  /** A token answered from memory or the store without a login. Dimension: Target. */
  cacheHits: 'CacheHits',
  /** A successful ArcGIS login. Dimension: Target. */
  tokensGenerated: 'TokensGenerated',
  /** A failed ArcGIS login. Dimensions: Target, ArcGisCode. */
  arcgisErrors: 'ArcGisErrors',
  /** A still-valid cached token served because a refresh failed. Dimension: Target. */
  staleServed: 'StaleServed',
  /** A login skipped because credentials were rejected recently. Dimension: Target. */
  loginsPaused: 'LoginsPaused',
  /** An SSM, Secrets Manager or DynamoDB call that failed but did not stop the answer. Dimension: Target. */
  storeFaults: 'StoreFaults',
  /**
   * A login made without the fleet-wide lease because the login coordinator (DynamoDB) could not be
   * reached: lockout protection is then per container. Dimension: Target.
   */
  unguardedLogins: 'UnguardedLogins',
  /** A cached token ArcGIS rejected (498) before its expiry, found by the schedule's check or a caller's report. Dimension: Target. */
  tokensRevoked: 'TokensRevoked',
  /** A login skipped or refused because ArcGIS asked to slow down (429, or 503 with Retry-After). Dimension: Target. */
  arcgisRateLimited: 'ArcGisRateLimited',
  /** 1 each time the schedule leaves a target with a good token (fresh or refreshed). Dimension: Target. */
  refreshSucceeded: 'RefreshSucceeded',
  /** 1 each time the schedule fails to refresh a target. Dimension: Target. */
  refreshFailed: 'RefreshFailed',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

// The Lambda entry point: wires the AWS adapters once per container and dispatches HTTP requests
// (API Gateway REST or HTTP API, or a Function URL) and EventBridge scheduled events. A configuration error is kept and answered as a 500
// problem naming the setting (rather than crashing the init, which API Gateway would hide behind
// a bare 502), and fails every scheduled run.
import type { Context } from 'aws-lambda';
import type { HttpResponse } from '../http/http-response.js';
import { SSMClient } from '@aws-sdk/client-ssm';
import { KMS_KEY_ENV, configFromEnvironment, coordinationTableFromEnvironment } from '../domain/config/environment.js';
import { SsmTokenStore } from '../adapters/ssm-token-store.js';
import { problemResponse } from '../http/problem.js';
import { describeError } from '../domain/errors.js';
import { isHttpRequestEvent, toRequestContext } from './api-gateway.js';
import { deferredCoordinator, deferredCredentials, deferredIssuer } from '../adapters/deferred-adapters.js';
import { createPowertoolsLog } from '../adapters/powertools-log.js';
import { createPowertoolsMetrics } from '../adapters/powertools-metrics.js';
import { isScheduledEvent, type ScheduleSummary } from './schedule.js';
import { wire, type Wiring } from './composition.js';
import { AWS_CALLS } from '../adapters/aws-client-settings.js';

const log = createPowertoolsLog();
const metrics = createPowertoolsMetrics();

/**
 * The token store is built now: a cached request reads it. The coordinator, the credential source
 * and the issuer are loaded (import() of login-adapters.ts, a chunk of its own in the deployed
 * bundle) and built on their first call (deferred-adapters.ts says why); their settings are still
 * read here, so a missing table name is a configuration error at cold start, as before.
 */
async function wireFromEnvironment(): Promise<Wiring> {
  const config = await configFromEnvironment(process.env);
  const tableName = coordinationTableFromEnvironment(process.env);
  return wire(config, {
    store: new SsmTokenStore(new SSMClient(AWS_CALLS), { prefix: config.parameterPrefix, kmsKeyId: process.env[KMS_KEY_ENV] || undefined }, log),
    coordinator: deferredCoordinator(async () => (await import('./login-adapters.js')).coordinatorFor(tableName)),
    credentials: deferredCredentials(async () => (await import('./login-adapters.js')).secretsManagerCredentials()),
    issuer: deferredIssuer(async () => (await import('./login-adapters.js')).issuerFor(config, log)),
    log,
    metrics,
  });
}

let wiring: Wiring | undefined;
let startupError: unknown;
// Top-level await: a configuration the plain checks leave loads the schema with import() (see
// configFromEnvironment); Lambda finishes the module, and so the init, before the first event.
try {
  wiring = await wireFromEnvironment();
} catch (error) {
  startupError = error;
  log.error('configuration invalid; every request will answer 500 until it is fixed', { error: describeError(error) });
}

export async function handler(event: unknown, context?: Context): Promise<HttpResponse | ScheduleSummary> {
  if (context !== undefined) log.logger.addContext(context);
  if (isHttpRequestEvent(event)) {
    if (wiring === undefined) return problemResponse(startupError, log, toRequestContext(event));
    try {
      return await wiring.apiGateway(event);
    } finally {
      metrics.flush();
    }
  }
  if (isScheduledEvent(event)) {
    if (wiring === undefined) throw startupError;
    try {
      return await wiring.schedule();
    } finally {
      metrics.flush({ force: true });
    }
  }
  throw new Error('Unsupported event: this function handles API Gateway (REST or HTTP API) and Function URL requests and EventBridge scheduled events.');
}

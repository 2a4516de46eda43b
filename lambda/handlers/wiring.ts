// Builds the handlers from a configuration and its adapters. Used by the Lambda entry point and by
// the local server, so both run exactly the same code path behind their adapters.
import type { ServiceConfig } from '../config/schema.js';
import type { CredentialSource, Log, Metrics, TokenIssuer, TokenStore } from '../core/ports.js';
import { TokenService } from '../core/token-service.js';
import { createTokenApi, type TokenApi } from '../api/token-api.js';
import { createApiGatewayHandler } from './api-gateway.js';
import { createScheduleHandler } from './schedule.js';

export interface Adapters {
  store: TokenStore;
  credentials: CredentialSource;
  issuer: TokenIssuer;
  log: Log;
  metrics?: Metrics;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export function wire(config: ServiceConfig, adapters: Adapters) {
  for (const target of config.targets) {
    if (target.client === 'requestip') {
      adapters.log.warn(
        'client requestip binds tokens to the address that asks ArcGIS for them: this function\'s own egress address. Apps that receive them cannot use them unless they share that egress; prefer referer, ip or caller-ip.',
        { target: target.name },
      );
    }
  }
  const service = new TokenService({ config, ...adapters });
  const api: TokenApi = createTokenApi({ service, log: adapters.log });
  return {
    service,
    api,
    apiGateway: createApiGatewayHandler(api),
    schedule: createScheduleHandler({ service, log: adapters.log, ...(adapters.metrics ? { metrics: adapters.metrics } : {}) }),
  };
}

export type Wiring = ReturnType<typeof wire>;

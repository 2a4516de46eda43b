// Builds the handlers from a configuration and its adapters. Used by the Lambda entry point and by
// the local server, so both run exactly the same code path behind their adapters.
import type { ServiceConfig } from '../config/schema.js';
import { TokenService, type TokenServiceDeps } from '../core/token-service.js';
import { createTokenApi, type TokenApi } from '../api/token-api.js';
import { createApiGatewayHandler } from './api-gateway.js';
import { createScheduleHandler } from './schedule.js';

/** Everything the token service takes besides its configuration. */
export type Adapters = Omit<TokenServiceDeps, 'config'>;

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
    apiGateway: createApiGatewayHandler(api, adapters.log),
    schedule: createScheduleHandler({ service, log: adapters.log, ...(adapters.metrics ? { metrics: adapters.metrics } : {}) }),
  };
}

export type Wiring = ReturnType<typeof wire>;

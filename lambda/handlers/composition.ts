// The one composition root: the token service, its API and its schedule, built from a
// configuration and its adapters. The Lambda entry point, the local server and the benchmarks all
// call it, so each runs exactly the same code path behind its own adapters; they differ only in
// the adapters they pass (AWS SDK clients, in-memory stand-ins), and the issuer is built from the
// configuration in one way for all of them (issuerFor, login-adapters.ts).
import type { ServiceConfig } from '../domain/config/schema.js';
import { TokenService, type TokenServiceDeps } from '../service/token-service.js';
import { createTokenApi, type TokenApi } from '../http/token-api.js';
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

// Settings that synth accepts but an operator should see twice: a throttle below the expected rate,
// an API key or a Function URL that reaches every target, http:// deployed knowingly. Each warning
// has an id (WARNING), so an app can acknowledge one deliberately.
import { Annotations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ServiceConfig } from '../lambda/domain/config/schema.js';
import type { Endpoint, TokenVendingAuth, TokenVendingThrottle } from './machine-settings.js';
import type { TokenVendingMachineProps } from './token-vending-props.js';

/** Ids of the warnings synth may give (Annotations.addWarningV2), to acknowledge one deliberately. */
export const WARNING = {
  throttleBelowExpectedRate: 'arcgis-token-vending:throttleBelowExpectedRate',
  apiKeyReachesAllTargets: 'arcgis-token-vending:apiKeyReachesAllTargets',
  functionUrlReachesAllTargets: 'arcgis-token-vending:functionUrlReachesAllTargets',
  insecureHttp: 'arcgis-token-vending:insecureHttp',
  secretDropped: 'arcgis-token-vending:secretDropped',
} as const;

interface WarnedSettings {
  props: TokenVendingMachineProps;
  throttle: TokenVendingThrottle;
  endpoint: Endpoint;
  auth: TokenVendingAuth;
  config: ServiceConfig;
}

export function warnAboutSettings(scope: Construct, settings: WarnedSettings): void {
  const { props, throttle, endpoint, auth, config } = settings;
  const annotations = Annotations.of(scope);
  const expected = props.expectedRequestsPerSecond;
  if (expected !== undefined && endpoint !== 'function-url' && expected > throttle.rateLimit) {
    annotations.addWarningV2(
      WARNING.throttleBelowExpectedRate,
      `expectedRequestsPerSecond ${expected} exceeds the stage throttle's rateLimit ${throttle.rateLimit}: API Gateway will answer the excess with 429. Raise throttle.rateLimit (-c throttleRateLimit=${Math.ceil(expected)}) or lower the expectation.`,
    );
  }
  if (auth.mode === 'apiKey') {
    annotations.addWarningV2(
      WARNING.apiKeyReachesAllTargets,
      `An API key reaches every target of this deployment (${config.targets.map((t) => t.name).join(', ')}): API Gateway checks the key, not the path. Deploy targets that need different callers separately, or use IAM auth and grantGetToken per target.`,
    );
  }
  if (endpoint === 'function-url' && config.targets.length > 1) {
    annotations.addWarningV2(
      WARNING.functionUrlReachesAllTargets,
      `A Function URL grant reaches every target (${config.targets.map((t) => t.name).join(', ')}): lambda:InvokeFunctionUrl cannot be scoped to a path. Use endpoint 'http' or 'rest' to grant callers one target each.`,
    );
  }
  if (props.acceptInsecureHttp === true) {
    annotations.addWarningV2(WARNING.insecureHttp, 'allowInsecureHttp is deployed (acceptInsecureHttp): the ArcGIS password and tokens cross the network in clear to every http:// URL.');
  }
}

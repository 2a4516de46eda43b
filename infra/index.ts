// The package's construct entry ("arcgis-token-vending/cdk"): the whole service as a construct for
// your own CDK app, or as a ready-made stack. The compiled construct deploys the function bundle
// built and tested with this package (dist/function), so your app needs neither esbuild nor this
// repository's lock file.
export {
  TokenVendingMachine,
  STAGE_NAME,
  DEFAULT_MEMORY_MB,
  DEFAULT_THROTTLE,
  DEFAULT_API_KEY_THROTTLE,
  AUTH_MODES,
  type AuthMode,
  type TokenVendingAuth,
  type TokenVendingMachineProps,
  type TokenVendingThrottle,
} from './token-vending-machine.js';
export { TokenVendingStack, type TokenVendingStackProps, type TokenVendingVpcSettings } from './token-vending-stack.js';
export { readDeploymentConfigFile, type DeploymentConfig, type DeploymentTarget } from './deployment-config.js';
export { ConfigurationError } from '../lambda/domain/errors.js';

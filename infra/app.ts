// CDK entry (cdk.json: `npx tsx infra/app.ts`). Settings come from context: see infra/context.ts.
// The AwsSolutions checks run on every synth, so `cdk synth` fails on any finding that has no
// written acknowledgement.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigurationError } from '../lambda/domain/errors.js';
import { stackPropsFromContext } from './context.js';
import { TokenVendingStack } from './token-vending-stack.js';

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
try {
  const props = stackPropsFromContext(app);
  new TokenVendingStack(app, props.stackName, {
    ...props,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
} catch (error) {
  // A settings mistake gets its message alone: the stack trace would bury the fix it names.
  if (error instanceof ConfigurationError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
app.synth();

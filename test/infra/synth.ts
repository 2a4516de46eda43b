// Shared by the infra tests: synthesizes the stack without bundling (esbuild is tested once, in
// bundling.test.ts), with the feature flags `cdk synth` uses, in a fixed account and Region.
import { readFileSync } from 'node:fs';
import { App, type CfnElement, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { TokenVendingStack, type TokenVendingStackProps } from '../../infra/token-vending-stack.js';
import type { DeploymentConfig } from '../../infra/deployment-config.js';

export const REPO_ROOT = new URL('../../', import.meta.url);
export const REPO_ROOT_PATH = REPO_ROOT.pathname;
/** The feature flags `cdk synth` uses, so tests see the template a deployment gets. */
export const CDK_JSON_CONTEXT = (JSON.parse(readFileSync(new URL('cdk.json', REPO_ROOT), 'utf8')) as { context: Record<string, unknown> }).context;
export const ENV = { account: '123456789012', region: 'eu-west-1' };

export const ONE_TARGET: DeploymentConfig = {
  targets: [{ name: 'default', url: 'https://www.arcgis.com', referer: 'https://apps.example.com' }],
};
export const EXAMPLE_CONFIG = JSON.parse(readFileSync(new URL('examples/targets.json', REPO_ROOT), 'utf8')) as DeploymentConfig;

export type StackOverrides = Partial<TokenVendingStackProps>;

const cache = new Map<string, { stack: TokenVendingStack; template: Template }>();

/** Synthesizes TokenVendingStack with `overrides`; identical props share one synthesis. */
export function synthStack(overrides: StackOverrides = {}): { stack: TokenVendingStack; template: Template } {
  const key = JSON.stringify(overrides);
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new TokenVendingStack(app, 'TestStack', { env: ENV, config: ONE_TARGET, ...overrides });
  const result = { stack, template: Template.fromStack(stack) };
  cache.set(key, result);
  return result;
}

export function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

/** The one resource of `type`, failing when there are none or several. */
export function only(template: Template, type: string): { id: string; properties: Record<string, any>; resource: Record<string, any> } {
  const entries = Object.entries(template.findResources(type));
  if (entries.length !== 1) throw new Error(`expected exactly one ${type}, found ${entries.length}`);
  const [id, resource] = entries[0]!;
  return { id, properties: resource.Properties as Record<string, any>, resource };
}

/** An ARN in the test Region's partition: with a concrete Region, cdk.json's enablePartitionLiterals writes "aws". */
export function partitionArn(rest: string): string {
  return `arn:aws${rest}`;
}

/** Renders an Fn::Join of strings and Refs the way CloudFormation would, with the given Ref values. */
export function resolveJoin(value: unknown, refs: Record<string, string>): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join === undefined) throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  return join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = (part as { Ref?: string }).Ref;
      if (ref === undefined || refs[ref] === undefined) throw new Error(`unexpected part ${JSON.stringify(part)}`);
      return refs[ref];
    })
    .join(join[0]);
}

/** The shape of a PEM certificate; validateCaBundle checks the shape, Node checks the content. */
export const PEM_CERTIFICATE = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2hlY2tlZCBieSBzaGFwZSBvbmx5MAoGCCqGSM49BAMC\nMBQxEjAQBgNVBAMMCXRlc3QtY2EwHhcNMjYwMTAxMDAwMDAwWhcNMzYwMTAxMDAw\n-----END CERTIFICATE-----\n';

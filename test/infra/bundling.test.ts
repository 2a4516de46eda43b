// The one place esbuild really runs: the function bundles locally (no Docker) into one ESM file,
// and a private CA bundle lands beside it where NODE_EXTRA_CA_CERTS points.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterEach, describe, expect, it } from 'vitest';
import { TokenVendingStack, type TokenVendingStackProps } from '../../infra/token-vending-stack.js';
import { CDK_JSON_CONTEXT, ENV, ONE_TARGET, only } from './synth.js';

function bundle(outdir: string, extra: Partial<TokenVendingStackProps> = {}): string {
  const app = new App({ outdir, context: CDK_JSON_CONTEXT });
  const stack = new TokenVendingStack(app, 'BundledStack', { env: ENV, config: ONE_TARGET, ...extra });
  const assembly = app.synth();
  const template = Template.fromJSON(assembly.getStackByName(stack.stackName).template as Record<string, unknown>);
  const s3Key = only(template, 'AWS::Lambda::Function').properties.Code.S3Key as string;
  expect(s3Key).toMatch(/^[0-9a-f]{64}\.zip$/);
  return join(assembly.directory, `asset.${s3Key.replace(/\.zip$/, '')}`);
}

describe('TokenVendingMachine bundling', () => {
  let outdir: string | undefined;
  afterEach(() => {
    if (outdir !== undefined) rmSync(outdir, { recursive: true, force: true });
  });

  it('bundles the handler locally into one ESM index.mjs under 500 KB, without the SDK\'s non-Lambda credential chain', () => {
    outdir = mkdtempSync(join(tmpdir(), 'token-vending-synth-'));
    const assetDir = bundle(outdir);
    expect(readdirSync(assetDir).sort()).toEqual(['index.mjs']);
    const bundlePath = join(assetDir, 'index.mjs');
    expect(statSync(bundlePath).size).toBeLessThan(500 * 1024);
    const code = readFileSync(bundlePath, 'utf8');
    // lambda/adapters/lambda-credentials.ts stands in for @aws-sdk/credential-provider-node.
    expect(code).not.toContain('defaultProvider::fromSSO');
    expect(code).not.toContain('credential-provider-imds');
    expect(code.startsWith("import { createRequire } from 'module';const require = createRequire(import.meta.url);")).toBe(true);
    expect(code).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
  });

  it('ships the source map beside the bundle, pointed to by its last line, with sourceMaps', () => {
    outdir = mkdtempSync(join(tmpdir(), 'token-vending-synth-'));
    const assetDir = bundle(outdir, { sourceMaps: true });
    expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    expect(readFileSync(join(assetDir, 'index.mjs'), 'utf8').trimEnd().split('\n').at(-1)).toBe('//# sourceMappingURL=index.mjs.map');
  });

  it('copies the CA bundle into the package as extra-ca-certs.pem, byte for byte', () => {
    outdir = mkdtempSync(join(tmpdir(), 'token-vending-synth-'));
    const assetDir = bundle(outdir, { caBundlePath: 'test/infra/fixtures/private-ca.pem' });
    expect(readdirSync(assetDir).sort()).toEqual(['extra-ca-certs.pem', 'index.mjs']);
    expect(readFileSync(join(assetDir, 'extra-ca-certs.pem'))).toEqual(readFileSync('test/infra/fixtures/private-ca.pem'));
  });
});

// The one place esbuild really runs for a whole stack: the function bundles locally (no Docker) into
// a folder, index.mjs and its chunks, and a private CA bundle lands beside them where
// NODE_EXTRA_CA_CERTS points.
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

  it('bundles the handler locally into ESM index.mjs and chunks, under 500 KB in all, without the SDK\'s non-Lambda credential chain', () => {
    outdir = mkdtempSync(join(tmpdir(), 'token-vending-synth-'));
    const assetDir = bundle(outdir);
    const files = readdirSync(assetDir).sort();
    expect(files.every((name) => name.endsWith('.mjs'))).toBe(true);
    expect(files).toContain('index.mjs');
    expect(files.filter((name) => /^login-adapters-[A-Z0-9]{8}\.mjs$/.test(name))).toHaveLength(1);
    expect(files.reduce((sum, name) => sum + statSync(join(assetDir, name)).size, 0)).toBeLessThan(500 * 1024);
    for (const name of files) {
      const code = readFileSync(join(assetDir, name), 'utf8');
      // lambda/adapters/lambda-credentials.ts stands in for @aws-sdk/credential-provider-node.
      expect([name, code.includes('defaultProvider::fromSSO'), code.includes('credential-provider-imds')]).toEqual([name, false, false]);
      expect([name, code.startsWith("import { createRequire } from 'module';const require = createRequire(import.meta.url);")]).toEqual([name, true]);
    }
    const entry = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(entry).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
    // The login code is loaded on first use: the entry names its chunk only in import().
    const loginChunk = files.find((name) => name.startsWith('login-adapters-'))!;
    expect(entry.split(`import("./${loginChunk}")`).length - 1).toBe(3);
    expect(entry.includes(`"./${loginChunk}";`)).toBe(false);
  });

  it('ships a source map beside every file of the bundle, pointed to by its last line, with sourceMaps', () => {
    outdir = mkdtempSync(join(tmpdir(), 'token-vending-synth-'));
    const assetDir = bundle(outdir, { sourceMaps: true });
    const files = readdirSync(assetDir).sort();
    const code = files.filter((name) => name.endsWith('.mjs'));
    expect(files).toEqual(code.flatMap((name) => [name, `${name}.map`]).sort());
    expect(code).toContain('index.mjs');
    for (const name of code) expect(readFileSync(join(assetDir, name), 'utf8').trimEnd().split('\n').at(-1)).toBe(`//# sourceMappingURL=${name}.map`);
  });

  it('copies the CA bundle into the package as extra-ca-certs.pem, byte for byte', () => {
    outdir = mkdtempSync(join(tmpdir(), 'token-vending-synth-'));
    const assetDir = bundle(outdir, { caBundlePath: 'test/infra/fixtures/private-ca.pem' });
    expect(readdirSync(assetDir).filter((name) => !name.endsWith('.mjs'))).toEqual(['extra-ca-certs.pem']);
    expect(readdirSync(assetDir)).toContain('index.mjs');
    expect(readFileSync(join(assetDir, 'extra-ca-certs.pem'))).toEqual(readFileSync('test/infra/fixtures/private-ca.pem'));
  });
});

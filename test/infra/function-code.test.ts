// Where the function's code comes from (infra/function-code.ts): which folder the compiled construct
// deploys, the error of a package without its bundle, and the prebuilt folder becoming the asset
// (with a CA bundle copied beside it). The real package, packed and installed, is tested in
// test/package/installed-package.test.ts.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { buildSync } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { functionCode, packagedBundleDir } from '../../infra/function-code.js';
import { REPO_ROOT, lambdaBuildOptions } from '../../infra/lambda-bundle.js';
import { ConfigurationError } from '../../lambda/domain/errors.js';
import { only } from './synth.js';

const FAKE_BUNDLE = 'export const handler = async () => ({ statusCode: 200, body: "prebuilt" });\n';

describe('packagedBundleDir', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('is undefined when the construct runs from its TypeScript source, as in this repository', () => {
    expect(packagedBundleDir(false, pathToFileURL(join(REPO_ROOT, 'infra/function-code.ts')).href)).toBeUndefined();
    expect(packagedBundleDir(false)).toBeUndefined();
  });

  it('is the dist/function folder beside the compiled construct, or dist/function-source-maps with source maps', () => {
    dir = mkdtempSync(join(tmpdir(), 'function-code-'));
    for (const variant of ['function', 'function-source-maps']) {
      mkdirSync(join(dir, 'dist', variant), { recursive: true });
      writeFileSync(join(dir, 'dist', variant, 'index.mjs'), FAKE_BUNDLE);
    }
    const compiled = pathToFileURL(join(dir, 'dist/infra/function-code.js')).href;
    expect(packagedBundleDir(false, compiled)).toBe(join(dir, 'dist/function'));
    expect(packagedBundleDir(true, compiled)).toBe(join(dir, 'dist/function-source-maps'));
  });

  it('refuses a compiled construct whose package has no bundle, naming the path and the fix', () => {
    dir = mkdtempSync(join(tmpdir(), 'function-code-'));
    const compiled = pathToFileURL(join(dir, 'dist/infra/function-code.js')).href;
    expect(() => packagedBundleDir(false, compiled)).toThrow(ConfigurationError);
    expect(() => packagedBundleDir(false, compiled)).toThrow(
      `The function's prebuilt bundle is missing from the arcgis-token-vending package (looked for ${join(dir, 'dist/function/index.mjs')}). Reinstall the package from its tarball (npm pack builds the bundle); in a clone of the repository, run npm run build.`,
    );
  });
});

describe('functionCode', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** Synthesizes one NodejsFunction with `functionCode(...)` and returns its handler and asset folder's files. */
  function synth(options: Parameters<typeof functionCode>[0]): { handler: unknown; files: Record<string, string> } {
    const outdir = join(dir!, 'cdk.out');
    const app = new App({ outdir });
    const stack = new Stack(app, 'CodeStack');
    new NodejsFunction(stack, 'Function', { ...functionCode(options), runtime: Runtime.NODEJS_24_X });
    const assembly = app.synth();
    const template = Template.fromJSON(assembly.getStackByName(stack.stackName).template as Record<string, unknown>);
    const { properties } = only(template, 'AWS::Lambda::Function');
    const assetDir = join(outdir, `asset.${(properties.Code.S3Key as string).replace(/\.zip$/, '')}`);
    return { handler: properties.Handler, files: Object.fromEntries(readdirSync(assetDir).sort().map((name) => [name, readFileSync(join(assetDir, name), 'utf8')])) };
  }

  it('bundles the handler from source when no prebuilt folder applies: index.mjs and its chunks, as esbuild builds them with the deployed options', () => {
    dir = mkdtempSync(join(tmpdir(), 'function-code-'));
    const { handler, files } = synth({ sourceMaps: false });
    buildSync(lambdaBuildOptions(join(dir, 'direct'), { sourceMaps: false }));
    const direct = Object.fromEntries(readdirSync(join(dir, 'direct')).sort().map((name) => [name, readFileSync(join(dir!, 'direct', name), 'utf8')]));
    expect(handler).toBe('index.handler');
    expect(Object.keys(files)).toEqual(Object.keys(direct));
    expect(files).toEqual(direct);
    expect(Object.keys(files).filter((name) => !/^(index|chunk-[A-Z0-9]{8}|login-adapters-[A-Z0-9]{8}|bowser-[A-Z0-9]{8}|event-streams-[A-Z0-9]{8}|parse-config-[A-Z0-9]{8}|target-state-schema-[A-Z0-9]{8}|token-query-schema-[A-Z0-9]{8})\.mjs$/.test(name))).toEqual([]);
    expect(Object.keys(files).filter((name) => name.startsWith('login-adapters-'))).toHaveLength(1);
  });

  it('two functions that differ only in source maps or CA bundle get assets of their own in one synth', () => {
    dir = mkdtempSync(join(tmpdir(), 'function-code-'));
    const app = new App({ outdir: join(dir, 'cdk.out') });
    const stack = new Stack(app, 'TwoCodes');
    const ca = join(REPO_ROOT, 'test/infra/fixtures/private-ca.pem');
    new NodejsFunction(stack, 'Plain', { ...functionCode({ sourceMaps: false }), runtime: Runtime.NODEJS_24_X });
    new NodejsFunction(stack, 'Mapped', { ...functionCode({ sourceMaps: true }), runtime: Runtime.NODEJS_24_X });
    new NodejsFunction(stack, 'WithCa', { ...functionCode({ sourceMaps: false, caBundle: ca }), runtime: Runtime.NODEJS_24_X });
    const assembly = app.synth();
    const template = Template.fromJSON(assembly.getStackByName(stack.stackName).template as Record<string, unknown>);
    const assets = Object.values(template.findResources('AWS::Lambda::Function')).map((r) => join(assembly.directory, `asset.${((r as { Properties: { Code: { S3Key: string } } }).Properties.Code.S3Key).replace(/\.zip$/, '')}`));
    expect(new Set(assets).size).toBe(3);
    const [plain, mapped, withCa] = assets.map((a) => readdirSync(a).sort());
    // A map changes its file's last line, so the chunks' content hashes differ: compare names without them.
    const unhashed = (names: string[]) => names.map((name) => name.replace(/-[A-Z0-9]{8}\./, '-HASH.')).sort();
    expect(unhashed(mapped!)).toEqual(unhashed(plain!.flatMap((name) => [name, `${name}.map`])));
    expect(withCa).toEqual(['extra-ca-certs.pem', ...plain!].sort());
  });

  it('deploys a prebuilt folder as it is, with the handler NodejsFunction would name', () => {
    dir = mkdtempSync(join(tmpdir(), 'function-code-'));
    mkdirSync(join(dir, 'prebuilt'));
    writeFileSync(join(dir, 'prebuilt/index.mjs'), FAKE_BUNDLE);
    expect(synth({ sourceMaps: false, prebuiltDir: join(dir, 'prebuilt') })).toEqual({ handler: 'index.handler', files: { 'index.mjs': FAKE_BUNDLE } });
  });

  it('copies a CA bundle beside the prebuilt files, without touching the prebuilt folder', () => {
    dir = mkdtempSync(join(tmpdir(), 'function-code-'));
    mkdirSync(join(dir, 'prebuilt'));
    writeFileSync(join(dir, 'prebuilt/index.mjs'), FAKE_BUNDLE);
    writeFileSync(join(dir, 'prebuilt/index.mjs.map'), '{"version":3}');
    const ca = join(REPO_ROOT, 'test/infra/fixtures/private-ca.pem');
    expect(synth({ sourceMaps: true, prebuiltDir: join(dir, 'prebuilt'), caBundle: ca })).toEqual({
      handler: 'index.handler',
      files: { 'extra-ca-certs.pem': readFileSync(ca, 'utf8'), 'index.mjs': FAKE_BUNDLE, 'index.mjs.map': '{"version":3}' },
    });
    expect(readdirSync(join(dir, 'prebuilt')).sort()).toEqual(['index.mjs', 'index.mjs.map']);
  });
});

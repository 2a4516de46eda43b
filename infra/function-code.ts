// Where the function's code comes from, decided in one place. Installed from the package, the
// construct is compiled JavaScript (dist/infra) and deploys the bundle prebuilt beside it
// (dist/function), byte for byte the artifact this repository tested: the consumer's app needs no
// esbuild, no lock file, and resolves no dependency of the function again. In this repository the
// construct runs from its TypeScript sources and bundles them with esbuild at every synth, so an
// edit to the function deploys without a build step and a stale bundle can never ship; the package
// test (test/package/installed-package.test.ts) proves both routes give the same asset.
// The bundle is a folder (index.mjs and its chunks, the login code in chunks of its own:
// infra/lambda-bundle.ts), which NodejsFunction's own bundling cannot make (it writes one file), so
// both routes hand the function a ready asset and NodejsFunction bundles nothing.
import { copyFileSync, cpSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { ConfigurationError } from '../lambda/domain/errors.js';
import { CA_BUNDLE_FILE } from './ca-bundle.js';
import { LAMBDA_BUNDLE_FILE, LAMBDA_HANDLER, PREBUILT_BUNDLE_DIRS, REPO_ROOT, lambdaBuildOptions } from './lambda-bundle.js';

export interface FunctionCodeOptions {
  /** Ship a source map beside every file of the bundle. */
  readonly sourceMaps: boolean;
  /** Absolute path of a validated CA bundle to add to the package as extra-ca-certs.pem. */
  readonly caBundle?: string | undefined;
  /**
   * Folder holding the prebuilt bundle to deploy.
   * @default - the package's own (dist/function…) when this module is compiled; none from sources
   */
  readonly prebuiltDir?: string | undefined;
}

/** The code part of the function's NodejsFunction props: a ready asset, so NodejsFunction bundles nothing. */
export type FunctionCodeProps = Required<Pick<NodejsFunctionProps, 'code' | 'handler'>>;

export function functionCode(options: FunctionCodeOptions): FunctionCodeProps {
  const prebuiltDir = options.prebuiltDir ?? packagedBundleDir(options.sourceMaps);
  return { code: prebuiltDir !== undefined ? prebuiltCode(prebuiltDir, options.caBundle) : bundledCode(options.sourceMaps, options.caBundle), handler: LAMBDA_HANDLER };
}

/**
 * Where the from-source asset is rooted. The local bundling step reads the sources itself, so this
 * folder only has to exist; a small one keeps synth from walking node_modules should CDK ever
 * fingerprint it (with an output hash and local bundling it does not).
 */
const SOURCE_ASSET_DIR = join(REPO_ROOT, 'lambda');

/**
 * The function bundled from this repository's sources by a local bundling step (esbuild in this
 * process, never Docker), with the CA bundle beside it when given. The asset hash is taken from the
 * output, as NodejsFunction's was, so the same files give the same asset as the package's prebuilt
 * folder.
 */
function bundledCode(sourceMaps: boolean, caBundle: string | undefined): Code {
  return locallyBundled(SOURCE_ASSET_DIR, assetCacheKey(sourceMaps, caBundle), (outputDir) => {
    // Loaded here, not imported: only a synth from sources bundles, and the installed package
    // (which deploys its prebuilt folder) has no esbuild.
    const { buildSync } = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    buildSync(lambdaBuildOptions(outputDir, { sourceMaps }));
    if (caBundle !== undefined) copyFileSync(caBundle, join(outputDir, CA_BUNDLE_FILE));
  });
}

/**
 * An asset made by a local step in this process, never Docker, hashed by its output. `cacheKey`
 * lets CDK's staging cache tell apart what the step closes over (assetCacheKey).
 */
function locallyBundled(dir: string, cacheKey: Record<string, string>, bundle: (outputDir: string) => void): Code {
  return Code.fromAsset(dir, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the type, never pulled: the local step always succeeds or throws its own error.
      image: DockerImage.fromRegistry('dummy'),
      local: {
        tryBundle(outputDir: string): boolean {
          bundle(outputDir);
          return true;
        },
      },
      environment: cacheKey,
    },
  });
}

/**
 * Not read by the local step: CDK keys its in-process cache of staged assets on the asset's
 * options as JSON, which cannot see what tryBundle closes over, so without these two assets that
 * differ only in source maps or CA bundle would be staged once and shared within one synth.
 */
function assetCacheKey(sourceMaps: boolean, caBundle: string | undefined): Record<string, string> {
  return { ATV_SOURCE_MAPS: String(sourceMaps), ATV_CA_BUNDLE: caBundle ?? '' };
}

/**
 * The package's prebuilt bundle folder when this module runs compiled (dist/infra/function-code.js,
 * the bundles in dist/function…); undefined when it runs from its TypeScript source.
 */
export function packagedBundleDir(sourceMaps: boolean, moduleUrl: string = import.meta.url): string | undefined {
  if (!moduleUrl.endsWith('.js')) return undefined;
  const dir = fileURLToPath(new URL(`../${sourceMaps ? PREBUILT_BUNDLE_DIRS.sourceMaps : PREBUILT_BUNDLE_DIRS.plain}`, moduleUrl));
  if (!existsSync(join(dir, LAMBDA_BUNDLE_FILE))) {
    throw new ConfigurationError(
      `The function's prebuilt bundle is missing from the arcgis-token-vending package (looked for ${join(dir, LAMBDA_BUNDLE_FILE)}). Reinstall the package from its tarball (npm pack builds the bundle); in a clone of the repository, run npm run build.`,
    );
  }
  return dir;
}

/**
 * The prebuilt folder as the function's asset. With a CA bundle the asset is a copy of the folder
 * plus the certificates, assembled by a local bundling step (a plain copy, never Docker); its hash
 * is taken from the result, as NodejsFunction's is, so the same files give the same asset either way.
 */
function prebuiltCode(dir: string, caBundle: string | undefined): Code {
  if (caBundle === undefined) return Code.fromAsset(dir);
  return locallyBundled(dir, assetCacheKey(false, caBundle), (outputDir) => {
    cpSync(dir, outputDir, { recursive: true });
    copyFileSync(caBundle, join(outputDir, CA_BUNDLE_FILE));
  });
}

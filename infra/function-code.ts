// Where the function's code comes from, decided in one place. Installed from the package, the
// construct is compiled JavaScript (dist/infra) and deploys the bundle prebuilt beside it
// (dist/function), byte for byte the artifact this repository tested: the consumer's app needs no
// esbuild, no lock file, and resolves no dependency of the function again. In this repository the
// construct runs from its TypeScript sources and NodejsFunction bundles them at every synth, so an
// edit to the function deploys without a build step and a stale bundle can never ship; the package
// test (test/package/installed-package.test.ts) proves both routes give the same asset.
import { copyFileSync, cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { ConfigurationError } from '../lambda/domain/errors.js';
import { CA_BUNDLE_FILE } from './ca-bundle.js';
import { LAMBDA_BUNDLE, LAMBDA_BUNDLE_FILE, LAMBDA_ENTRY, LAMBDA_HANDLER, PREBUILT_BUNDLE_DIRS, REPO_ROOT } from './lambda-bundle.js';

export interface FunctionCodeOptions {
  /** Ship the bundle's source map beside it. */
  readonly sourceMaps: boolean;
  /** Absolute path of a validated CA bundle to add to the package as extra-ca-certs.pem. */
  readonly caBundle?: string | undefined;
  /**
   * Folder holding the prebuilt bundle to deploy.
   * @default - the package's own (dist/function…) when this module is compiled; none from sources
   */
  readonly prebuiltDir?: string | undefined;
}

/** The code part of the function's NodejsFunction props: prebuilt code, or an entry to bundle. */
export type FunctionCodeProps = Pick<NodejsFunctionProps, 'code' | 'handler' | 'entry' | 'projectRoot' | 'depsLockFilePath' | 'bundling'>;

export function functionCode(options: FunctionCodeOptions): FunctionCodeProps {
  const prebuiltDir = options.prebuiltDir ?? packagedBundleDir(options.sourceMaps);
  if (prebuiltDir !== undefined) return { code: prebuiltCode(prebuiltDir, options.caBundle), handler: LAMBDA_HANDLER };
  const caBundle = options.caBundle;
  return {
    entry: LAMBDA_ENTRY,
    handler: LAMBDA_HANDLER,
    projectRoot: REPO_ROOT,
    depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
    bundling: {
      format: OutputFormat.ESM,
      minify: LAMBDA_BUNDLE.minify,
      sourceMap: options.sourceMaps,
      // No externals: the SDK goes into the bundle (LAMBDA_BUNDLE says why).
      bundleAwsSDK: true,
      mainFields: [...LAMBDA_BUNDLE.mainFields],
      target: LAMBDA_BUNDLE.target,
      banner: LAMBDA_BUNDLE.banner,
      esbuildArgs: Object.fromEntries(Object.entries(LAMBDA_BUNDLE.alias).map(([from, to]) => [`--alias:${from}`, to])),
      forceDockerBundling: false,
      ...(caBundle === undefined
        ? {}
        : {
            commandHooks: {
              beforeBundling: () => [],
              beforeInstall: () => [],
              afterBundling: (_inputDir: string, outputDir: string) => [`cp ${shellQuote(caBundle)} ${shellQuote(join(outputDir, CA_BUNDLE_FILE))}`],
            },
          }),
    },
  };
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
  return Code.fromAsset(dir, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the type, never pulled: tryBundle below always succeeds.
      image: DockerImage.fromRegistry('dummy'),
      local: {
        tryBundle(outputDir: string): boolean {
          cpSync(dir, outputDir, { recursive: true });
          copyFileSync(caBundle, join(outputDir, CA_BUNDLE_FILE));
          return true;
        },
      },
    },
  });
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

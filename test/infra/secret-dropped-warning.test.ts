// A synth that no longer creates a secret the previous synth into the same folder created warns,
// naming the secret and the secretName that keeps a renamed target on it: the situation of a
// rename, done as a user does it (synthesize, rename the target, synthesize again).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createdSecretNames } from '../../infra/secret-replacement-warning.js';
import { WARNING } from '../../infra/token-vending-machine.js';
import { TokenVendingStack } from '../../infra/token-vending-stack.js';
import type { DeploymentConfig } from '../../infra/deployment-config.js';
import { CDK_JSON_CONTEXT, ENV } from './synth.js';

const target = (name: string, extra: Record<string, unknown> = {}) => ({ name, url: 'https://www.arcgis.com', referer: 'https://apps.example.com', ...extra });

let outdir: string;
beforeEach(() => {
  outdir = mkdtempSync(join(tmpdir(), 'atv-secret-warning-'));
});
afterEach(() => rmSync(outdir, { recursive: true, force: true }));

/** Synthesizes the stack into `outdir`, as cdk synth does, and returns the warnings about dropped secrets. */
function synthInto(config: DeploymentConfig): string[] {
  const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new TokenVendingStack(app, 'TestStack', { env: ENV, config });
  app.synth();
  return Annotations.fromStack(stack)
    .findWarning('*', Match.stringLikeRegexp('previous synth created the credentials secret'))
    .map((w) => String(w.entry.data).replace(/ \[ack: .*\]$/, ''));
}

describe('a secret the previous synth created and this one does not', () => {
  it('gives no warning on a first synth, nor when the targets stay the same', () => {
    expect(synthInto({ targets: [target('online')] })).toEqual([]);
    expect(synthInto({ targets: [target('online')] })).toEqual([]);
  });

  it('warns when a target is renamed, naming the old secret and the secretName that keeps it', () => {
    synthInto({ targets: [target('online')] });
    expect(synthInto({ targets: [target('agol')] })).toEqual([
      'The previous synth created the credentials secret "arcgis-token-vending/online" and this one does not: a deploy leaves it in place (it is retained, with its password), but no target reads it any more. If "agol" is that target renamed, give it secretName "arcgis-token-vending/online" (-c secretName=arcgis-token-vending/online, or "secretName" in the config file) to keep using the stored credentials.',
    ]);
  });

  it('is quiet when the renamed target imports the old secret with secretName', () => {
    synthInto({ targets: [target('online')] });
    expect(synthInto({ targets: [target('agol', { secretName: 'arcgis-token-vending/online' })] })).toEqual([]);
  });

  it('keeps quiet when another target is added beside the existing ones', () => {
    synthInto({ targets: [target('online')] });
    expect(synthInto({ targets: [target('online'), target('portal')] })).toEqual([]);
  });

  it('reads no warning out of a missing, empty or garbled previous template', () => {
    expect(createdSecretNames(undefined)).toEqual([]);
    expect(createdSecretNames({})).toEqual([]);
    expect(createdSecretNames({ Resources: { A: { Type: 'AWS::SecretsManager::Secret', Properties: { Name: { Ref: 'X' } } }, B: null } })).toEqual([]);
    writeFileSync(join(outdir, 'TestStack.template.json'), '{ not json');
    expect(synthInto({ targets: [target('online')] })).toEqual([]);
  });

  it('has an id of its own, to acknowledge it deliberately', () => {
    expect(WARNING.secretDropped).toBe('arcgis-token-vending:secretDropped');
  });
});

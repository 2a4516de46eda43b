// A warning at synth when this synth drops a credentials secret the previous one created. That
// happens when a target is renamed without secretName, or its secretName changes. The old secret is
// retained, so the password is not lost, but the target then reads a new, empty secret and cannot
// log in until someone stores the credentials again or points it back at the old one.
//
// Synth cannot see what is deployed, but `cdk synth`, `cdk diff` and `cdk deploy` write the
// template into the same output folder each time (cdk.out), and that file is still the previous
// synth's while this construct is built, so it is read here. A fresh clone or a new output folder
// has no previous template and gets no warning; `cdk diff` still lists the secret as removed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, Stack, Stage } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { WARNING } from './synth-warnings.js';

/** The names of the secrets a template creates (AWS::SecretsManager::Secret with a literal Name). */
export function createdSecretNames(template: unknown): string[] {
  const resources = (template as { Resources?: Record<string, { Type?: unknown; Properties?: { Name?: unknown } }> } | null)?.Resources;
  if (resources === undefined || resources === null || typeof resources !== 'object') return [];
  return Object.values(resources)
    .filter((resource) => resource?.Type === 'AWS::SecretsManager::Secret' && typeof resource.Properties?.Name === 'string')
    .map((resource) => resource.Properties!.Name as string);
}

/** The previous synth's template of this stack, when the output folder still holds one. */
function previousTemplate(scope: Construct): unknown {
  const outdir = Stage.of(scope)?.outdir;
  if (outdir === undefined) return undefined;
  const file = join(outdir, Stack.of(scope).templateFile);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // A half-written or edited file says nothing reliable about what was deployed.
    return undefined;
  }
}

/**
 * Warns once per secret the previous synth created and this one neither creates nor imports by
 * name, naming the setting that keeps a renamed target on it. `created` maps each target to the
 * secret this synth creates for it; `imported` holds the names of the secrets it imports.
 */
export function warnAboutDroppedSecrets(scope: Construct, created: ReadonlyMap<string, string>, imported: ReadonlySet<string>): void {
  const before = createdSecretNames(previousTemplate(scope));
  const now = new Set([...created.values(), ...imported]);
  const annotations = Annotations.of(scope);
  for (const name of before.filter((secret) => !now.has(secret))) {
    const targets = [...created].filter(([, secret]) => !before.includes(secret)).map(([target]) => target);
    const hint =
      targets.length === 0
        ? ''
        : ` If ${targets.map((t) => `"${t}"`).join(' or ')} is that target renamed, give it secretName "${name}" (-c secretName=${name}, or "secretName" in the config file) to keep using the stored credentials.`;
    annotations.addWarningV2(
      WARNING.secretDropped,
      `The previous synth created the credentials secret "${name}" and this one does not: a deploy leaves it in place (it is retained, with its password), but no target reads it any more.${hint}`,
    );
  }
}

// Synth refuses timeouts that cannot fit the request deadline, and the function outlives the
// longest deadline: a request the deadline cuts short is still answered by the service, not ended
// by Lambda (30 s) or by API Gateway (29 s, its own bare 504).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_ENV } from '../../lambda/domain/config/environment.js';
import { MAX_DEADLINE_MS } from '../../lambda/domain/config/settings.js';
import { FUNCTION_TIMEOUT_SECONDS } from '../../infra/token-function.js';
import { ONE_TARGET, REPO_ROOT_PATH, only, synthStack } from './synth.js';

/** API Gateway's integration timeout (REST and HTTP APIs): after it the caller gets the gateway's own 504. */
const API_GATEWAY_TIMEOUT_MS = 29_000;
/**
 * What a request needs after its deadline: building the problem answer and flushing metrics. The
 * deadline scenarios (test/scenarios/deadline.test.ts) measure answers within tens of ms of it; a
 * second leaves room for a slow container.
 */
const ANSWER_TIME_MS = 1_000;

describe('synth and the request deadline', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('refuses requestTimeoutMs 60000 in the construct props, naming the fix', () => {
    expect(() => synthStack({ config: { ...ONE_TARGET, requestTimeoutMs: 60_000 } })).toThrow(
      'Invalid configuration in TokenVendingMachine props:\n  - requestTimeoutMs: requestTimeoutMs 60000 cannot fit in the request deadline (deadlineMs 25000): every request must end within it. Use at most 25000, and a few times less so discovery and login fit together',
    );
  });

  it(`refuses deadlineMs above ${MAX_DEADLINE_MS} in the construct props`, () => {
    expect(() => synthStack({ config: { ...ONE_TARGET, deadlineMs: 29_000 } })).toThrow(
      "Invalid configuration in TokenVendingMachine props:\n  - deadlineMs: use at most 28000 ms: API Gateway gives up after 29 s and answers its own 504 instead of the service's problem",
    );
  });

  it('stops `cdk synth -c config=FILE` when the file sets requestTimeoutMs 60000, before writing any template', () => {
    dir = mkdtempSync(join(tmpdir(), 'token-vending-deadline-'));
    const file = join(dir, 'targets.json');
    writeFileSync(file, JSON.stringify({ ...ONE_TARGET, requestTimeoutMs: 60_000 }));
    const outdir = join(dir, 'cdk.out');
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: REPO_ROOT_PATH,
      encoding: 'utf8',
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ config: file, 'aws:cdk:bundling-stacks': [] }), CDK_OUTDIR: outdir, CDK_DEFAULT_REGION: 'eu-west-1' },
    });
    expect([result.status, result.stderr]).toEqual([
      1,
      `Invalid configuration in ${file}:\n  - requestTimeoutMs: requestTimeoutMs 60000 cannot fit in the request deadline (deadlineMs 25000): every request must end within it. Use at most 25000, and a few times less so discovery and login fit together\n`,
    ]);
  });

  it(`gives the function ${FUNCTION_TIMEOUT_SECONDS} s: the longest deadline (${MAX_DEADLINE_MS} ms) and the answer's own time fit in it and in API Gateway's 29 s`, () => {
    const { stack, template } = synthStack({ config: { ...ONE_TARGET, requestTimeoutMs: 10_000, deadlineMs: MAX_DEADLINE_MS } });
    const { properties } = only(template, 'AWS::Lambda::Function');
    expect(properties.Timeout).toBe(FUNCTION_TIMEOUT_SECONDS);
    // The function's configuration (an Fn::Join around the secret ARNs) carries the deadline as given.
    expect(JSON.stringify(properties.Environment.Variables[CONFIG_ENV])).toContain(`\\"deadlineMs\\":${MAX_DEADLINE_MS}`);
    expect(stack.machine.config).toMatchObject({ requestTimeoutMs: 10_000, deadlineMs: MAX_DEADLINE_MS });
    expect(MAX_DEADLINE_MS + ANSWER_TIME_MS).toBeLessThanOrEqual(FUNCTION_TIMEOUT_SECONDS * 1000);
    expect(MAX_DEADLINE_MS + ANSWER_TIME_MS).toBeLessThanOrEqual(API_GATEWAY_TIMEOUT_MS);
  });
});

// The AWS calls of each event the cost model bills, counted at the stand-ins rather than assumed:
// - a cold cached request: every run of the deployed bundle in the cold-start rounds (checked there);
// - a scheduled run that finds the token fresh: the deployed bundle answering one scheduled event;
// - a login: a storm of one cold container (an empty store) minus that container's cold cached
//   read, i.e. what the login added to the request that needed it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { scheduledEvent } from '../test/handlers/events.js';
import { describeCalls, functionConfigEnvironment, seedCachedToken } from './cold-start.js';
import type { CallsPerEvent } from './cost-model.js';
import { startFakeAws } from './fake-aws.js';
import type { FleetSummary } from './fleet-storm.js';
import { lambdaEnvironment, runNode, writeHandlerWrapper } from './lambda-process.js';
import type { NodeRuntime } from './node-runtimes.js';
import type { PrivateCa } from './private-ca.js';
import { BENCH_SCRATCH } from './scratch.js';
import { median } from './stats.js';

/** The operations each of the model's counters adds up (the coordination table writes with UpdateItem only). */
const COUNTED = {
  ssmReads: ['GetParameter'],
  ssmWrites: ['PutParameter'],
  secretReads: ['GetSecretValue'],
  dynamoWrites: ['UpdateItem', 'PutItem', 'DeleteItem'],
  dynamoReads: ['GetItem'],
} as const satisfies Record<keyof CallsPerEvent, readonly string[]>;

/** Calls counted by operation, as the cost model's counters; an operation the model has no price for is refused. */
export function callsPerEvent(calls: Readonly<Record<string, number>>): CallsPerEvent {
  const known = new Set<string>(Object.values(COUNTED).flat());
  const unknown = Object.keys(calls).filter((op) => !known.has(op) && calls[op] !== 0);
  if (unknown.length > 0) throw new Error(`the cost model has no price for ${unknown.join(', ')}: add it to bench/event-calls.ts and bench/cost-model.ts`);
  const sum = (ops: readonly string[]) => ops.reduce((a, op) => a + (calls[op] ?? 0), 0);
  return { ssmReads: sum(COUNTED.ssmReads), ssmWrites: sum(COUNTED.ssmWrites), secretReads: sum(COUNTED.secretReads), dynamoWrites: sum(COUNTED.dynamoWrites), dynamoReads: sum(COUNTED.dynamoReads) };
}

/**
 * What a login adds to the cold request that needed it: the median, operation by operation, of the
 * storms of one container (each exactly one login), less that request's cold cached read.
 */
export function loginCalls(storms: readonly FleetSummary[], coldRequest: Readonly<Record<string, number>>): Record<string, number> {
  const lone = storms.find((s) => s.containers === 1);
  if (lone === undefined) throw new Error('no fleet storm of one container: the login calls come from it');
  const single = lone.callsPerStorm.filter((_, i) => lone.loginsPerStorm[i] === 1);
  if (single.length === 0) throw new Error('no storm of one container logged in exactly once: its calls are not one login');
  const ops = [...new Set([...single.flatMap((c) => Object.keys(c)), ...Object.keys(coldRequest)])].sort();
  const login: Record<string, number> = {};
  for (const op of ops) {
    const n = median(single.map((c) => c[op] ?? 0)) - (coldRequest[op] ?? 0);
    if (n < 0) throw new Error(`a storm of one made fewer ${op} calls than a cold cached request: ${describeCalls(single[0]!)} against ${describeCalls(coldRequest)}`);
    if (n > 0) login[op] = n;
  }
  return login;
}

/**
 * The calls of one scheduled run that finds the token fresh, made by the deployed bundle in a fresh
 * process: the schedule reads the secret on every run (the owner check a cold cached request skips).
 */
export async function scheduledRunCalls(options: { runtime: NodeRuntime; bundle: string; ca: PrivateCa; dir?: string }): Promise<Record<string, number>> {
  const aws = await startFakeAws({ tls: options.ca });
  try {
    seedCachedToken(aws);
    const dir = options.dir ?? join(BENCH_SCRATCH, 'scheduled-run');
    mkdirSync(dir, { recursive: true });
    const wrapper = writeHandlerWrapper(join(dir, 'wrapper.mjs'), options.bundle, scheduledEvent());
    const accessKeyId = 'AKIDSCHEDULEDRUN';
    const env = { ...lambdaEnvironment({ endpoints: aws.endpoints, caBundlePath: options.ca.caBundlePath, accessKeyId }), ...functionConfigEnvironment('https://gis.example.com/portal') };
    const { stdout } = await runNode(options.runtime.path, [wrapper], env);
    // The schedule handler logs its summary (Powertools JSON, one line); a run that refreshed or failed is not the event priced here.
    const summary = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { message?: string; fresh?: string[] })
      .find((line) => line.message === 'scheduled refresh done');
    if (summary?.fresh?.join() !== 'default') throw new Error(`the scheduled run did not find the seeded token fresh: ${stdout.slice(0, 500)}`);
    return { ...(aws.callsByAccessKey[accessKeyId] ?? {}) };
  } finally {
    await aws.close();
  }
}

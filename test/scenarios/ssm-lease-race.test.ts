// Why the login lease is not on SSM. SSM has no conditional update: PutParameter either creates
// (Overwrite false) or overwrites whatever is there. The lease this project used to keep on it
// (create it; else read it, and if it had run out overwrite it and read it back) is replayed here
// against the SSM stand-in with the interleaving chosen by the test, and it admits two holders; its
// release overwrites a lease another container took over. The same contest on the DynamoDB
// coordinator, whose condition is checked by the service in the same write, admits one.
import { GetParameterCommand, ParameterType, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbLoginCoordinator } from '../../lambda/adapters/dynamodb-login-coordinator.js';
import { startFakeAws, type FakeAws } from '../../bench/fake-aws.js';
import { startAwsFaultProxy, type AwsFaultProxy, type ProxiedCall } from '../stand-ins/aws-fault-proxy.js';
import { COORDINATION_TABLE, FAKE_AWS_CREDENTIALS, startDynamoDb, type DynamoDbStandIn } from '../stand-ins/dynamodb.js';

const LEASE = '/arcgis-token-vending/main/lease';

/** The former SSM lease, as it was (lambda/adapters/ssm-token-store.ts before the coordinator). */
async function ssmAcquire(ssm: SSMClient, holder: string, ttlMs: number, now: number): Promise<boolean> {
  const value = JSON.stringify({ holder, until: now + ttlMs });
  try {
    await ssm.send(new PutParameterCommand({ Name: LEASE, Value: value, Type: ParameterType.STRING, Overwrite: false }));
    return true;
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ParameterAlreadyExists')) throw error;
  }
  const read = async () => JSON.parse((await ssm.send(new GetParameterCommand({ Name: LEASE }))).Parameter!.Value!) as { holder: string; until: number };
  const current = await read();
  if (current.until > now && current.holder !== holder) return false;
  await ssm.send(new PutParameterCommand({ Name: LEASE, Value: value, Type: ParameterType.STRING, Overwrite: true }));
  return (await read()).holder === holder;
}

async function ssmRelease(ssm: SSMClient, holder: string): Promise<void> {
  await ssm.send(new PutParameterCommand({ Name: LEASE, Value: JSON.stringify({ holder, until: 0 }), Type: ParameterType.STRING, Overwrite: true }));
}

/** Holds each call that `hold` picks until the test releases it; everything else passes. */
class Gate {
  private readonly waiting: Array<{ call: ProxiedCall; release: () => void }> = [];
  private readonly arrivals: Array<() => void> = [];
  constructor(private readonly hold: (call: ProxiedCall) => boolean) {}
  install(proxy: AwsFaultProxy): void {
    proxy.decide = (call) => {
      if (!this.hold(call)) return { kind: 'forward' };
      let release!: () => void;
      const before = new Promise<void>((resolve) => (release = resolve));
      this.waiting.push({ call, release });
      this.arrivals.splice(0).forEach((arrived) => arrived());
      return { kind: 'forward', before };
    };
  }
  async held(count: number): Promise<void> {
    while (this.waiting.length < count) await new Promise<void>((resolve) => this.arrivals.push(resolve));
  }
  /** Lets the held call from this holder through. */
  release(holder: string): void {
    const index = this.waiting.findIndex((w) => JSON.stringify(w.call.body).includes(holder));
    if (index < 0) throw new Error(`no held call from ${holder}`);
    const [entry] = this.waiting.splice(index, 1);
    entry!.release();
  }
}

let aws: FakeAws | undefined;
let proxy: AwsFaultProxy | undefined;
let dynamo: DynamoDbStandIn | undefined;
const clients: Array<{ destroy(): void }> = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all([aws?.close(), proxy?.close(), dynamo?.close()]);
  aws = proxy = dynamo = undefined;
});

async function ssmStandIn(): Promise<SSMClient[]> {
  aws = await startFakeAws();
  proxy = await startAwsFaultProxy(aws.url);
  const made = [0, 1].map(() => new SSMClient({ endpoint: proxy!.url, region: 'eu-west-1', credentials: FAKE_AWS_CREDENTIALS, maxAttempts: 1 }));
  clients.push(...made);
  return made;
}

describe('a lease on SSM (create-only, then takeover with read-back)', () => {
  it('admits two holders when two containers take over an expired lease and their writes interleave', async () => {
    const [a, b] = await ssmStandIn();
    aws!.parameters.set(LEASE, JSON.stringify({ holder: 'crashed', until: 1_000 }));
    // A's overwrite waits until B has read the expired lease; B's overwrite waits until A has read its own back.
    const overwrites = new Gate((call) => call.operation === 'PutParameter' && call.body.Overwrite === true);
    overwrites.install(proxy!);
    const contestA = ssmAcquire(a!, 'container-a', 10_000, 5_000);
    const contestB = ssmAcquire(b!, 'container-b', 10_000, 5_000);
    await overwrites.held(2); // both read the expired lease and decided to take it over
    overwrites.release('container-a');
    const wonA = await contestA; // A overwrote and read its own lease back
    overwrites.release('container-b');
    const wonB = await contestB; // B overwrote after A's read-back, and read its own back
    expect([wonA, wonB]).toEqual([true, true]);
  });

  it("lets a holder whose lease ran out release the lease another container took over", async () => {
    const [a, b] = await ssmStandIn();
    expect(await ssmAcquire(a!, 'container-a', 1_000, 1_000)).toBe(true);
    expect(await ssmAcquire(b!, 'container-b', 10_000, 5_000)).toBe(true); // A's lease had run out
    await ssmRelease(a!, 'container-a'); // A finishes late and "releases"
    expect(JSON.parse(aws!.parameters.get(LEASE)!)).toEqual({ holder: 'container-a', until: 0 });
    // C now takes the lease B still needs: a third login in flight.
    expect(await ssmAcquire(a!, 'container-c', 10_000, 6_000)).toBe(true);
  });
});

describe('the same contests on the DynamoDB coordinator', () => {
  it('admits one of two containers taking over an expired lease, however their calls interleave', async () => {
    dynamo = await startDynamoDb();
    const [a, b] = [0, 1].map(() => new DynamoDbLoginCoordinator(dynamo!.client({ maxAttempts: 1 }), { tableName: COORDINATION_TABLE }));
    const request = (holder: string, now: number, ttl: number) => ({ account: 'race', holder, now, until: now + ttl, secretVersion: 'v1' });
    expect((await a!.acquire(request('crashed', 0, 1_000))).granted).toBe(true);
    // Hold both takeovers at the proxy until both have arrived, then let them through together.
    const takeovers = new Gate((call) => call.operation === 'UpdateItem');
    takeovers.install(dynamo.proxy);
    const contestA = a!.acquire(request('container-a', 5_000, 10_000));
    const contestB = b!.acquire(request('container-b', 5_000, 10_000));
    await takeovers.held(2);
    dynamo.proxy.decide = () => ({ kind: 'forward' });
    takeovers.release('container-b');
    takeovers.release('container-a');
    const answers = await Promise.all([contestA, contestB]);
    expect(answers.map((answer) => answer.granted).sort()).toEqual([false, true]);
  });

  it('leaves a lease another container took over in place when the late holder releases', async () => {
    dynamo = await startDynamoDb();
    const coordinator = new DynamoDbLoginCoordinator(dynamo.client({ maxAttempts: 1 }), { tableName: COORDINATION_TABLE });
    const request = (holder: string, now: number, ttl: number) => ({ account: 'late', holder, now, until: now + ttl, secretVersion: 'v1' });
    expect((await coordinator.acquire(request('container-a', 1_000, 1_000))).granted).toBe(true);
    expect((await coordinator.acquire(request('container-b', 5_000, 10_000))).granted).toBe(true);
    await coordinator.release('late', 'container-a', { kind: 'success' }, 5_500);
    expect(await coordinator.read('late')).toEqual({ lease: { holder: 'container-b', until: 15_000 } });
    expect((await coordinator.acquire(request('container-c', 6_000, 10_000))).granted).toBe(false);
  });
});

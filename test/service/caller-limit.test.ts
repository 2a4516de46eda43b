import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_CALLERS } from '../../lambda/domain/config/settings.js';
import type { Target } from '../../lambda/domain/config/schema.js';
import { parseServiceConfig } from '../../lambda/domain/config/parse-config.js';
import { TooManyCallersError } from '../../lambda/domain/errors.js';
import type { CallerAdmission } from '../../lambda/domain/ports.js';
import { CallerLimit } from '../../lambda/service/caller-limit.js';
import { slotFor, type Slot } from '../../lambda/service/slot.js';
import { CapturingLog, CountingMetrics, FakeClock, FakeCoordinator } from './fakes.js';

const MINUTE = 60_000;
const config = parseServiceConfig(
  {
    targets: [
      { name: 'pair', url: 'https://gis.example.com/portal', client: 'caller-ip', maxCallers: 2, expirationMinutes: 30, secretId: 'arcgis/pair' },
      { name: 'crowd', url: 'https://gis.example.com/portal', client: 'caller-ip', secretId: 'arcgis/crowd' },
    ],
  },
  'test',
);
const target = (name: string): Target => config.targets.find((t) => t.name === name)!;
const pair = target('pair');
const crowd = target('crowd');

/** The coordinator fake, also recording what each admission asked and the time it was given. */
class RecordingCoordinator extends FakeCoordinator {
  admissions: Array<{ admission: CallerAdmission; timeoutMs: number | undefined }> = [];
  override async admitCaller(admission: CallerAdmission, timeoutMs?: number): Promise<boolean> {
    this.admissions.push({ admission, timeoutMs });
    return super.admitCaller(admission);
  }
}

const callerSlot = (t: Target, ip: string): Slot & { caller: string } => {
  const slot = slotFor(t, ip);
  return { ...slot, caller: slot.caller! };
};

const tooMany = (name: string, max: number) =>
  `Target "${name}" binds a token to each caller (client caller-ip) and already serves ${max} distinct callers (maxCallers; an IPv6 caller counts by its /64). Retry later, raise maxCallers, or give these callers a referer-bound target.`;

let clock: FakeClock;
let coordinator: RecordingCoordinator;
let log: CapturingLog;
let metrics: CountingMetrics;
let limit: CallerLimit;
let deadline: number;

beforeEach(() => {
  clock = new FakeClock();
  coordinator = new RecordingCoordinator();
  log = new CapturingLog();
  metrics = new CountingMetrics();
  limit = new CallerLimit({ coordinator, log, metrics, now: clock.now });
  deadline = clock.time + 25_000;
});

describe('CallerLimit.admit', () => {
  it('admits the maxCallers-th caller and refuses the next one with a TooManyCallersError naming the target, the cap and the fixes', async () => {
    await limit.admit(callerSlot(pair, '198.51.100.1'), deadline);
    await limit.admit(callerSlot(pair, '198.51.100.2'), deadline);
    const refused = limit.admit(callerSlot(pair, '198.51.100.3'), deadline);
    await expect(refused).rejects.toBeInstanceOf(TooManyCallersError);
    await expect(refused).rejects.toThrow(tooMany('pair', 2));
    expect(metrics.counts).toEqual([]);
    expect(log.lines).toEqual([]);
  });

  it('keeps admitting a caller it already serves when the cap is reached', async () => {
    await limit.admit(callerSlot(pair, '198.51.100.1'), deadline);
    await limit.admit(callerSlot(pair, '198.51.100.2'), deadline);
    await expect(limit.admit(callerSlot(pair, '198.51.100.1'), deadline)).resolves.toBeUndefined();
  });

  it('counts the IPv6 callers of one /64 as one caller, and another /64 as another', async () => {
    await limit.admit(callerSlot(pair, '2001:db8:1:2::1'), deadline);
    await limit.admit(callerSlot(pair, '2001:db8:1:2::ffff'), deadline);
    await limit.admit(callerSlot(pair, '2001:db8:1:3::1'), deadline);
    await expect(limit.admit(callerSlot(pair, '2001:db8:1:4::1'), deadline)).rejects.toThrow(tooMany('pair', 2));
  });

  it('counts an IPv4 caller seen as ::ffff: as the same caller', async () => {
    await limit.admit(callerSlot(pair, '198.51.100.1'), deadline);
    await limit.admit(callerSlot(pair, '::ffff:198.51.100.1'), deadline);
    await limit.admit(callerSlot(pair, '198.51.100.2'), deadline);
    expect(coordinator.admissions.map((a) => a.admission.caller)).toEqual(['198.51.100.1', '198.51.100.1', '198.51.100.2']);
  });

  it(`caps a target without maxCallers at ${DEFAULT_MAX_CALLERS}: the ${DEFAULT_MAX_CALLERS}th caller in, the next out`, async () => {
    expect(DEFAULT_MAX_CALLERS).toBe(100);
    for (let i = 1; i <= 100; i++) await limit.admit(callerSlot(crowd, `198.51.100.${i}`), deadline);
    await expect(limit.admit(callerSlot(crowd, '198.51.100.101'), deadline)).rejects.toThrow(tooMany('crowd', 100));
  });

  it('asks the coordinator for the target, the caller, a token lifetime and the cap, within the time left', async () => {
    clock.advance(1234);
    await limit.admit(callerSlot(pair, '198.51.100.1'), deadline);
    expect(coordinator.admissions).toEqual([
      { admission: { scope: 'pair', caller: '198.51.100.1', now: clock.time, until: clock.time + 30 * MINUTE, max: 2 }, timeoutMs: 25_000 - 1234 },
    ]);
  });

  it('gives the coordinator at least 1 ms when the deadline has passed', async () => {
    await limit.admit(callerSlot(pair, '198.51.100.1'), clock.time - 5_000);
    expect(coordinator.admissions[0]!.timeoutMs).toBe(1);
  });

  it('frees an admission when the caller\'s token lifetime (expirationMinutes) ends, not a millisecond earlier', async () => {
    await limit.admit(callerSlot(pair, '198.51.100.1'), deadline);
    await limit.admit(callerSlot(pair, '198.51.100.2'), deadline);
    clock.advance(30 * MINUTE - 1);
    await expect(limit.admit(callerSlot(pair, '198.51.100.3'), clock.time + 25_000)).rejects.toThrow(TooManyCallersError);
    clock.advance(1);
    await expect(limit.admit(callerSlot(pair, '198.51.100.3'), clock.time + 25_000)).resolves.toBeUndefined();
  });

  describe('when the coordinator cannot be reached', () => {
    beforeEach(() => {
      coordinator.fail = new Error('DynamoDB: connect ETIMEDOUT');
    });

    it('counts a store fault, warns, and admits the caller from this container\'s own count', async () => {
      await expect(limit.admit(callerSlot(pair, '198.51.100.1'), deadline)).resolves.toBeUndefined();
      expect(metrics.counts).toEqual([{ name: 'StoreFaults', target: 'pair' }]);
      expect(log.lines).toEqual([
        {
          level: 'warn',
          message: 'login coordinator: caller admission failed; counting callers in this container only',
          fields: { target: 'pair', error: 'Error: DynamoDB: connect ETIMEDOUT' },
        },
      ]);
    });

    it('still holds maxCallers in this container, one store fault per failed admission', async () => {
      await limit.admit(callerSlot(pair, '198.51.100.1'), deadline);
      await limit.admit(callerSlot(pair, '198.51.100.2'), deadline);
      await expect(limit.admit(callerSlot(pair, '198.51.100.3'), deadline)).rejects.toThrow(tooMany('pair', 2));
      expect(metrics.total('StoreFaults')).toBe(3);
      expect(log.lines.map((l) => l.level)).toEqual(['warn', 'warn', 'warn']);
    });

    it('starts its own count empty: callers the coordinator admitted before it failed are not in it', async () => {
      coordinator.fail = undefined;
      await limit.admit(callerSlot(pair, '198.51.100.1'), deadline);
      await limit.admit(callerSlot(pair, '198.51.100.2'), deadline);
      coordinator.fail = new Error('DynamoDB: connect ETIMEDOUT');
      await limit.admit(callerSlot(pair, '198.51.100.3'), deadline);
      await limit.admit(callerSlot(pair, '198.51.100.4'), deadline);
      await expect(limit.admit(callerSlot(pair, '198.51.100.5'), deadline)).rejects.toThrow(TooManyCallersError);
      // Back again, the coordinator's own count decides: it still holds .1 and .2.
      coordinator.fail = undefined;
      await expect(limit.admit(callerSlot(pair, '198.51.100.3'), deadline)).rejects.toThrow(TooManyCallersError);
      await expect(limit.admit(callerSlot(pair, '198.51.100.1'), deadline)).resolves.toBeUndefined();
    });
  });
});

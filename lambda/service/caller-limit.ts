// A caller-ip target mints a token (and a login, and a parameter) per caller, so the number of
// callers it serves at once is capped (maxCallers): fleet-wide through the login coordinator, and
// per container when the coordinator cannot be reached (the cap then holds in each container).
import { DEFAULT_MAX_CALLERS } from '../domain/config/settings.js';
import { TooManyCallersError, describeError } from '../domain/errors.js';
import { METRIC } from '../domain/metric-names.js';
import type { Log, LoginCoordinator, Metrics } from '../domain/ports.js';
import { MemoryLoginCoordinator } from './memory-login-coordinator.js';
import type { Slot } from './slot.js';

export interface CallerLimitDeps {
  coordinator: LoginCoordinator;
  log: Log;
  metrics: Metrics;
  now: () => number;
}

export class CallerLimit {
  /** Admissions when the coordinator cannot be reached: counted in this container only. */
  private readonly local = new MemoryLoginCoordinator();

  constructor(private readonly deps: CallerLimitDeps) {}

  /** Resolves when the slot's caller may be served; throws TooManyCallersError when maxCallers others are. */
  async admit(slot: Slot & { caller: string }, deadline: number): Promise<void> {
    const { target } = slot;
    const { now, log, metrics } = this.deps;
    const max = target.maxCallers ?? DEFAULT_MAX_CALLERS;
    const admission = { scope: target.name, caller: slot.caller, now: now(), until: now() + target.expirationMinutes * 60_000, max };
    let admitted: boolean;
    try {
      admitted = await this.deps.coordinator.admitCaller(admission, Math.max(1, deadline - now()));
    } catch (error) {
      metrics.count(METRIC.storeFaults, target.name);
      log.warn('login coordinator: caller admission failed; counting callers in this container only', { target: target.name, error: describeError(error) });
      admitted = await this.local.admitCaller(admission);
    }
    if (!admitted) {
      throw new TooManyCallersError(
        `Target "${target.name}" binds a token to each caller (client caller-ip) and already serves ${max} distinct callers (maxCallers; an IPv6 caller counts by its /64). Retry later, raise maxCallers, or give these callers a referer-bound target.`,
      );
    }
  }
}

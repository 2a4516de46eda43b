// The EventBridge schedule: refresh every target whose token would not stay servable until the next
// run. Targets are refreshed independently; when any fails the invocation fails, so Lambda's
// Errors metric (and any alarm on it) sees it.
import { NO_METRICS, type Log, type Metrics } from '../domain/ports.js';
import { METRIC } from '../domain/metric-names.js';
import type { TokenService } from '../service/token-service.js';
import { ScheduledRefreshError, describeError } from '../domain/errors.js';

export interface ScheduleSummary {
  fresh: string[];
  refreshed: string[];
  /** caller-ip targets: their tokens are made per caller, on request. */
  'on-demand': string[];
}

export function createScheduleHandler(deps: { service: TokenService; log: Log; metrics?: Metrics }): () => Promise<ScheduleSummary> {
  const metrics = deps.metrics ?? NO_METRICS;
  return async () => {
    const intervalMs = deps.service.config.scheduleIntervalMinutes * 60_000;
    const names = deps.service.config.targets.map((t) => t.name);
    const outcomes = await Promise.allSettled(names.map((name) => deps.service.refreshIfDue(name, intervalMs)));

    const summary: ScheduleSummary = { fresh: [], refreshed: [], 'on-demand': [] };
    const failures: Array<{ target: string; error: Error }> = [];
    outcomes.forEach((outcome, index) => {
      const target = names[index]!;
      if (outcome.status === 'fulfilled') {
        summary[outcome.value].push(target);
        metrics.count(METRIC.refreshSucceeded, target);
      } else {
        metrics.count(METRIC.refreshFailed, target);
        const error = outcome.reason instanceof Error ? outcome.reason : new Error(String(outcome.reason));
        failures.push({ target, error });
        deps.log.error('scheduled refresh failed', { target, error: describeError(error) });
      }
    });
    deps.log.info('scheduled refresh done', { ...summary, failed: failures.map((f) => f.target) });
    if (failures.length > 0) throw new ScheduledRefreshError(failures);
    return summary;
  };
}

export function isScheduledEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as { source?: unknown }).source === 'aws.events' && (event as { 'detail-type'?: unknown })['detail-type'] === 'Scheduled Event';
}

// Adapts Powertools Metrics (EMF) to the core's Metrics port. Counts are summed in memory and
// published as one EMF record per dimension set (Target, plus ArcGisCode for errors): per request
// that would be ~500 bytes of log output and a synchronous write, which measured as 30x the cost of
// serving a cached token (bench/warm-hit). The entry point publishes at the end of an invocation
// when the last publish is a minute old, and always after a scheduled run, whose counts feed alarms.
import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Metrics } from '../domain/ports.js';
import type { MetricName } from '../domain/metric-names.js';
import { METRICS_NAMESPACE, TARGET_DIMENSION } from '../domain/metric-names.js';
import { SERVICE_NAME } from './powertools-log.js';

export const METRICS_FLUSH_INTERVAL_MS = 60_000;

export interface BufferedMetrics extends Metrics {
  /** Publishes the buffered counts when forced or when the last publish is older than the interval. */
  flush(options?: { force?: boolean }): void;
}

export function createPowertoolsMetrics(now: () => number = Date.now): BufferedMetrics {
  const groups = new Map<string, { dimensions: Record<string, string>; counts: Map<MetricName, number> }>();
  let lastFlush = now();
  return {
    count(name, target, dimensions = {}) {
      const extra = Object.entries(dimensions);
      const key = extra.length === 0 ? target : `${target}\u0000${extra.map(([k, v]) => `${k}=${v}`).join('\u0000')}`;
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = { dimensions: { [TARGET_DIMENSION]: target, ...dimensions }, counts: new Map() }));
      group.counts.set(name, (group.counts.get(name) ?? 0) + 1);
    },
    flush({ force = false } = {}) {
      if (groups.size === 0 || (!force && now() - lastFlush < METRICS_FLUSH_INTERVAL_MS)) return;
      for (const { dimensions, counts } of groups.values()) {
        const record = new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
        record.addDimensions(dimensions);
        for (const [name, value] of counts) record.addMetric(name, MetricUnit.Count, value);
        record.publishStoredMetrics();
      }
      groups.clear();
      lastFlush = now();
    },
  };
}

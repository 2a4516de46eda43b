// Adapts Powertools Metrics to the core's Metrics port. Each count is published at once as its own
// EMF record with its own dimensions (Target, and ArcGisCode for errors), because one Powertools
// flush can carry only one dimension set and the counts here differ by target.
import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Metrics } from '../core/ports.js';
import { METRICS_NAMESPACE, TARGET_DIMENSION } from '../observability/metric-names.js';
import { SERVICE_NAME } from './powertools-log.js';

export function createPowertoolsMetrics(metrics = new PowertoolsMetrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME })): Metrics {
  return {
    count(name, target, dimensions = {}) {
      const single = metrics.singleMetric();
      single.addDimension(TARGET_DIMENSION, target);
      for (const [key, value] of Object.entries(dimensions)) single.addDimension(key, value);
      single.addMetric(name, MetricUnit.Count, 1);
    },
  };
}

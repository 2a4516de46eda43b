// One CloudWatch dashboard: what the service does (tokens served, cache hits, logins, failed
// logins, stale answers) from the function's own EMF metrics, per target, beside the front door's
// latency and errors.
import { Duration } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, MathExpression, Metric, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { ServiceConfig } from '../lambda/domain/config/schema.js';
import { ARCGIS_CODE_DIMENSION, METRIC, METRICS_NAMESPACE, SERVICE_DIMENSION, SERVICE_NAME, TARGET_DIMENSION, type MetricName } from '../lambda/domain/metric-names.js';
import type { FrontDoor } from './front-doors.js';

const PERIOD = Duration.minutes(5);

export function createDashboard(scope: Construct, options: { fn: IFunction; config: ServiceConfig; frontDoor: FrontDoor }): Dashboard {
  const { fn, config, frontDoor } = options;
  const perTarget = (metricName: MetricName): Metric[] =>
    config.targets.map(
      (target) =>
        new Metric({
          namespace: METRICS_NAMESPACE,
          metricName,
          dimensionsMap: { [SERVICE_DIMENSION]: SERVICE_NAME, [TARGET_DIMENSION]: target.name },
          statistic: 'Sum',
          period: PERIOD,
          label: target.name,
        }),
    );
  // ArcGisErrors also carries ArcGIS's error code: one line per target and code.
  const failedLogins = config.targets.map(
    (target) =>
      new MathExpression({
        expression: `SEARCH('{${METRICS_NAMESPACE},${SERVICE_DIMENSION},${TARGET_DIMENSION},${ARCGIS_CODE_DIMENSION}} MetricName="${METRIC.arcgisErrors}" ${SERVICE_DIMENSION}="${SERVICE_NAME}" ${TARGET_DIMENSION}="${target.name}"', 'Sum', ${PERIOD.toSeconds()})`,
        usingMetrics: {},
        period: PERIOD,
        // A dynamic label: each line found is named by its own error code.
        label: `${target.name}: ArcGIS code \${PROP('Dim.${ARCGIS_CODE_DIMENSION}')}`,
      }),
  );
  const graph = (title: string, left: IMetric[], leftLabel = 'count') => new GraphWidget({ title, left, width: 8, height: 6, leftYAxis: { label: leftLabel, showUnits: false, min: 0 } });
  return new Dashboard(scope, 'Dashboard', {
    defaultInterval: Duration.hours(3),
    widgets: [
      [
        graph('Tokens served', perTarget(METRIC.tokensServed)),
        graph('Cache hits (no login)', perTarget(METRIC.cacheHits)),
        graph('ArcGIS logins', perTarget(METRIC.tokensGenerated)),
      ],
      [
        graph('Failed logins (by ArcGIS error code)', failedLogins),
        graph('Stale tokens served (a refresh failed)', perTarget(METRIC.staleServed)),
        graph('Logins paused after rejected credentials', perTarget(METRIC.loginsPaused)),
      ],
      [
        graph(
          `Latency (${frontDoor.endpoint} front door p99, function p99)`,
          [frontDoor.latencyP99.with({ label: 'answer p99' }), fn.metricDuration({ statistic: 'p99', period: PERIOD, label: 'function p99' })],
          'ms',
        ),
        graph('Errors', [
          frontDoor.serverErrors.with({ label: '5xx answers' }),
          fn.metricErrors({ statistic: 'Sum', period: PERIOD, label: 'function errors' }),
          fn.metricThrottles({ statistic: 'Sum', period: PERIOD, label: 'throttled' }),
          ...perTarget(METRIC.refreshFailed).map((m, i) => m.with({ label: `refresh failed: ${config.targets[i]!.name}` })),
        ]),
        graph('Requests and store faults', [frontDoor.requests.with({ label: 'requests' }), ...perTarget(METRIC.storeFaults).map((m, i) => m.with({ label: `store faults: ${config.targets[i]!.name}` }))]),
      ],
    ],
  });
}

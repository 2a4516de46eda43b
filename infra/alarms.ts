// The alarms an operator needs, and the optional topic they notify: function errors, the front
// door's 5xx answers and p99 latency, throttled invocations, scheduled runs that never ran, and
// per target a failed refresh and a token left unrefreshed for its whole lifetime.
import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Rule } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { ServiceConfig } from '../lambda/domain/config/schema.js';
import { METRIC, METRICS_NAMESPACE, SERVICE_DIMENSION, SERVICE_NAME, TARGET_DIMENSION } from '../lambda/domain/metric-names.js';
import type { FrontDoor } from './front-doors.js';

/**
 * A cached token is answered in milliseconds and a cold start with a store read in well under a
 * second; a p99 above this means callers waited for ArcGIS logins (the schedule is not keeping
 * tokens fresh) or ArcGIS is slow (the request timeout defaults to 10 s).
 */
export const LATENCY_ALARM_P99_MS = 5_000;

const FIVE_MINUTES = Duration.minutes(5);

export interface Alarms {
  readonly functionErrors: Alarm;
  readonly serverErrors: Alarm;
  readonly latency: Alarm;
  readonly throttles: Alarm;
  readonly scheduleMissed: Alarm;
  readonly refreshFailed: Record<string, Alarm>;
  readonly noRefresh: Record<string, Alarm>;
  /** Every alarm above. */
  readonly all: Alarm[];
}

export function createAlarmTopic(scope: Construct, email: string): Topic {
  const topic = new Topic(scope, 'AlarmTopic', { displayName: 'arcgis-token-vending alarms', enforceSSL: true });
  topic.addSubscription(new EmailSubscription(email));
  // Replacing the default topic policy (enforceSSL does) drops its owner-account allow: let
  // CloudWatch alarms of this account publish explicitly. The topic is not KMS-encrypted:
  // CloudWatch cannot publish to a topic under the AWS-managed aws/sns key, and notifications
  // carry only alarm names and states. Give alarmTopic for an encrypted topic of your own.
  topic.addToResourcePolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
    }),
  );
  return topic;
}

/** At least one event in five minutes. */
function anyIn(scope: Construct, id: string, metric: IMetric, alarmDescription: string): Alarm {
  return new Alarm(scope, id, {
    alarmDescription,
    metric,
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
}

export function createAlarms(
  scope: Construct,
  options: { fn: IFunction; config: ServiceConfig; frontDoor: FrontDoor; rule: Rule; topic?: ITopic | undefined },
): Alarms {
  const { fn, config, frontDoor, rule } = options;
  const functionErrors = anyIn(
    scope,
    'FunctionErrorsAlarm',
    fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
    'The arcgis-token-vending function failed an invocation: a failed scheduled refresh or a crash. Its log group names the target and the cause.',
  );
  const serverErrors = anyIn(
    scope,
    'ServerErrorsAlarm',
    frontDoor.serverErrors,
    `A caller got a 5xx answer and no token (${frontDoor.endpoint} front door): ArcGIS refused or did not answer (502, 504), logins are paused after rejected credentials (503), or the deployment is misconfigured (500). The answer's problem type and the function log name the cause.`,
  );
  const latency = new Alarm(scope, 'LatencyAlarm', {
    alarmDescription: `The p99 time to answer a token request exceeded ${LATENCY_ALARM_P99_MS} ms over 5 minutes (${frontDoor.endpoint} front door): callers waited for ArcGIS logins, so check the refresh alarms and ArcGIS's response times.`,
    metric: frontDoor.latencyP99,
    threshold: LATENCY_ALARM_P99_MS,
    evaluationPeriods: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  const throttles = anyIn(
    scope,
    'ThrottlesAlarm',
    fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
    "Lambda throttled the function: more requests ran at once than its reserved concurrency allows, and those callers got an error instead of a token. Raise reservedConcurrency if the traffic is expected. API Gateway's own stage throttle answers 429 and counts them in its 4xx metric, not here.",
  );
  // With no retries, a scheduled run that failed or could not start is dropped (AsyncEventsDropped);
  // one EventBridge could not deliver counts as FailedInvocations.
  const dropped = new Metric({ namespace: 'AWS/Lambda', metricName: 'AsyncEventsDropped', dimensionsMap: { FunctionName: fn.functionName }, statistic: 'Sum', period: FIVE_MINUTES });
  const undelivered = new Metric({ namespace: 'AWS/Events', metricName: 'FailedInvocations', dimensionsMap: { RuleName: rule.ruleName }, statistic: 'Sum', period: FIVE_MINUTES });
  const scheduleMissed = anyIn(
    scope,
    'ScheduleMissedAlarm',
    new MathExpression({ expression: 'FILL(dropped, 0) + FILL(undelivered, 0)', usingMetrics: { dropped, undelivered }, period: FIVE_MINUTES, label: 'Scheduled runs failed or never run' }),
    'A scheduled refresh failed or never ran: it is not retried (the next run is the retry). The function log says why a run failed; a run that could not start was throttled by reserved concurrency or not delivered by EventBridge.',
  );

  const refreshFailed: Record<string, Alarm> = {};
  const noRefresh: Record<string, Alarm> = {};
  const interval = config.scheduleIntervalMinutes;
  for (const target of config.targets) {
    const dimensionsMap = { [SERVICE_DIMENSION]: SERVICE_NAME, [TARGET_DIMENSION]: target.name };
    refreshFailed[target.name] = anyIn(
      scope,
      `RefreshFailedAlarm-${target.name}`,
      new Metric({ namespace: METRICS_NAMESPACE, metricName: METRIC.refreshFailed, dimensionsMap, statistic: 'Sum', period: Duration.minutes(interval) }),
      `A scheduled refresh of target "${target.name}" failed (metric ${METRIC.refreshFailed}). The function log says why; callers may wait for logins until it recovers.`,
    );
    const period = noRefreshPeriodSeconds(target.expirationMinutes);
    noRefresh[target.name] = new Alarm(scope, `NoRefreshAlarm-${target.name}`, {
      alarmDescription: `No successful scheduled refresh of target "${target.name}" for ${period} s (its tokens live ${target.expirationMinutes} min): the cached token may have expired. Check the ${METRIC.refreshFailed} alarm, the function log and the secret.`,
      metric: new Metric({ namespace: METRICS_NAMESPACE, metricName: METRIC.refreshSucceeded, dimensionsMap, statistic: 'Sum', period: Duration.seconds(period) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      // No data means no successful run at all: that is the failure this alarm exists for.
      treatMissingData: TreatMissingData.BREACHING,
    });
  }
  const all = [functionErrors, serverErrors, latency, throttles, scheduleMissed, ...Object.values(refreshFailed), ...Object.values(noRefresh)];
  if (options.topic !== undefined) {
    const action = new SnsAction(options.topic);
    for (const alarm of all) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }
  return { functionErrors, serverErrors, latency, throttles, scheduleMissed, refreshFailed, noRefresh, all };
}

/**
 * The "no successful refresh" window is the token's lifetime, within what a CloudWatch alarm
 * period allows: at least 60 s, at most one day.
 */
export function noRefreshPeriodSeconds(expirationMinutes: number): number {
  return Math.min(86_400, Math.max(60, expirationMinutes * 60));
}

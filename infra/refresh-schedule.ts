// The EventBridge rule that keeps cached tokens fresh. A run that fails is not retried: the next
// run is the retry, minutes later, and a retry of a login ArcGIS just refused would only count
// another failed login against the account. Missed and failed runs are alarmed (infra/alarms.ts).
import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';

/** How long a scheduled run may wait for a free execution (reserved concurrency): until the next run. */
export function scheduledEventMaxAge(intervalMinutes: number): Duration {
  // Lambda accepts 60 s to 6 h for an asynchronous event's age.
  return Duration.seconds(Math.min(21_600, Math.max(60, intervalMinutes * 60)));
}

export function createRefreshSchedule(scope: Construct, fn: IFunction, intervalMinutes: number): Rule {
  const maxEventAge = scheduledEventMaxAge(intervalMinutes);
  // Lambda's own retries of a failed asynchronous invocation (two by default), and how long an
  // event that cannot run yet (throttled) is kept.
  fn.configureAsyncInvoke({ retryAttempts: 0, maxEventAge });
  return new Rule(scope, 'RefreshSchedule', {
    description: `Refreshes cached ArcGIS tokens every ${intervalMinutes} minutes`,
    schedule: Schedule.rate(Duration.minutes(intervalMinutes)),
    // EventBridge's own retries when the Invoke call itself fails (185 over 24 h by default).
    targets: [new LambdaFunction(fn, { retryAttempts: 0, maxEventAge })],
  });
}

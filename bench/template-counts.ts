// What the synthesized template deploys that the cost model bills by the unit: the metrics its
// alarms read (CloudWatch prices an alarm per metric, so a metric-math alarm counts each metric it
// reads) and its dashboards. Read from the template `cdk synth` wrote, as
// test/infra/cost-table.test.ts reads it for docs/deployment.md's table.
import { readFileSync } from 'node:fs';

interface Resource {
  Type: string;
  Properties?: { Metrics?: Array<{ MetricStat?: unknown }> };
}

export function templateCounts(templatePath: string): { alarmMetrics: number; dashboards: number } {
  const resources = Object.values((JSON.parse(readFileSync(templatePath, 'utf8')) as { Resources: Record<string, Resource> }).Resources);
  const alarms = resources.filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
  return {
    alarmMetrics: alarms.reduce((sum, a) => sum + (a.Properties?.Metrics === undefined ? 1 : a.Properties.Metrics.filter((m) => m.MetricStat !== undefined).length), 0),
    dashboards: resources.filter((r) => r.Type === 'AWS::CloudWatch::Dashboard').length,
  };
}

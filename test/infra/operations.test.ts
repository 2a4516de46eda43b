// What an operator is told: alarms on each front door's own 5xx and latency metrics, on throttled
// invocations and on scheduled runs that failed or never ran, all notifying one topic; and a
// dashboard of the service's own metrics.
import { describe, expect, it } from 'vitest';
import { LATENCY_ALARM_P99_MS, type Endpoint } from '../../infra/token-vending-machine.js';
import { METRIC } from '../../lambda/domain/metric-names.js';
import { EXAMPLE_CONFIG, logicalId, only, synthStack } from './synth.js';

function alarm(overrides: Parameters<typeof synthStack>[0], id: string) {
  const { stack, template } = synthStack(overrides);
  const machine = stack.machine as unknown as Record<string, { node: { defaultChild?: unknown } }>;
  const alarms = template.findResources('AWS::CloudWatch::Alarm');
  return { stack, template, properties: alarms[logicalId(stack, machine[id]!)]!.Properties as Record<string, any> };
}

const pick = (p: Record<string, any>) => [p.Namespace, p.MetricName, p.Dimensions, p.ExtendedStatistic ?? p.Statistic, p.Period, p.Threshold, p.ComparisonOperator, p.TreatMissingData];

describe('front door alarms', () => {
  it.each<[Endpoint, (ids: { api: string; stage: string; fn: string }) => unknown[], (ids: { api: string; stage: string; fn: string }) => unknown[]]>([
    [
      'http',
      ({ api }) => ['AWS/ApiGateway', '5xx', [{ Name: 'ApiId', Value: { Ref: api } }, { Name: 'Stage', Value: 'v1' }], 'Sum', 300, 1, 'GreaterThanOrEqualToThreshold', 'notBreaching'],
      ({ api }) => ['AWS/ApiGateway', 'Latency', [{ Name: 'ApiId', Value: { Ref: api } }, { Name: 'Stage', Value: 'v1' }], 'p99', 300, LATENCY_ALARM_P99_MS, 'GreaterThanThreshold', 'notBreaching'],
    ],
    [
      'rest',
      ({ api, stage }) => ['AWS/ApiGateway', '5XXError', [{ Name: 'ApiName', Value: api }, { Name: 'Stage', Value: { Ref: stage } }], 'Sum', 300, 1, 'GreaterThanOrEqualToThreshold', 'notBreaching'],
      ({ api, stage }) => ['AWS/ApiGateway', 'Latency', [{ Name: 'ApiName', Value: api }, { Name: 'Stage', Value: { Ref: stage } }], 'p99', 300, LATENCY_ALARM_P99_MS, 'GreaterThanThreshold', 'notBreaching'],
    ],
    [
      'function-url',
      ({ fn }) => ['AWS/Lambda', 'Url5xxCount', [{ Name: 'FunctionName', Value: { Ref: fn } }], 'Sum', 300, 1, 'GreaterThanOrEqualToThreshold', 'notBreaching'],
      ({ fn }) => ['AWS/Lambda', 'UrlRequestLatency', [{ Name: 'FunctionName', Value: { Ref: fn } }], 'p99', 300, LATENCY_ALARM_P99_MS, 'GreaterThanThreshold', 'notBreaching'],
    ],
  ])('%s: alarms on any 5xx answer and on a p99 above 5 s, from its own metrics', (endpoint, serverErrors, latency) => {
    const { stack, template } = synthStack({ endpoint });
    const m = stack.machine;
    const ids = {
      api: m.restApi !== undefined ? m.restApi.restApiName : m.httpApi !== undefined ? logicalId(stack, m.httpApi) : '',
      stage: m.restApi !== undefined ? logicalId(stack, m.restApi.deploymentStage) : '',
      fn: logicalId(stack, m.fn),
    };
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    expect(pick(alarms[logicalId(stack, m.serverErrorsAlarm)]!.Properties)).toEqual(serverErrors(ids));
    expect(pick(alarms[logicalId(stack, m.latencyAlarm)]!.Properties)).toEqual(latency(ids));
  });

  it('names each REST API uniquely, so two deployments in one account never share its metrics', () => {
    const { stack } = synthStack({ endpoint: 'rest' });
    expect(stack.machine.restApi!.restApiName).toMatch(/^TestStack-TokenVending-[0-9A-F]{8}$/);
  });

  it('alarms on any invocation Lambda throttled (reserved concurrency)', () => {
    const { stack, properties } = alarm({}, 'throttlesAlarm');
    expect(pick(properties)).toEqual(['AWS/Lambda', 'Throttles', [{ Name: 'FunctionName', Value: { Ref: logicalId(stack, stack.machine.fn) } }], 'Sum', 300, 1, 'GreaterThanOrEqualToThreshold', 'notBreaching']);
  });

  it('alarms when a scheduled run was dropped (failed, no retry) or not delivered by EventBridge', () => {
    const { stack, properties } = alarm({}, 'scheduleMissedAlarm');
    expect([properties.Threshold, properties.ComparisonOperator, properties.TreatMissingData, properties.Metrics]).toEqual([
      1,
      'GreaterThanOrEqualToThreshold',
      'notBreaching',
      [
        { Expression: 'FILL(dropped, 0) + FILL(undelivered, 0)', Id: 'expr_1', Label: 'Scheduled runs failed or never run', ReturnData: true },
        {
          Id: 'dropped',
          MetricStat: { Metric: { Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack, stack.machine.fn) } }], MetricName: 'AsyncEventsDropped', Namespace: 'AWS/Lambda' }, Period: 300, Stat: 'Sum' },
          ReturnData: false,
        },
        {
          Id: 'undelivered',
          MetricStat: { Metric: { Dimensions: [{ Name: 'RuleName', Value: { Ref: logicalId(stack, stack.machine.rule) } }], MetricName: 'FailedInvocations', Namespace: 'AWS/Events' }, Period: 300, Stat: 'Sum' },
          ReturnData: false,
        },
      ],
    ]);
  });

  it('lists every alarm, each notifying the alarm topic on alarm and on OK', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:ops';
    const { stack, template } = synthStack({ config: EXAMPLE_CONFIG, alarmTopicArn: topicArn });
    const machine = stack.machine;
    expect(machine.alarms).toEqual([
      machine.functionErrorsAlarm,
      machine.serverErrorsAlarm,
      machine.latencyAlarm,
      machine.throttlesAlarm,
      machine.scheduleMissedAlarm,
      machine.refreshFailedAlarms.online,
      machine.refreshFailedAlarms.enterprise,
      machine.noRefreshAlarms.online,
      machine.noRefreshAlarms.enterprise,
    ]);
    const actions = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => [a.Properties.AlarmActions, a.Properties.OKActions]);
    expect(actions).toEqual(Array(9).fill([[topicArn], [topicArn]]));
  });
});

describe('dashboard', () => {
  function widgets(overrides: Parameters<typeof synthStack>[0] = {}) {
    const { stack, template } = synthStack(overrides);
    const body = only(template, 'AWS::CloudWatch::Dashboard').properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
    // Render the body with each token as a placeholder, to read it as the JSON CloudWatch gets.
    const text = body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : `<${JSON.stringify(part).replace(/"/g, "'")}>`)).join('');
    return { stack, widgets: (JSON.parse(text) as { widgets: Array<{ properties: { title: string; metrics: unknown[][] } }> }).widgets };
  }

  it('graphs tokens served, cache hits, logins, failed logins, stale answers, paused logins, latency, errors and requests', () => {
    expect(widgets().widgets.map((w) => w.properties.title)).toEqual([
      'Tokens served',
      'Cache hits (no login)',
      'ArcGIS logins',
      'Failed logins (by ArcGIS error code)',
      'Stale tokens served (a refresh failed)',
      'Logins paused after rejected credentials',
      'Latency (http front door p99, function p99)',
      'Errors',
      'Requests and store faults',
    ]);
  });

  it("draws one line per target from the function's own EMF metrics, with the dimensions it emits", () => {
    const tokensServed = widgets({ config: EXAMPLE_CONFIG }).widgets[0]!.properties.metrics;
    expect(tokensServed).toEqual([
      ['ArcGisTokenVending', METRIC.tokensServed, 'Target', 'online', 'service', 'arcgis-token-vending', { label: 'online', stat: 'Sum' }],
      ['ArcGisTokenVending', METRIC.tokensServed, 'Target', 'enterprise', 'service', 'arcgis-token-vending', { label: 'enterprise', stat: 'Sum' }],
    ]);
  });

  it('finds failed logins of each target under every ArcGIS error code', () => {
    const failed = widgets().widgets[3]!.properties.metrics;
    expect(failed).toEqual([
      [{ expression: `SEARCH('{ArcGisTokenVending,service,Target,ArcGisCode} MetricName="ArcGisErrors" service="arcgis-token-vending" Target="default"', 'Sum', 300)`, label: "default: ArcGIS code ${PROP('Dim.ArcGisCode')}" }],
    ]);
  });

  it('can be left out', () => {
    const { stack, template } = synthStack({ dashboard: false });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(stack.machine.dashboard).toBeUndefined();
  });
});

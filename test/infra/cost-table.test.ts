// docs/deployment.md's cost table (and the README's, in brief) is the cost model's output (bench/cost-model.ts, the one model
// the benchmark also renders), with inputs measured here from what the construct deploys: the bytes
// of each stage's access log line rendered from its real format, Lambda's own log lines, the alarm
// metrics of the template and the custom metrics a steady month emits. Timings are the benchmark's
// round figures. When a format or an alarm changes, this test fails until the inputs and the table
// are updated.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { frontDoorMonthlyCost, type CostInputs } from '../../bench/cost-model.js';
import { METRIC } from '../../lambda/domain/metric-names.js';
import { ENDPOINTS, type Endpoint } from '../../infra/token-vending-machine.js';
import { REPO_ROOT, only, synthStack } from './synth.js';

/** One target, as docs/benchmarks.md's cost section assumes, with what the template deploys. */
export const COST_INPUTS: CostInputs = {
  memoryMb: 256,
  billedMsPerRequest: 2,
  initMsOneVcpu: 140,
  coldRequestMsOneVcpu: 20,
  scheduleRunMs: 50,
  loginMs: 1000,
  containerHours: 2,
  targets: 1,
  tokenMinutes: 60,
  scheduleMinutes: 15,
  calls: {
    // A cold cached request reads the token alone; the schedule reads it and the secret (the owner
    // check) on every run. Counted by the bench at its stand-ins (test/bench/deployed-calls.test.ts).
    coldStart: { ssmReads: 1, ssmWrites: 0, secretReads: 0, dynamoWrites: 0, dynamoReads: 0 },
    scheduledRun: { ssmReads: 1, ssmWrites: 0, secretReads: 1, dynamoWrites: 0, dynamoReads: 0 },
    // The lease taken (its record read with it) and released by two conditional writes; the token
    // read under the lease, checked before the write and written (lambda/service/login-gate.ts).
    login: { ssmReads: 2, ssmWrites: 1, secretReads: 1, dynamoWrites: 2, dynamoReads: 0 },
  },
  accessLogBytes: { restApi: 312, httpApi: 335 },
  platformLogBytesPerInvocation: 262,
  coldStartLogBytes: 600,
  emfRecordBytes: 700,
  metricsPerTarget: 4,
  alarms: 8,
  dashboards: 1,
  secrets: 1,
  logRetentionMonths: 1,
  stageRateLimit: 100,
};

const RATES = [1, 10, 100] as const;

/** Values an IAM-signed request to GET /token/{target} puts in each access log variable. */
const SAMPLE: Record<string, string> = {
  '$context.requestId': 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  '$context.identity.sourceIp': '198.51.100.7',
  '$context.identity.user': 'AROA3EXAMPLEEXAMPLE12:scheduler',
  '$context.identity.caller': 'AROA3EXAMPLEEXAMPLE12:scheduler',
  '$context.requestTime': '23/Nov/2026:10:00:00 +0000',
  '$context.httpMethod': 'GET',
  '$context.resourcePath': '/token/{target}',
  '$context.routeKey': 'GET /token/{target}',
  '$context.status': '200',
  '$context.protocol': 'HTTP/1.1',
  '$context.responseLength': '450',
  '$context.integrationErrorMessage': '-',
};

function accessLogLineBytes(endpoint: 'rest' | 'http'): number {
  const { template } = synthStack({ endpoint });
  const format: string =
    endpoint === 'rest' ? only(template, 'AWS::ApiGateway::Stage').properties.AccessLogSetting.Format : only(template, 'AWS::ApiGatewayV2::Stage').properties.AccessLogSettings.Format;
  const line = format.replace(/\$context\.[A-Za-z.]+/g, (variable) => {
    const value = SAMPLE[variable];
    if (value === undefined) throw new Error(`no sample value for ${variable}`);
    return value;
  });
  return Buffer.byteLength(`${line}\n`, 'utf8');
}

function usd(n: number): string {
  return n < 10 ? `$${n.toFixed(2)}` : `$${Math.round(n).toLocaleString('en-US')}`;
}

/** The table docs/deployment.md shows, rendered from the model. */
export function costTable(): string {
  const name: Record<Endpoint, string> = { http: '`http` (HTTP API, default)', rest: '`rest` (REST API)', 'function-url': '`function-url` (Function URL)' };
  const rows = ENDPOINTS.map((endpoint) => `| ${name[endpoint]} | ${RATES.map((rps) => usd(frontDoorMonthlyCost(COST_INPUTS, rps, endpoint).total)).join(' | ')} |`);
  const at100 = ENDPOINTS.map((endpoint) => frontDoorMonthlyCost(COST_INPUTS, 100, endpoint));
  const labels: Record<keyof (typeof at100)[number]['items'], string> = {
    frontDoor: 'API Gateway requests',
    accessLogs: 'access logs',
    lambdaRequests: 'Lambda requests',
    lambdaDuration: 'Lambda duration (init billed)',
    functionLogs: "the function's logs (Lambda's own lines included)",
    metrics: 'custom metrics (EMF)',
    alarms: 'alarms',
    dashboards: 'dashboard',
    secretsManager: 'Secrets Manager',
    kms: 'KMS',
    ssm: 'SSM',
    dynamo: 'coordination table',
  };
  const breakdown = (Object.keys(labels) as Array<keyof typeof labels>).map((item) => `| ${labels[item]} | ${at100.map((c) => usd(c.items[item])).join(' | ')} |`);
  return [
    '| front door | 1 req/s | 10 req/s | 100 req/s |',
    '|---|---|---|---|',
    ...rows,
    '',
    'At 100 requests/s, item by item:',
    '',
    `| item | ${ENDPOINTS.map((e) => `\`${e}\``).join(' | ')} |`,
    '|---|---|---|---|',
    ...breakdown,
    `| **total** | ${at100.map((c) => `**${usd(c.total)}**`).join(' | ')} |`,
  ].join('\n');
}

/** What each front door lacks, as the README's table says (docs/deployment.md's feature table in brief). */
const LACKS: Record<Endpoint, string> = {
  http: 'API keys, usage plans, resource policies, private endpoints, WAF',
  rest: 'nothing: it has all of the above',
  'function-url': 'all of the above, and per-target grants, a throttle, an access log',
};

/** The README's table: the same monthly totals, with what each front door lacks. */
export function readmeCostTable(): string {
  const name: Record<Endpoint, string> = { http: '`http` (HTTP API, default)', rest: '`rest` (REST API)', 'function-url': '`function-url` (Function URL)' };
  return [
    '| `endpoint` | 1 req/s | 10 req/s | 100 req/s | what it lacks |',
    '|---|---|---|---|---|',
    ...ENDPOINTS.map((endpoint) => `| ${name[endpoint]} | ${RATES.map((rps) => usd(frontDoorMonthlyCost(COST_INPUTS, rps, endpoint).total)).join(' | ')} | ${LACKS[endpoint]} |`),
  ].join('\n');
}

describe('the cost inputs are what the construct deploys', () => {
  it.each(['rest', 'http'] as const)('%s: one access log line, rendered from the stage format, is the bytes the model counts', (endpoint) => {
    expect(accessLogLineBytes(endpoint)).toBe(COST_INPUTS.accessLogBytes[endpoint === 'rest' ? 'restApi' : 'httpApi']);
  });

  it("counts Lambda's START, END and REPORT lines of one invocation", () => {
    const id = SAMPLE['$context.requestId'];
    const lines = [
      `START RequestId: ${id} Version: $LATEST\n`,
      `END RequestId: ${id}\n`,
      `REPORT RequestId: ${id}\tDuration: 1.87 ms\tBilled Duration: 2 ms\tMemory Size: 256 MB\tMax Memory Used: 92 MB\t\n`,
    ];
    expect(lines.reduce((sum, line) => sum + Buffer.byteLength(line, 'utf8'), 0)).toBe(COST_INPUTS.platformLogBytesPerInvocation);
  });

  it('counts every alarm metric of a one-target deployment (a metric-math alarm counts each metric it reads)', () => {
    const alarms = Object.values(synthStack().template.findResources('AWS::CloudWatch::Alarm'));
    const metrics = alarms.reduce((sum, a) => sum + (a.Properties.Metrics === undefined ? 1 : (a.Properties.Metrics as Array<{ MetricStat?: unknown }>).filter((m) => m.MetricStat !== undefined).length), 0);
    expect(metrics).toBe(COST_INPUTS.alarms);
  });

  it('counts the custom metrics a steady month emits for one target: served, cache hits, logins and scheduled refreshes', () => {
    expect([METRIC.tokensServed, METRIC.cacheHits, METRIC.tokensGenerated, METRIC.refreshSucceeded].length).toBe(COST_INPUTS.metricsPerTarget);
  });
});

describe('docs/deployment.md', () => {
  it('shows the cost table the model computes', () => {
    const doc = readFileSync(new URL('docs/deployment.md', REPO_ROOT), 'utf8');
    expect(doc).toContain(costTable());
  });

  it("gives the README the same totals, with what each front door lacks", () => {
    const readme = readFileSync(new URL('README.md', REPO_ROOT), 'utf8');
    expect(readme).toContain(readmeCostTable());
  });

  it('puts the HTTP API at less than half the REST API at 100 requests/s, and the Function URL below both', () => {
    const [http, rest, url] = ENDPOINTS.map((e) => frontDoorMonthlyCost(COST_INPUTS, 100, e).total);
    expect([http! < rest! / 2, url! < http!]).toEqual([true, true]);
  });
});

// The cost model is a pure function of its inputs: each billed item is checked against figures
// worked out by hand from the list prices, so a changed formula or price shows up here.
import { describe, expect, it } from 'vitest';
import { monthlyCost, monthlyUsage, PRICES, type CostInputs } from '../../bench/cost-model.js';

const INPUTS: CostInputs = {
  memoryMb: 1024,
  billedMsPerRequest: 2,
  initMsOneVcpu: 100,
  coldRequestMsOneVcpu: 50,
  scheduleRunMs: 50,
  loginMs: 1000,
  containerHours: 2,
  targets: 1,
  tokenMinutes: 60,
  scheduleMinutes: 15,
  calls: {
    coldStart: { ssmReads: 1, ssmWrites: 0, secretReads: 1, dynamoWrites: 0, dynamoReads: 0 },
    scheduledRun: { ssmReads: 1, ssmWrites: 0, secretReads: 0, dynamoWrites: 0, dynamoReads: 0 },
    login: { ssmReads: 0, ssmWrites: 1, secretReads: 1, dynamoWrites: 2, dynamoReads: 1 },
  },
  accessLogBytes: { restApi: 300, httpApi: 335 },
  platformLogBytesPerInvocation: 250,
  coldStartLogBytes: 100,
  emfRecordBytes: 300,
  metricsPerTarget: 4,
  alarms: 3,
  dashboards: 0,
  secrets: 1,
  logRetentionMonths: 1,
  stageRateLimit: 50,
};
/** 30 days / 39 minutes between logins (60-minute token, 15-minute schedule, 6-minute margin). */
const LOGINS = 43_200 / 39;
const GB = 1024 ** 3;

describe('monthlyUsage', () => {
  it('counts requests, cold starts, scheduled runs, logins and every AWS call of a month at 1 req/s', () => {
    const u = monthlyUsage(INPUTS, 1);
    expect({ ...u, logins: Math.round(u.logins * 100) / 100 }).toMatchObject({
      requests: 2_592_000,
      containers: 1,
      coldStarts: 360,
      scheduledRuns: 2880,
      logins: 1107.69,
      lambdaInvocations: 2_594_880,
      // 1 vCPU at 1,769 MB: at 1,024 MB the 150 ms measured on a full core bill as 260 ms.
      billedColdMs: 260,
    });
    expect(u.ssmReads).toBe(360 + 2880);
    expect(u.ssmWrites).toBeCloseTo(LOGINS, 6);
    expect(u.secretReads).toBeCloseTo(360 + LOGINS, 6);
    expect(u.kmsRequests).toBeCloseTo(3240 + LOGINS + 360 + LOGINS, 6);
    expect([u.dynamoWrites, u.dynamoReads]).toEqual([2 * LOGINS, LOGINS]);
    expect(u.lambdaGbSeconds).toBeCloseTo((2_592_000 * 2 + 360 * 260 + 2880 * 50 + LOGINS * 1000) / 1000, 6);
    expect(u.accessLogBytes).toEqual({ restApi: 2_592_000 * 300, httpApi: 2_592_000 * 335 });
    expect(u.functionLogBytes).toBeCloseTo(2_594_880 * 250 + 360 * 100 + (43_200 + 2880) * 300, 3);
  });

  it('scales busy containers by Little\'s law and the cold start by Lambda\'s CPU share', () => {
    expect(monthlyUsage(INPUTS, 1000).containers).toBe(2);
    expect(monthlyUsage({ ...INPUTS, memoryMb: 256 }, 1).billedColdMs).toBe(Math.ceil(150 * (1769 / 256)));
    expect(monthlyUsage({ ...INPUTS, memoryMb: 3008 }, 1).billedColdMs).toBe(150);
  });
});

describe('monthlyCost', () => {
  it('prices each item from its own usage', () => {
    const c = monthlyCost(INPUTS, 1);
    const logs = (bytes: number) => (bytes / GB) * (0.5 + 0.03);
    expect(c.items.lambdaRequests).toBeCloseTo(2.59488 * 0.2, 9);
    expect(c.items.lambdaDuration).toBeCloseTo(c.usage.lambdaGbSeconds * 0.0000133334, 9);
    expect(c.items.functionLogs).toBeCloseTo(logs(c.usage.functionLogBytes), 9);
    expect(c.items.metrics).toBeCloseTo(1.2, 9);
    expect(c.items.alarms).toBeCloseTo(0.3, 9);
    expect(c.items.dashboards).toBe(0);
    expect(c.items.secretsManager).toBeCloseTo(0.4 + ((360 + LOGINS) / 1e4) * 0.05, 9);
    expect(c.items.kms).toBeCloseTo(((3240 + 2 * LOGINS + 360) / 1e4) * 0.03, 9);
    expect(c.items.ssm).toBe(0);
    expect(c.items.dynamo).toBeCloseTo((2 * LOGINS * 0.625 + LOGINS * 0.125) / 1e6, 12);
  });

  it('charges each front door its own request price, and access logs only where there is a stage', () => {
    const c = monthlyCost(INPUTS, 1);
    const accessLogs = ((2_592_000 * 300) / GB) * 0.53;
    const httpAccessLogs = ((2_592_000 * 335) / GB) * 0.53;
    expect(c.frontDoor.restApi.requests).toBeCloseTo(2.592 * 3.5, 9);
    expect(c.frontDoor.httpApi.requests).toBeCloseTo(2.592 * 1.0, 9);
    expect(c.frontDoor.functionUrl).toEqual({ requests: 0, accessLogs: 0 });
    expect(c.frontDoor.restApi.accessLogs).toBeCloseTo(accessLogs, 9);
    expect(c.total.restApi - c.total.functionUrl).toBeCloseTo(2.592 * 3.5 + accessLogs, 9);
    expect(c.frontDoor.httpApi.accessLogs).toBeCloseTo(httpAccessLogs, 9);
    expect(c.total.httpApi - c.total.functionUrl).toBeCloseTo(2.592 + httpAccessLogs, 9);
    expect(c.per1MRequests.restApi).toBeCloseTo((c.total.restApi / 2_592_000) * 1e6, 9);
  });

  it('notes the rate above the stage throttle and the average SSM rate against its 40 TPS', () => {
    expect(monthlyCost(INPUTS, 10).limits.overStageThrottle).toBe(0);
    expect(monthlyCost(INPUTS, 100).limits.overStageThrottle).toBe(50);
    expect(monthlyCost(INPUTS, 1).limits.ssmAverageTps).toBeCloseTo(3240 / 2_592_000, 12);
  });

  it('uses the list prices the comments cite', () => {
    expect(PRICES).toMatchObject({ restApiPerMillion: 3.5, httpApiPerMillion: 1, functionUrlPerMillion: 0, secretsManagerPer10kCalls: 0.05, secretsManagerPerSecretMonth: 0.4, kmsPer10kRequests: 0.03, logsIngestionPerGb: 0.5, customMetricMonth: 0.3, alarmMonth: 0.1, dashboardMonth: 3 });
  });
});

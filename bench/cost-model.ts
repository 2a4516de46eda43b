// Monthly AWS cost of the service, from the call counts the benchmarks measured. Prices are
// us-east-1 list prices (USD) as of November 2026; check the AWS pricing pages for your Region.
export const PRICES = {
  apiGatewayRestPerMillion: 3.5,
  lambdaRequestsPerMillion: 0.2,
  lambdaArmGbSecond: 0.0000133334,
  cloudWatchLogsPerGb: 0.5,
  secretsManagerPerSecretMonth: 0.4,
  secretsManagerPer10kCalls: 0.05,
  kmsPer10kRequests: 0.03, // SecureString reads/writes decrypt/encrypt with the aws/ssm key
  cloudWatchAlarmMonth: 0.1,
  ssmStandardParameter: 0, // standard tier and standard throughput are free
} as const;

export interface CostInputs {
  /** Billed Lambda duration per API request, ms (Lambda bills per 1 ms). */
  billedMsPerRequest: number;
  memoryMb: number;
  /** Log bytes written per served request (measured). */
  logBytesPerRequest: number;
  /** Per target: token lifetime and schedule interval, minutes. */
  tokenMinutes: number;
  scheduleMinutes: number;
  /** Assumed hours a warm container lives before Lambda recycles it. */
  containerHours: number;
  targets: number;
  alarms: number;
}

const MONTH_SECONDS = 30 * 24 * 3600;

export function callsPerMillion(inputs: CostInputs, rps: number) {
  const monthRequests = rps * MONTH_SECONDS;
  const containers = Math.max(1, Math.ceil((rps * inputs.billedMsPerRequest) / 1000));
  const coldStartsPerMonth = containers * ((30 * 24) / inputs.containerHours);
  const scheduledRuns = (MONTH_SECONDS / 60 / inputs.scheduleMinutes) * inputs.targets;
  // The schedule refreshes a token once it would fall inside the margin before the next run:
  // with 60-minute tokens and a 15-minute schedule that is every 45 minutes.
  const logins = (MONTH_SECONDS / 60 / Math.max(inputs.scheduleMinutes, inputs.tokenMinutes - inputs.scheduleMinutes - Math.max(1, inputs.tokenMinutes * 0.1))) * inputs.targets;
  // Cold start: one SSM read per target served and one secret read; schedule: one SSM read per
  // target per run; login: secret read (5-minute cache), lease create + release, token write.
  const ssmReads = coldStartsPerMonth * inputs.targets + scheduledRuns + logins;
  const ssmWrites = logins * 3;
  const secretReads = coldStartsPerMonth * inputs.targets + logins;
  const perMillion = (n: number) => (n / monthRequests) * 1e6;
  return {
    monthRequests,
    lambdaInvocations: monthRequests + scheduledRuns / inputs.targets,
    ssmReads,
    ssmWrites,
    secretReads,
    arcgisLogins: logins,
    per1MRequests: { ssmReads: perMillion(ssmReads), ssmWrites: perMillion(ssmWrites), secretReads: perMillion(secretReads), arcgisLogins: perMillion(logins) },
  };
}

export function monthlyCost(inputs: CostInputs, rps: number) {
  const c = callsPerMillion(inputs, rps);
  const gbSeconds = c.lambdaInvocations * (inputs.billedMsPerRequest / 1000) * (inputs.memoryMb / 1024);
  const items = {
    apiGateway: (c.monthRequests / 1e6) * PRICES.apiGatewayRestPerMillion,
    lambdaRequests: (c.lambdaInvocations / 1e6) * PRICES.lambdaRequestsPerMillion,
    lambdaDuration: gbSeconds * PRICES.lambdaArmGbSecond,
    logs: ((c.monthRequests * inputs.logBytesPerRequest) / 1024 ** 3) * PRICES.cloudWatchLogsPerGb,
    secretsManager: inputs.targets * PRICES.secretsManagerPerSecretMonth + (c.secretReads / 1e4) * PRICES.secretsManagerPer10kCalls,
    kms: ((c.ssmReads + c.ssmWrites) / 1e4) * PRICES.kmsPer10kRequests,
    alarms: inputs.alarms * PRICES.cloudWatchAlarmMonth,
  };
  const total = Object.values(items).reduce((a, b) => a + b, 0);
  return { rps, calls: c, items, total };
}

/** What a front door adds to the model, per request and per month (see frontDoorMonthlyCost). */
export interface FrontDoorCostInputs {
  /** Bytes of one access log line as the stage writes it (REST and HTTP API; a Function URL writes none). */
  accessLogBytes: { rest: number; http: number };
  /** Bytes Lambda itself logs per invocation (START, END and REPORT lines of the text log format). */
  platformLogBytesPerRequest: number;
  /** Custom EMF metrics that exist in a steady month, each billed monthly. */
  customMetrics: number;
  /** Alarm metrics (a metric-math alarm counts each metric it reads). */
  alarmMetrics: number;
  /** Whether the CloudWatch dashboard counts (an account's first three are free). */
  dashboard: boolean;
  /** Coordination table requests per ArcGIS login (lease taken and released, pause read). */
  tableWritesPerLogin: number;
  tableReadsPerLogin: number;
}

/**
 * The monthly cost of one deployment through each front door, everything included: the API
 * Gateway request price (REST $3.50/M, HTTP API $1.00/M, Function URL nothing per request), its
 * access log, Lambda's own log lines, the EMF custom metrics, alarms, the dashboard and the
 * coordination table, on top of monthlyCost's Lambda, Secrets Manager and KMS. us-east-1 list
 * prices as of November 2026 (HTTP API: first 300 M requests a month; REST: first 333 M).
 */
export function frontDoorMonthlyCost(inputs: CostInputs & FrontDoorCostInputs, rps: number, endpoint: 'rest' | 'http' | 'function-url') {
  const base = monthlyCost({ ...inputs, alarms: 0 }, rps);
  const requests = base.calls.monthRequests;
  const gib = (bytes: number) => bytes / 1024 ** 3;
  const perMillion = { rest: 3.5, http: 1.0, 'function-url': 0 }[endpoint];
  const accessLogBytes = endpoint === 'function-url' ? 0 : inputs.accessLogBytes[endpoint];
  const logins = base.calls.arcgisLogins;
  const items = {
    frontDoor: (requests / 1e6) * perMillion,
    lambdaRequests: base.items.lambdaRequests,
    lambdaDuration: base.items.lambdaDuration,
    accessLogs: gib(requests * accessLogBytes) * PRICES.cloudWatchLogsPerGb,
    functionLogs: base.items.logs + gib(base.calls.lambdaInvocations * inputs.platformLogBytesPerRequest) * PRICES.cloudWatchLogsPerGb,
    metrics: inputs.customMetrics * 0.3,
    alarms: inputs.alarmMetrics * PRICES.cloudWatchAlarmMonth,
    dashboard: inputs.dashboard ? 3 : 0,
    secretsManager: base.items.secretsManager,
    kms: base.items.kms,
    // On-demand: $1.25 per million writes, $0.25 per million reads; the few items are free to store.
    coordinationTable: ((logins * inputs.tableWritesPerLogin) / 1e6) * 1.25 + ((logins * inputs.tableReadsPerLogin) / 1e6) * 0.25,
  };
  const total = Object.values(items).reduce((a, b) => a + b, 0);
  return { rps, endpoint, requests, items, total };
}

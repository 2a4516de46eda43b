// Monthly AWS cost of the service, with everything it is billed for, from the calls and bytes the
// benchmarks measured. A pure function of its inputs (tested in test/bench/cost-model.test.ts).
//
// Prices: us-east-1 list prices in USD, read from each service's pricing page (URL beside each) on
// 2026-12-01, without free tiers (Lambda's 1M requests and 400,000 GB-s, KMS's 20,000 requests,
// CloudWatch's 5 GB of logs, 10 metrics and 10 alarms are account-wide and often used already).
export const PRICES = {
  // https://aws.amazon.com/api-gateway/pricing/ : REST APIs, first 333 million requests a month.
  restApiPerMillion: 3.5,
  // https://aws.amazon.com/api-gateway/pricing/ : HTTP APIs, first 300 million (per 512 KB request).
  httpApiPerMillion: 1.0,
  // https://aws.amazon.com/lambda/pricing/ : Function URLs have no charge of their own.
  functionUrlPerMillion: 0,
  // https://aws.amazon.com/lambda/pricing/ : requests, and duration on Arm (the construct's
  // architecture). Since 2025-08-01 the INIT phase is billed as duration for on-demand functions.
  lambdaRequestsPerMillion: 0.2,
  lambdaArmGbSecond: 0.0000133334,
  // https://aws.amazon.com/systems-manager/pricing/ : standard parameters and standard throughput
  // (GetParameter up to 40 TPS by default) are free; higher throughput is $0.05 per 10,000 calls.
  ssmStandardPer10kCalls: 0,
  // https://aws.amazon.com/secrets-manager/pricing/
  secretsManagerPerSecretMonth: 0.4,
  secretsManagerPer10kCalls: 0.05,
  // https://aws.amazon.com/kms/pricing/ : requests to AWS managed keys (aws/ssm, aws/secretsmanager)
  // are charged like any other ("you will be charged on any API request made to AWS-managed keys").
  kmsPer10kRequests: 0.03,
  // https://aws.amazon.com/cloudwatch/pricing/ : standard log ingestion, storage (billed on the
  // compressed size: this model stores the raw size, an upper bound), custom metrics (EMF
  // included, first 10,000 metrics), standard-resolution alarms, dashboards beyond the 3 free.
  logsIngestionPerGb: 0.5,
  logsStoragePerGbMonth: 0.03,
  customMetricMonth: 0.3,
  alarmMonth: 0.1,
  dashboardMonth: 3,
  // https://aws.amazon.com/dynamodb/pricing/on-demand/ : on-demand request units, as cut on
  // 2024-11-01 (before: $1.25 per million writes, $0.25 per million reads).
  dynamoWritePerMillion: 0.625,
  dynamoReadPerMillion: 0.125,
  // https://aws.amazon.com/eventbridge/pricing/ : scheduled rules on the default bus are not charged.
  eventBridgeScheduledRule: 0,
} as const;

/** SSM's default GetParameter throughput (shared by the Get* calls of an account and Region). */
export const SSM_DEFAULT_TPS = 40;
/** Lambda's CPU share is proportional to memory: one full vCPU at 1,769 MB (Lambda developer guide). */
export const LAMBDA_MB_PER_VCPU = 1769;

export const FRONT_DOORS = ['restApi', 'httpApi', 'functionUrl'] as const;
export type FrontDoor = (typeof FRONT_DOORS)[number];

/** AWS calls one event makes (per target where it says so). */
export interface CallsPerEvent {
  ssmReads: number;
  ssmWrites: number;
  secretReads: number;
  dynamoWrites: number;
  dynamoReads: number;
}

export interface CostInputs {
  memoryMb: number;
  /** Billed duration of a warm API invocation, ms (Lambda rounds up to 1 ms). */
  billedMsPerRequest: number;
  /** Init (Node start + loading the bundle) and the first request, measured on one full core, ms. */
  initMsOneVcpu: number;
  coldRequestMsOneVcpu: number;
  /** Billed duration of a scheduled run that finds every token fresh, and what a login adds, ms. */
  scheduleRunMs: number;
  loginMs: number;
  /** Assumed hours a warm container lives before Lambda recycles it. */
  containerHours: number;
  targets: number;
  tokenMinutes: number;
  scheduleMinutes: number;
  /** Calls of a cold start (per target served), of a scheduled run (per target), of a login. */
  calls: { coldStart: CallsPerEvent; scheduledRun: CallsPerEvent; login: CallsPerEvent };
  /**
   * Bytes: one access log line as each stage renders it (a Function URL writes none); Lambda's
   * START/END/REPORT lines of one invocation; what a cold start logs; one EMF record.
   */
  accessLogBytes: { restApi: number; httpApi: number };
  platformLogBytesPerInvocation: number;
  coldStartLogBytes: number;
  emfRecordBytes: number;
  /** Distinct custom metrics per target published in a month (metric name × dimension set). */
  metricsPerTarget: number;
  alarms: number;
  /** Dashboards the stack adds beyond the account's 3 free ones. */
  dashboards: number;
  secrets: number;
  logRetentionMonths: number;
  /** The stage's throttle (requests per second), which callers beyond it meet as 429. */
  stageRateLimit: number;
}

const MONTH_SECONDS = 30 * 24 * 3600;
const MONTH_MINUTES = MONTH_SECONDS / 60;

export interface MonthlyUsage {
  requests: number;
  containers: number;
  coldStarts: number;
  scheduledRuns: number;
  logins: number;
  lambdaInvocations: number;
  lambdaGbSeconds: number;
  /** Init and first-request duration billed per cold start at this memory size (CPU share scaled). */
  billedColdMs: number;
  ssmReads: number;
  ssmWrites: number;
  secretReads: number;
  kmsRequests: number;
  dynamoWrites: number;
  dynamoReads: number;
  /** Bytes ingested: access logs (REST and HTTP API stages; a Function URL has none), the function's log group. */
  accessLogBytes: { restApi: number; httpApi: number };
  functionLogBytes: number;
}

export function monthlyUsage(inputs: CostInputs, rps: number): MonthlyUsage {
  const requests = rps * MONTH_SECONDS;
  // Little's law: busy containers = arrival rate × time each request holds one.
  const containers = Math.max(1, Math.ceil((rps * inputs.billedMsPerRequest) / 1000));
  const coldStarts = containers * ((30 * 24) / inputs.containerHours);
  const scheduledRuns = MONTH_MINUTES / inputs.scheduleMinutes;
  // The schedule refreshes a token once it would fall inside the margin (10 %, at least 1 min)
  // before the next run: with 60-minute tokens and a 15-minute schedule, every 39 minutes.
  const refreshMinutes = Math.max(inputs.scheduleMinutes, inputs.tokenMinutes - inputs.scheduleMinutes - Math.max(1, inputs.tokenMinutes * 0.1));
  const logins = (MONTH_MINUTES / refreshMinutes) * inputs.targets;
  const cpuScale = Math.max(1, LAMBDA_MB_PER_VCPU / inputs.memoryMb);
  const billedColdMs = Math.ceil((inputs.initMsOneVcpu + inputs.coldRequestMsOneVcpu) * cpuScale);
  const lambdaInvocations = requests + scheduledRuns;
  const billedMs = requests * inputs.billedMsPerRequest + coldStarts * billedColdMs + scheduledRuns * inputs.scheduleRunMs + logins * inputs.loginMs;
  const { coldStart, scheduledRun, login } = inputs.calls;
  const total = (pick: (c: CallsPerEvent) => number) => coldStarts * inputs.targets * pick(coldStart) + scheduledRuns * inputs.targets * pick(scheduledRun) + logins * pick(login);
  const ssmReads = total((c) => c.ssmReads);
  const ssmWrites = total((c) => c.ssmWrites);
  const secretReads = total((c) => c.secretReads);
  // EMF: one record per target a minute from each container that served in that minute, and one
  // per target after every scheduled run.
  const emfRecords = (containers * MONTH_MINUTES + scheduledRuns) * inputs.targets;
  return {
    requests,
    containers,
    coldStarts,
    scheduledRuns,
    logins,
    lambdaInvocations,
    lambdaGbSeconds: (billedMs / 1000) * (inputs.memoryMb / 1024),
    billedColdMs,
    ssmReads,
    ssmWrites,
    secretReads,
    // SecureString: Decrypt on each GetParameter WithDecryption, Encrypt on each PutParameter;
    // GetSecretValue decrypts the secret with its key (aws/secretsmanager) on each call.
    kmsRequests: ssmReads + ssmWrites + secretReads,
    dynamoWrites: total((c) => c.dynamoWrites),
    dynamoReads: total((c) => c.dynamoReads),
    accessLogBytes: { restApi: requests * inputs.accessLogBytes.restApi, httpApi: requests * inputs.accessLogBytes.httpApi },
    functionLogBytes: lambdaInvocations * inputs.platformLogBytesPerInvocation + coldStarts * inputs.coldStartLogBytes + emfRecords * inputs.emfRecordBytes,
  };
}

export interface MonthlyCost {
  rps: number;
  usage: MonthlyUsage;
  /** Items every front door shares. */
  items: { lambdaRequests: number; lambdaDuration: number; functionLogs: number; metrics: number; alarms: number; dashboards: number; secretsManager: number; kms: number; ssm: number; dynamo: number };
  /** Per front door: its own request price and its access logs. */
  frontDoor: Record<FrontDoor, { requests: number; accessLogs: number }>;
  total: Record<FrontDoor, number>;
  per1MRequests: Record<FrontDoor, number>;
  limits: {
    /** Average SSM Get* calls per second over the month (the default limit is SSM_DEFAULT_TPS). */
    ssmAverageTps: number;
    /** Requests per second beyond the stage throttle (0 when within it): those callers get 429. */
    overStageThrottle: number;
  };
}

const GB = 1024 ** 3;

export function monthlyCost(inputs: CostInputs, rps: number): MonthlyCost {
  const u = monthlyUsage(inputs, rps);
  const logs = (bytes: number) => (bytes / GB) * (PRICES.logsIngestionPerGb + PRICES.logsStoragePerGbMonth * inputs.logRetentionMonths);
  const items = {
    lambdaRequests: (u.lambdaInvocations / 1e6) * PRICES.lambdaRequestsPerMillion,
    lambdaDuration: u.lambdaGbSeconds * PRICES.lambdaArmGbSecond,
    functionLogs: logs(u.functionLogBytes),
    metrics: inputs.metricsPerTarget * inputs.targets * PRICES.customMetricMonth,
    alarms: inputs.alarms * PRICES.alarmMonth,
    dashboards: inputs.dashboards * PRICES.dashboardMonth,
    secretsManager: inputs.secrets * PRICES.secretsManagerPerSecretMonth + (u.secretReads / 1e4) * PRICES.secretsManagerPer10kCalls,
    kms: (u.kmsRequests / 1e4) * PRICES.kmsPer10kRequests,
    ssm: ((u.ssmReads + u.ssmWrites) / 1e4) * PRICES.ssmStandardPer10kCalls,
    dynamo: (u.dynamoWrites / 1e6) * PRICES.dynamoWritePerMillion + (u.dynamoReads / 1e6) * PRICES.dynamoReadPerMillion,
  };
  const shared = Object.values(items).reduce((a, b) => a + b, 0);
  const perMillion: Record<FrontDoor, number> = { restApi: PRICES.restApiPerMillion, httpApi: PRICES.httpApiPerMillion, functionUrl: PRICES.functionUrlPerMillion };
  const frontDoor = Object.fromEntries(
    FRONT_DOORS.map((door) => [door, { requests: (u.requests / 1e6) * perMillion[door], accessLogs: door === 'functionUrl' ? 0 : logs(u.accessLogBytes[door]) }]),
  ) as MonthlyCost['frontDoor'];
  const total = Object.fromEntries(FRONT_DOORS.map((door) => [door, shared + frontDoor[door].requests + frontDoor[door].accessLogs])) as Record<FrontDoor, number>;
  const per1MRequests = Object.fromEntries(FRONT_DOORS.map((door) => [door, (total[door] / u.requests) * 1e6])) as Record<FrontDoor, number>;
  return {
    rps,
    usage: u,
    items,
    frontDoor,
    total,
    per1MRequests,
    limits: { ssmAverageTps: u.ssmReads / MONTH_SECONDS, overStageThrottle: Math.max(0, rps - inputs.stageRateLimit) },
  };
}

/** The deployment setting `endpoint` and the model's name for the same front door. */
const DOOR_OF = { rest: 'restApi', http: 'httpApi', 'function-url': 'functionUrl' } as const satisfies Record<string, FrontDoor>;

/** One front door's month, item by item (docs/deployment.md's table): a view of monthlyCost. */
export function frontDoorMonthlyCost(inputs: CostInputs, rps: number, endpoint: keyof typeof DOOR_OF) {
  const door = DOOR_OF[endpoint];
  const cost = monthlyCost(inputs, rps);
  const items = { frontDoor: cost.frontDoor[door].requests, accessLogs: cost.frontDoor[door].accessLogs, ...cost.items };
  return { rps, endpoint, requests: cost.usage.requests, items, total: cost.total[door] };
}

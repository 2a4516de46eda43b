// The log bytes the service is billed for, rendered as AWS writes them: the stage's access log
// line (its format as synthesized), Lambda's own START/END/REPORT lines of each invocation (the
// function logs in text format), and one EMF record as the function's metrics publish it.
import { createPowertoolsMetrics } from '../lambda/adapters/powertools-metrics.js';
import { METRIC } from '../lambda/domain/metric-names.js';

/** Values of $context variables for one IAM-signed GET /token answered 200 (shapes as AWS documents them). */
export function sampleAccessLogContext(responseLength: number): Record<string, string> {
  return {
    requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    extendedRequestId: 'Ab1CdEfGhIjKlMn=',
    'identity.sourceIp': '203.0.113.24',
    'identity.caller': 'AROAEXAMPLEROLEID1234:gis-app-session',
    'identity.user': 'AROAEXAMPLEROLEID1234:gis-app-session',
    'identity.userArn': 'arn:aws:sts::123456789012:assumed-role/gis-app/gis-app-session',
    requestTime: '01/Dec/2026:21:35:06 +0000',
    requestTimeEpoch: '1796160906000',
    httpMethod: 'GET',
    resourcePath: '/token',
    path: '/v1/token',
    status: '200',
    protocol: 'HTTP/1.1',
    responseLength: String(responseLength),
  };
}

/** Renders an access log format: each $context.NAME replaced by its value ('-' when unknown, as API Gateway does). */
export function renderAccessLog(format: string, context: Record<string, string>): string {
  return format.replace(/\$context\.([A-Za-z0-9_.]+[A-Za-z0-9_])/g, (_, name: string) => context[name] ?? '-');
}

/** Lambda's platform lines of one invocation in text log format (a cold one adds Init Duration). */
export function platformLogLines(options: { cold: boolean }): string {
  const id = '8f5e3a2b-1c4d-4e6f-9a8b-7c6d5e4f3a2b';
  return [
    `START RequestId: ${id} Version: $LATEST`,
    `END RequestId: ${id}`,
    `REPORT RequestId: ${id}\tDuration: 1.52 ms\tBilled Duration: 2 ms\tMemory Size: 256 MB\tMax Memory Used: 84 MB\t${options.cold ? 'Init Duration: 812.44 ms\t' : ''}`,
    '',
  ].join('\n');
}

/** Bytes of one EMF record for a target that served cached tokens, as the function publishes it. */
export function measureEmfRecordBytes(): number {
  let bytes = 0;
  const original = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    return true;
  }) as typeof process.stdout.write;
  try {
    const metrics = createPowertoolsMetrics();
    metrics.count(METRIC.tokensServed, 'default');
    metrics.count(METRIC.cacheHits, 'default');
    metrics.flush({ force: true });
  } finally {
    process.stdout.write = original;
  }
  return bytes;
}

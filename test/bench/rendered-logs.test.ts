// Log bytes the cost model bills, rendered the way API Gateway and Lambda write them.
import { describe, expect, it } from 'vitest';
import { measureEmfRecordBytes, platformLogLines, renderAccessLog, sampleAccessLogContext } from '../../bench/rendered-logs.js';

describe('renderAccessLog', () => {
  it('replaces each $context variable, and unknown ones with "-" as API Gateway does', () => {
    const format = '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","status":"$context.status","x":"$context.unknownThing"}';
    expect(renderAccessLog(format, sampleAccessLogContext(321))).toBe('{"requestId":"c6af9ac6-7b61-11e6-9a41-93e8deadbeef","ip":"203.0.113.24","status":"200","x":"-"}');
  });
});

describe('platformLogLines', () => {
  it('writes START, END and REPORT, and Init Duration only on a cold invocation', () => {
    const warm = platformLogLines({ cold: false });
    expect(warm.split('\n').map((l) => l.split(' ')[0])).toEqual(['START', 'END', 'REPORT', '']);
    expect(warm).not.toContain('Init Duration');
    expect(platformLogLines({ cold: true })).toContain('\tInit Duration: 812.44 ms\t');
  });
});

describe('measureEmfRecordBytes', () => {
  it('measures one EMF record of two counts as the function publishes it, and restores stdout', () => {
    const write = process.stdout.write;
    const bytes = measureEmfRecordBytes();
    expect(process.stdout.write).toBe(write);
    // {"_aws":{"Timestamp":…,"CloudWatchMetrics":[…]},"service":…,"Target":"default","TokensServed":1,"CacheHits":1} and a newline.
    expect(bytes).toBe(300);
  });
});

// What counts as an unanswered AWS call: the client's own timeouts ending every attempt, not the
// caller's deadline aborting the call (which says nothing about the service).
import { describe, expect, it } from 'vitest';
import { AwsCallUnansweredError, UNANSWERED_MEMORY_MS, UnansweredCalls } from '../../lambda/adapters/unanswered-aws-calls.js';
import { FakeClock } from '../service/fakes.js';

const timedOut = () => Object.assign(new Error('@smithy/node-http-handler - [ERROR] a request has exceeded the configured 3000 ms requestTimeout.'), { name: 'TimeoutError', $metadata: { attempts: 4 } });
const aborted = () => Object.assign(new Error('Request aborted'), { name: 'AbortError' });

describe('UnansweredCalls', () => {
  it('remembers a call the client timed out on every attempt, naming the service, what is done without it, and until when', async () => {
    const clock = new FakeClock(Date.parse('2026-12-01T10:00:00.000Z'));
    const calls = new UnansweredCalls({ service: 'DynamoDB', role: 'the login coordinator (logins go unguarded, one at a time per account in this container)', now: clock.now });
    let sent = 0;
    const send = () => calls.guard(async () => {
      sent++;
      throw timedOut();
    });
    await expect(send()).rejects.toThrow('requestTimeout');
    clock.advance(UNANSWERED_MEMORY_MS - 1);
    const refused = await send().catch((e: unknown) => e as Error);
    expect(refused).toBeInstanceOf(AwsCallUnansweredError);
    expect(refused.message).toBe(
      'DynamoDB was not asked: a call at 2026-12-01T10:00:00.000Z got no answer in 4 attempts, so this container does without the login coordinator (logins go unguarded, one at a time per account in this container) until 2026-12-01T10:00:30.000Z rather than wait on it again. ' +
        "Check the function's network path to DynamoDB (its VPC endpoint or NAT gateway, and their security groups).",
    );
    expect(sent).toBe(1);
    clock.advance(1);
    await expect(send()).rejects.toThrow('requestTimeout');
    expect(sent).toBe(2);
  });

  it("does not remember a call the caller's own deadline aborted", async () => {
    const calls = new UnansweredCalls({ service: 'DynamoDB', role: 'the login coordinator' });
    await expect(calls.guard(() => Promise.reject(aborted()))).rejects.toThrow('Request aborted');
    expect(await calls.guard(() => Promise.resolve('answered'))).toBe('answered');
  });
});

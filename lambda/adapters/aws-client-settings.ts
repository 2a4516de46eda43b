// How long the function's AWS calls may take: the SDK clients' HTTP timeouts and retries, in one
// place so the tests that prove them (test/adapters/aws-client-settings.test.ts) use the same values.

/**
 * Every AWS call has a deadline: a connection that hangs is dropped after 1 s and an answer that
 * stalls after 3 s, and the SDK's standard retries (backoff with jitter, throttling included) stop
 * after 3 attempts, so one call ends within about 9.4 s. Without these an SSM or Secrets Manager
 * read that hangs holds the request past API Gateway's 29 s.
 *
 * `throwOnRequestTimeout` is what makes requestTimeout end the call: without it the SDK's
 * NodeHttpHandler (@smithy/node-http-handler 4.x) only logs a warning when the time is up and keeps
 * waiting, for ever on a connection that was accepted and then stalled. connectionTimeout throws
 * either way.
 */
export const AWS_CALLS = {
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true },
  maxAttempts: 3,
  retryMode: 'standard',
} as const;

/** The login coordinator gets one more attempt: giving up on it means logging in without the fleet-wide lease. */
export const COORDINATOR_CALLS = { ...AWS_CALLS, maxAttempts: 4 } as const;

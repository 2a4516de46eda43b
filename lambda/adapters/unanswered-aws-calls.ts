// Remembers an AWS service that left a call unanswered, so one request never waits on it twice.
// The clients' timeouts end each attempt (adapters/aws-client-settings.ts), but a call that got no
// answer on any attempt costs 9 s (SSM) or 12 s (DynamoDB, one more attempt) of the request's 25 s;
// one request makes up to four SSM calls (the cache, the store before and after a login, the write)
// and up to four coordinator calls (a caller's admission, the lease, the outcome, the lease's end),
// and a second unanswered one would push the answer past API Gateway's 29 s. Both are optional
// to a request: without the store the container serves from memory, without the coordinator it
// logs in unguarded (one login at a time per account, see service/login-gate.ts).

/** How long a service that left a call unanswered is not asked again, per container. */
export const UNANSWERED_MEMORY_MS = 30_000;

/** The service was not asked: its last call got no answer, and UNANSWERED_MEMORY_MS has not passed. */
export class AwsCallUnansweredError extends Error {
  override readonly name = 'AwsCallUnansweredError';
}

export interface UnansweredCallsOptions {
  /** The service as messages name it: "SSM", "DynamoDB". */
  service: string;
  /** What the container does without it: "the token store". */
  role: string;
  now?: (() => number) | undefined;
}

export class UnansweredCalls {
  private readonly now: () => number;
  /** The last call that got no answer, while it is remembered. */
  private last: { at: number; until: number; attempts: number | undefined } | undefined;

  constructor(private readonly options: UnansweredCallsOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Makes the call unless the service recently left one unanswered; remembers a call that goes unanswered. */
  async guard<T>(call: () => Promise<T>): Promise<T> {
    const known = this.last;
    if (known !== undefined && this.now() < known.until) {
      const { service, role } = this.options;
      throw new AwsCallUnansweredError(
        `${service} was not asked: a call at ${new Date(known.at).toISOString()} got no answer${known.attempts === undefined ? '' : ` in ${known.attempts} attempts`}, so this container does without ${role} until ${new Date(known.until).toISOString()} rather than wait on it again. ` +
          `Check the function's network path to ${service} (its VPC endpoint or NAT gateway, and their security groups).`,
      );
    }
    try {
      return await call();
    } catch (error) {
      // TimeoutError: the client's connectionTimeout or requestTimeout ended the last attempt, after
      // its retries. An AbortError is the caller's own deadline, which says nothing about the service.
      if (error instanceof Error && error.name === 'TimeoutError') {
        const at = this.now();
        this.last = { at, until: at + UNANSWERED_MEMORY_MS, attempts: (error as Error & { $metadata?: { attempts?: number } }).$metadata?.attempts };
      }
      throw error;
    }
  }
}

// The local stand-in for the DynamoDB login coordinator: the same conditions, decided the same way
// (test/adapters/login-coordinator-contract.test.ts runs one suite against both), held in memory.
// Each method decides synchronously before its first await, so, like a conditional write, a
// decision can never interleave with another container's.
import type { AccountRecord, CallerAdmission, LeaseAnswer, LeaseRequest, LoginCoordinator, LoginOutcome } from '../domain/ports.js';

export class MemoryLoginCoordinator implements LoginCoordinator {
  private readonly accounts = new Map<string, AccountRecord>();
  private readonly callers = new Map<string, Map<string, number>>();

  async acquire(request: LeaseRequest): Promise<LeaseAnswer> {
    const record = this.accounts.get(request.account) ?? {};
    const before = structuredClone(record);
    if (!leaseAdmits(record, request)) return { granted: false, record: before };
    record.lease = { holder: request.holder, until: request.until };
    if (request.demandIntervalMs !== undefined || request.noteDemand === true) record.demandAt = request.now;
    this.accounts.set(request.account, record);
    return { granted: true, record: before };
  }

  async release(account: string, holder: string, outcome: LoginOutcome, _now: number): Promise<void> {
    const record = this.accounts.get(account);
    if (record === undefined) {
      // Our lease is gone with the whole record (TTL); the outcome is still worth recording.
      const fresh: AccountRecord = {};
      recordOutcome(fresh, outcome);
      if (fresh.pause !== undefined || fresh.backoff !== undefined) this.accounts.set(account, fresh);
      return;
    }
    recordOutcome(record, outcome);
    if (record.lease?.holder === holder) delete record.lease;
  }

  async read(account: string): Promise<AccountRecord | undefined> {
    const record = this.accounts.get(account);
    return record === undefined ? undefined : structuredClone(record);
  }

  async admitCaller(admission: CallerAdmission): Promise<boolean> {
    let callers = this.callers.get(admission.scope);
    if (callers === undefined) this.callers.set(admission.scope, (callers = new Map()));
    for (const [caller, until] of callers) if (until <= admission.now) callers.delete(caller);
    if (!callers.has(admission.caller) && callers.size >= admission.max) return false;
    callers.set(admission.caller, admission.until);
    return true;
  }
}

/** The lease condition, as the DynamoDB adapter's ConditionExpression states it. */
export function leaseAdmits(record: AccountRecord, request: LeaseRequest): boolean {
  const { now } = request;
  if (record.lease !== undefined && record.lease.until > now && record.lease.holder !== request.holder) return false;
  if (record.pause !== undefined && record.pause.until > now && record.pause.secretVersion === request.secretVersion) return false;
  if (record.backoff !== undefined && record.backoff.until > now) return false;
  if (request.demandIntervalMs !== undefined && record.demandAt !== undefined && record.demandAt > now - request.demandIntervalMs) return false;
  return true;
}

/** A newer pause or backoff is never replaced by an older one. */
function recordOutcome(record: AccountRecord, outcome: LoginOutcome): void {
  if (outcome.kind === 'rejected' && (record.pause === undefined || record.pause.at < outcome.failure.at)) record.pause = { ...outcome.failure };
  if (outcome.kind === 'rate-limited' && (record.backoff === undefined || record.backoff.until < outcome.backoff.until)) {
    const { streak, ...backoff } = outcome.backoff;
    record.backoff = streak === undefined || streak === 0 ? backoff : { ...backoff, streak };
  }
}

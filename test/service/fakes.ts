// Plain fakes of the core's ports, for tests that exercise policy without I/O.
import type { CachedToken, TargetState } from '../../lambda/domain/cached-token.js';
import type { Target } from '../../lambda/domain/config/schema.js';
import type { CallerAdmission, CredentialSource, Credentials, IssueRequest, IssuedBoundToken, LeaseAnswer, LeaseRequest, Log, LoginOutcome, Metrics, TokenIssuer } from '../../lambda/domain/ports.js';
import { MemoryTokenStore } from '../../lambda/adapters/memory-token-store.js';
import { MemoryLoginCoordinator } from '../../lambda/service/memory-login-coordinator.js';
import type { MetricName } from '../../lambda/domain/metric-names.js';

export class FakeClock {
  constructor(public time = 1_700_000_000_000) {}
  now = (): number => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields?: Record<string, unknown> | undefined;
}

export class CapturingLog implements Log {
  readonly lines: LogLine[] = [];
  debug = (message: string, fields?: Record<string, unknown>) => void this.lines.push({ level: 'debug', message, fields });
  info = (message: string, fields?: Record<string, unknown>) => void this.lines.push({ level: 'info', message, fields });
  warn = (message: string, fields?: Record<string, unknown>) => void this.lines.push({ level: 'warn', message, fields });
  error = (message: string, fields?: Record<string, unknown>) => void this.lines.push({ level: 'error', message, fields });
  text(): string {
    return JSON.stringify(this.lines);
  }
}

/**
 * The shipped in-memory store, counting every read and write that reaches it, with a way to look
 * at a slot without counting a read. The counters live here, in test code: the shipped store
 * offers the port and nothing else.
 */
export class CountingTokenStore extends MemoryTokenStore {
  reads = 0;
  writes = 0;
  readonly #written: string[] = [];

  override async get(slotKey: string): Promise<TargetState | undefined> {
    this.reads++;
    return super.get(slotKey);
  }
  override async put(slotKey: string, state: TargetState): Promise<void> {
    this.writes++;
    await super.put(slotKey, state);
    if (!this.#written.includes(slotKey)) this.#written.push(slotKey);
  }
  /** What the slot holds now, read past the counter. */
  peek(slotKey: string): Promise<TargetState | undefined> {
    return super.get(slotKey);
  }
  /** The token the slot holds now, read past the counter. */
  async token(slotKey: string): Promise<CachedToken | undefined> {
    return (await this.peek(slotKey))?.token;
  }
  /** Every slot written so far, in the order of its first write. */
  slotsWritten(): string[] {
    return [...this.#written];
  }
}

/** The counting store with injectable failures, as SSM throttling or access denial would cause; a failed call still counts. */
export class FakeStore extends CountingTokenStore {
  failReads: Error | undefined;
  failWrites: Error | undefined;

  override async get(slotKey: string): Promise<TargetState | undefined> {
    if (this.failReads) {
      this.reads++;
      throw this.failReads;
    }
    return super.get(slotKey);
  }
  override async put(slotKey: string, state: TargetState): Promise<void> {
    if (this.failWrites) {
      this.writes++;
      throw this.failWrites;
    }
    return super.put(slotKey, state);
  }
}

/** The in-memory login coordinator with an injectable failure (DynamoDB unreachable or access denied), counting calls. */
export class FakeCoordinator extends MemoryLoginCoordinator {
  fail: Error | undefined;
  acquires: LeaseRequest[] = [];
  releases: Array<{ holder: string; outcome: LoginOutcome }> = [];
  override async acquire(request: LeaseRequest): Promise<LeaseAnswer> {
    this.acquires.push(request);
    if (this.fail) throw this.fail;
    return super.acquire(request);
  }
  override async release(account: string, holder: string, outcome: LoginOutcome, now: number): Promise<void> {
    this.releases.push({ holder, outcome });
    if (this.fail) throw this.fail;
    return super.release(account, holder, outcome, now);
  }
  override async admitCaller(admission: CallerAdmission): Promise<boolean> {
    if (this.fail) throw this.fail;
    return super.admitCaller(admission);
  }
}

export class FakeCredentials implements CredentialSource {
  reads = 0;
  constructor(
    public credentials: Credentials = { kind: 'user', username: 'fake-user', password: 'fake-password-not-real' },
    public version = 'v1',
  ) {}
  async read(_secretId: string) {
    this.reads++;
    return { credentials: this.credentials, version: this.version };
  }
}

/** Issues tokens `fake-token-N` valid for `lifetimeMs`, or fails with the queued errors. */
export class FakeIssuer implements TokenIssuer {
  calls: Array<{ target: string; credentials: Credentials; client: string; referer?: string | undefined; ip?: string | undefined }> = [];
  /** The deadline each login was given. */
  deadlines: Array<number | undefined> = [];
  failures: Error[] = [];
  lifetimeMs: number;
  /** Resolves issue() only when released, to hold many callers in flight. */
  gate: Promise<void> | undefined;

  constructor(
    private readonly clock: FakeClock,
    lifetimeMs = 3_600_000,
  ) {
    this.lifetimeMs = lifetimeMs;
  }

  /** The login site is the target's URL: every target with one secret at one URL is one account. */
  async loginSite(target: Target): Promise<string> {
    return target.url;
  }

  /** Tokens ArcGIS has invalidated (answered 498 on use); every check is recorded. */
  readonly revoked = new Set<string>();
  checks: string[] = [];
  checkVerdict: 'alive' | 'revoked' | 'unknown' | undefined;
  async check(_target: Target, token: { token: string }): Promise<'alive' | 'revoked' | 'unknown'> {
    this.checks.push(token.token);
    return this.checkVerdict ?? (this.revoked.has(token.token) ? 'revoked' : 'alive');
  }

  async issue(request: IssueRequest): Promise<IssuedBoundToken> {
    this.deadlines.push(request.deadline);
    const call = this.calls.length + 1;
    this.calls.push({ target: request.target.name, credentials: request.credentials, client: request.client, ...(request.referer ? { referer: request.referer } : {}), ...(request.ip ? { ip: request.ip } : {}) });
    const lifetimeMs = this.lifetimeMs;
    if (this.gate) await this.gate;
    const failure = this.failures.shift();
    if (failure) throw failure;
    const binding = request.credentials.kind === 'app' ? { client: 'none' as const } : { client: request.client, ...(request.client === 'referer' ? { referer: request.referer } : {}), ...(request.client === 'ip' ? { ip: request.ip } : {}) };
    return { token: `fake-token-${call}`, expires: this.clock.now() + lifetimeMs, ssl: true, binding };
  }
}

export class CountingMetrics implements Metrics {
  readonly counts: Array<{ name: MetricName; target: string; dimensions?: Record<string, string> | undefined }> = [];
  count = (name: MetricName, target: string, dimensions?: Record<string, string>) => void this.counts.push({ name, target, ...(dimensions ? { dimensions } : {}) });
  total(name: MetricName): number {
    return this.counts.filter((c) => c.name === name).length;
  }
}

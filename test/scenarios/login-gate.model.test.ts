// Model-based test of the fleet's login guarantees: N containers (TokenService instances) share one
// token store and one login coordinator, and fast-check's scheduler decides when every store call,
// coordinator call, ArcGIS answer and poll completes. Time moves only as containers wait (poll), so
// a holder starved by the scheduler sees its lease run out, as a slow login would. Calls keep their
// real bounds: an ArcGIS request is aborted at its deadline, and a coordinator call not answered
// within its timeout fails for the caller (applied or not, as a real one may be).
//
// Whatever the interleaving:
//   - never two logins in flight for the account (one aborted at its deadline ended there);
//   - while the coordinator answers in time: never a second login with a secret version ArcGIS
//     rejected, nor one within a minute of a login whose answer was lost;
//   - when it does not: each container still makes at most one login per rejected version;
//   - never a lost token: a slot's stored token never goes back to an older one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryTokenStore } from '../../lambda/adapters/memory-token-store.js';
import type { Target } from '../../lambda/domain/config/schema.js';
import { parseServiceConfig } from '../../lambda/domain/config/parse-config.js';
import type { TargetState } from '../../lambda/domain/cached-token.js';
import { MemoryLoginCoordinator } from '../../lambda/service/memory-login-coordinator.js';
import type { AccountRecord, CallerAdmission, IssueRequest, IssuedBoundToken, LeaseAnswer, LeaseRequest, LoginCoordinator, LoginOutcome, TokenIssuer } from '../../lambda/domain/ports.js';
import { TokenService } from '../../lambda/service/token-service.js';
import { ArcGisUnreachableError, InvalidCredentialsError } from '../../lambda/domain/errors.js';
import { CapturingLog, FakeCredentials } from '../service/fakes.js';

const config = parseServiceConfig(
  {
    targets: [
      { name: 'a', url: 'https://gis.example.com/portal', referer: 'https://a.example.com', secretId: 'arcgis/shared' },
      { name: 'b', url: 'https://gis.example.com/portal', referer: 'https://b.example.com', secretId: 'arcgis/shared' },
    ],
  },
  'model',
);

/** A clock that moves only when told, and fires deadlines that it passes. */
class ModelClock {
  time = 1_700_000_000_000;
  private readonly timers: Array<{ at: number; fire: () => void }> = [];
  now = (): number => this.time;
  advance(ms: number): void {
    this.time += ms;
    for (const timer of this.timers.filter((t) => t.at <= this.time)) {
      this.timers.splice(this.timers.indexOf(timer), 1);
      timer.fire();
    }
  }
  at(time: number, fire: () => void): () => void {
    const timer = { at: time, fire };
    this.timers.push(timer);
    return () => {
      const index = this.timers.indexOf(timer);
      if (index >= 0) this.timers.splice(index, 1);
    };
  }
}

class TimedOut extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * A call to a remote service: sent and answered when the scheduler says. With a timeout, a call not
 * yet sent when it passes is never applied, and one not yet answered fails for the caller.
 */
function remote<T>(s: fc.Scheduler, clock: ModelClock, label: string, timeoutMs: number | undefined, apply: () => Promise<T>, onLate: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const deadline = timeoutMs === undefined ? undefined : clock.now() + timeoutMs;
    const cancel = deadline === undefined ? () => undefined : clock.at(deadline, () => {
      if (done) return;
      done = true;
      onLate();
      reject(new TimedOut(`${label} timed out`));
    });
    void s
      .schedule(Promise.resolve(), `${label} sent`)
      .then(async () => {
        if (done) return; // the caller gave up before it was sent
        const value = await apply();
        await s.schedule(Promise.resolve(), `${label} answered`);
        if (done) return;
        done = true;
        cancel();
        resolve(value);
      });
  });
}

class ModelCoordinator implements LoginCoordinator {
  late = 0;
  constructor(
    private readonly s: fc.Scheduler,
    private readonly clock: ModelClock,
    private readonly inner: MemoryLoginCoordinator,
  ) {}
  private call<T>(label: string, timeoutMs: number | undefined, apply: () => Promise<T>): Promise<T> {
    return remote(this.s, this.clock, label, timeoutMs, apply, () => this.late++);
  }
  acquire(request: LeaseRequest, timeoutMs?: number): Promise<LeaseAnswer> {
    return this.call(`acquire ${request.holder}`, timeoutMs, () => this.inner.acquire(request));
  }
  release(account: string, holder: string, outcome: LoginOutcome, now: number, timeoutMs?: number): Promise<void> {
    return this.call(`release ${holder} ${outcome.kind}`, timeoutMs, () => this.inner.release(account, holder, outcome, now));
  }
  read(account: string, timeoutMs?: number): Promise<AccountRecord | undefined> {
    return this.call('read', timeoutMs, () => this.inner.read(account));
  }
  admitCaller(admission: CallerAdmission, timeoutMs?: number): Promise<boolean> {
    return this.call('admit', timeoutMs, () => this.inner.admitCaller(admission));
  }
}

class ModelStore extends MemoryTokenStore {
  /** Every token expiry each slot held, in write order. */
  readonly history = new Map<string, number[]>();
  constructor(
    private readonly s: fc.Scheduler,
    private readonly clock: ModelClock,
  ) {
    super();
  }
  override get(slotKey: string): Promise<TargetState | undefined> {
    return remote(this.s, this.clock, `get ${slotKey}`, undefined, () => super.get(slotKey), () => undefined);
  }
  override put(slotKey: string, state: TargetState): Promise<void> {
    return remote(this.s, this.clock, `put ${slotKey}`, undefined, () => {
      if (state.token !== undefined) this.history.set(slotKey, [...(this.history.get(slotKey) ?? []), state.token.expires]);
      return super.put(slotKey, state);
    }, () => undefined);
  }
}

interface Login {
  container: number;
  version: string;
  start: number;
  deadline: number;
  /** When it ended for the service: the answer, or the abort at the deadline. */
  end?: number;
  /** The order of start and end events: the model clock gives many events one time. */
  startSeq: number;
  endSeq?: number;
  outcome?: 'token' | 'rejected' | 'lost';
}

let events = 0;

/** ArcGIS: answers when the scheduler says (aborted at the deadline); rejects wrong versions; loses some answers. */
class ModelArcGis implements TokenIssuer {
  readonly logins: Login[] = [];
  constructor(
    private readonly s: fc.Scheduler,
    private readonly clock: ModelClock,
    private readonly credentials: FakeCredentials,
    private readonly wrong: ReadonlySet<string>,
    private readonly lose: () => boolean,
    private readonly container: number,
  ) {}
  async loginSite(target: Target): Promise<string> {
    return target.url;
  }
  async check(): Promise<'alive'> {
    return 'alive';
  }
  issue(request: IssueRequest): Promise<IssuedBoundToken> {
    const login: Login = { container: this.container, version: this.credentials.version, start: this.clock.now(), deadline: request.deadline!, startSeq: ++events };
    this.logins.push(login);
    const lost = (): ArcGisUnreachableError => {
      login.outcome = 'lost';
      login.end = this.clock.now();
      login.endSeq = ++events;
      const error = new ArcGisUnreachableError(`${request.target.url} did not answer in time.`);
      error.requestMayHaveArrived = true;
      error.loginOutcomeUnknown = true;
      return error;
    };
    return new Promise((resolve, reject) => {
      let done = false;
      const cancel = this.clock.at(login.deadline, () => {
        if (done) return;
        done = true;
        reject(lost());
      });
      void this.s.schedule(Promise.resolve(), `ArcGIS answers ${request.target.name} (container ${this.container})`).then(() => {
        if (done) return;
        done = true;
        cancel();
        if (this.lose()) return reject(lost());
        login.end = this.clock.now();
        login.endSeq = ++events;
        if (this.wrong.has(login.version)) {
          login.outcome = 'rejected';
          return reject(new InvalidCredentialsError({ url: `${request.target.url}/sharing/rest/generateToken`, code: 400, message: 'Unable to generate token.', details: ['Invalid username or password.'] }, 'Fix the secret.'));
        }
        login.outcome = 'token';
        resolve({ token: `fake-token-${this.logins.length}`, expires: this.clock.now() + 3_600_000, ssl: true, binding: { client: 'referer', referer: request.referer } });
      });
    });
  }
}

type Step = { kind: 'get'; container: number; target: 'a' | 'b'; minValidity: number } | { kind: 'schedule'; container: number };

const stepArb = (containers: number): fc.Arbitrary<Step> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('get' as const), container: fc.nat({ max: containers - 1 }), target: fc.constantFrom('a' as const, 'b' as const), minValidity: fc.constantFrom(0, 0, 3_000) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('schedule' as const), container: fc.nat({ max: containers - 1 }) }) },
  );

describe('fleet login guarantees under every interleaving', () => {
  it('hold for random fleets, requests, outcomes and orders of completion', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 2, max: 4 }).chain((n) => fc.tuple(fc.constant(n), fc.array(stepArb(n), { minLength: 2, maxLength: 8 }), fc.array(stepArb(n), { maxLength: 4 }))),
        fc.boolean(),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        async (s, [n, first, second], startWrong, losses) => {
          const clock = new ModelClock();
          const credentials = new FakeCredentials(undefined, 'v1');
          const wrong = new Set(startWrong ? ['v1'] : []);
          let answers = 0;
          const lose = () => losses[answers++ % losses.length] === true && answers % 3 === 0;
          const store = new ModelStore(s, clock);
          const coordinator = new ModelCoordinator(s, clock, new MemoryLoginCoordinator());
          const sleep = (ms: number) => s.schedule(Promise.resolve(), `sleep ${ms}`).then(() => clock.advance(ms));
          const issuers = Array.from({ length: n }, (_, i) => new ModelArcGis(s, clock, credentials, wrong, lose, i));
          const containers = issuers.map((issuer) => new TokenService({ config, store, coordinator, credentials, issuer, log: new CapturingLog(), now: clock.now, sleep }));
          const start = (steps: Step[]) =>
            steps.map((step) =>
              (step.kind === 'get' ? containers[step.container]!.getToken(step.target, step.minValidity) : containers[step.container]!.refreshIfDue('a', 15 * 60_000)).catch((error: unknown) => error),
            );

          await s.waitFor(Promise.all(start(first)));
          // A second wave after the secret was fixed and time passed: pauses end, backoffs run out.
          credentials.version = 'v2';
          clock.advance(2 * 60_000);
          await s.waitFor(Promise.all(start(second)));

          const logins = issuers.flatMap((issuer) => issuer.logins).sort((x, y) => x.startSeq - y.startSeq);
          const report = () => `${JSON.stringify(logins)}\n${s.report()}`;
          for (const [i, login] of logins.entries()) {
            for (const earlier of logins.slice(0, i)) expect(login.startSeq, report()).toBeGreaterThan(earlier.endSeq ?? Number.POSITIVE_INFINITY);
          }
          for (const [i, login] of logins.entries()) {
            const before = logins.slice(0, i);
            if (coordinator.late === 0) {
              expect(before.filter((l) => l.outcome === 'rejected' && l.version === login.version), report()).toEqual([]);
              const lost = before.filter((l) => l.outcome === 'lost').at(-1);
              if (lost !== undefined) expect(login.start - lost.end!, report()).toBeGreaterThanOrEqual(60_000);
            } else {
              expect(before.filter((l) => l.outcome === 'rejected' && l.version === login.version && l.container === login.container), report()).toEqual([]);
            }
          }
          for (const [slot, expiries] of store.history) expect([...expiries].sort((x, y) => x - y), `slot ${slot}: ${report()}`).toEqual(expiries);
        },
      ),
      { numRuns: 300 },
    );
  });
});

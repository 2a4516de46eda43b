// One doctor run as it is made: the checks done so far, the one open now (the requests it made,
// recorded through recording-fetch so nothing secret, and its findings), and the HTTP context every
// step of the sign-in sequence uses. The listener hears each check as it opens and closes, and each
// request as it comes back, so the text report prints as the run goes.
import type { SignInContext } from '../../arcgis/sign-in.js';
import type { Check, CheckId, DoctorDeps, DoctorListener, DoctorOptions, Finding, Verdict } from './findings.js';
import { recordingFetch, type RecordedExchange } from './recording-fetch.js';

const ORDER: Record<Verdict, number> = { skip: 0, ok: 1, warn: 2, fail: 3 };

export class DoctorRun {
  readonly checks: Check[] = [];
  readonly http: SignInContext;
  private open: { id: CheckId; title: string; requests: RecordedExchange[]; findings: Finding[] } | undefined;

  constructor(
    options: Pick<DoctorOptions, 'timeoutMs'>,
    deps: DoctorDeps,
    private readonly listener: DoctorListener,
  ) {
    const fetch = recordingFetch(deps.fetch, (exchange) => {
      this.open?.requests.push(exchange);
      listener.request(exchange);
    });
    this.http = { timeoutMs: options.timeoutMs, fetch, now: deps.now };
  }

  /** Opens the next check: the requests and findings that follow are its own, until finish(). */
  start(id: CheckId, title: string): void {
    this.listener.checkStarted(this.checks.length + 1, title);
    this.open = { id, title, requests: [], findings: [] };
  }

  add(...findings: Finding[]): void {
    if (this.open === undefined) throw new Error('doctor: a finding outside a check (a doctor bug)');
    this.open.findings.push(...findings);
  }

  /** What the open check has sent so far. */
  get requests(): readonly RecordedExchange[] {
    return this.open?.requests ?? [];
  }

  /** Closes the open check; its verdict is its worst finding's (skip only when every finding is a skip). */
  finish(): void {
    if (this.open === undefined) return;
    const { id, title, requests, findings } = this.open;
    const verdict = findings.reduce<Verdict>((worst, f) => (ORDER[f.verdict] > ORDER[worst] ? f.verdict : worst), 'skip');
    const done: Check = { id, title, verdict, requests, findings };
    this.open = undefined;
    this.checks.push(done);
    this.listener.checkDone(done);
  }

  /** A check whose requests and findings are all made by `body`. */
  async check<T>(id: CheckId, title: string, body: () => Promise<T>): Promise<T> {
    this.start(id, title);
    const result = await body();
    this.finish();
    return result;
  }
}

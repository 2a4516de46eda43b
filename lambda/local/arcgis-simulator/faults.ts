// The fault knobs tests turn: what can go wrong between a client and ArcGIS (a proxy's HTML page, a
// rate limit, a reset, a hang, a huge body, latency), the queues that decide which request gets
// which fault, and the timers that close() cancels so nothing answers after the simulator closed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { echoedRequest, GARBAGE_BYTES, HTML_TYPE, LOGIN_PAGE, PORTAL_JSON_TYPE, TEXT_TYPE } from './payloads.js';
import type { RecordedRequest } from './requests.js';
import { send, streamBytes } from './responses.js';

export type SimulatorFault =
  | { kind: 'html'; status?: number } // HTML page (default status 200)
  | { kind: 'status'; status: number; body?: string; contentType?: string; headers?: Record<string, string> } // arbitrary status/body/headers (e.g. 429 with Retry-After)
  | { kind: 'json'; body: unknown; status?: number } // arbitrary JSON body (JSON.stringify), default 200
  | { kind: 'garbage' } // 200, text/plain, non-JSON bytes
  | { kind: 'huge'; bytes: number } // 200, body of that many bytes, streamed without content-length
  | { kind: 'redirect'; location: string; status?: number } // default 302
  | { kind: 'hang' } // never answers (socket kept open until close())
  | { kind: 'reset' } // destroys the socket without answering
  | { kind: 'delay'; ms: number } // answers normally after ms
  | { kind: 'echo'; status?: number }; // an ArcGIS error quoting the request back (raw body and each field), as a debugging proxy does

/** Timers that stop() cancels, so no answer is written after the simulator closed. */
export class Pauses {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  sleep(ms: number): Promise<void> {
    if (this.stopped) return new Promise<void>(() => {}); // never answer once closed
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  /** Cancels every pending timer; false when already stopped. */
  stop(): boolean {
    if (this.stopped) return false;
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    return true;
  }
}

/** The three fault queues (each FIFO) and the latency setting. */
export class FaultKnobs {
  private readonly tokenFaults: SimulatorFault[] = [];
  private readonly requestFaults: SimulatorFault[] = [];
  private readonly loginFaults: SimulatorFault[] = [];
  private latency = 0;
  private scope: 'token' | 'all' = 'token';

  /** The next `times` token requests (any generateToken endpoint or oauth2/token) get this fault. */
  failNext(fault: SimulatorFault, times = 1): void {
    for (let i = 0; i < times; i += 1) this.tokenFaults.push(fault);
  }

  /** The next `times` requests of any kind get this fault before anything else looks at them. */
  failNextRequest(fault: SimulatorFault, times = 1): void {
    for (let i = 0; i < times; i += 1) this.requestFaults.push(fault);
  }

  /** The next `times` token requests that carry credentials get this fault, ahead of failNext's queue. */
  failNextLogin(fault: SimulatorFault, times = 1): void {
    for (let i = 0; i < times; i += 1) this.loginFaults.push(fault);
  }

  clearFaults(): void {
    this.tokenFaults.length = 0;
    this.requestFaults.length = 0;
    this.loginFaults.length = 0;
  }

  setLatency(ms: number, scope: 'token' | 'all' = 'token'): void {
    this.latency = Math.max(0, ms);
    this.scope = scope;
  }

  /** The delay before a token request's answer. */
  tokenLatencyMs(): number {
    return this.latency;
  }

  /** The delay before any other request's answer; undefined (no pause at all) unless the scope is 'all'. */
  otherLatencyMs(): number | undefined {
    return this.scope === 'all' ? this.latency : undefined;
  }

  /** The fault for the next request of any kind, if one is queued. */
  takeRequestFault(): SimulatorFault | undefined {
    return this.requestFaults.shift();
  }

  /** The fault for a token request: failNextLogin's queue first when it carries credentials, then failNext's. */
  takeTokenFault(withCredentials: boolean): SimulatorFault | undefined {
    return (withCredentials ? this.loginFaults.shift() : undefined) ?? this.tokenFaults.shift();
  }
}

/**
 * Answers (or withholds the answer to) a request with the fault; true when the request is then
 * done, false for a delay, after which it is answered normally.
 */
export async function applyFault(
  fault: SimulatorFault,
  req: IncomingMessage,
  res: ServerResponse,
  recorded: RecordedRequest,
  pauses: Pauses,
): Promise<boolean> {
  switch (fault.kind) {
    case 'html':
      send(res, fault.status ?? 200, HTML_TYPE, LOGIN_PAGE);
      return true;
    case 'status':
      for (const [name, value] of Object.entries(fault.headers ?? {})) res.setHeader(name, value);
      send(res, fault.status, fault.contentType ?? TEXT_TYPE, fault.body ?? '');
      return true;
    case 'json':
      send(res, fault.status ?? 200, PORTAL_JSON_TYPE, JSON.stringify(fault.body));
      return true;
    case 'garbage':
      send(res, 200, TEXT_TYPE, GARBAGE_BYTES);
      return true;
    case 'huge':
      await streamBytes(res, fault.bytes);
      return true;
    case 'redirect':
      res.setHeader('Location', fault.location);
      send(res, fault.status ?? 302, HTML_TYPE, '');
      return true;
    case 'hang':
      return true; // keep the socket open without answering; close() destroys it
    case 'reset':
      req.socket.destroy();
      return true;
    case 'delay':
      await pauses.sleep(fault.ms);
      return false;
    case 'echo':
      send(res, fault.status ?? 200, PORTAL_JSON_TYPE, JSON.stringify(echoedRequest(recorded.rawBody, recorded.form)));
      return true;
  }
}

// The local server (npm start's code, in its own process) under a steady load from this process
// with autocannon: requests served, errors, latency percentiles.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface SustainedResult {
  durationSeconds: number;
  targetRate: number;
  requests: number;
  requestsPerSecond: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p99: number; max: number };
}

export async function sustained(durationSeconds: number, rate: number): Promise<SustainedResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'lambda/local/main.ts'], { cwd: root, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`local server did not start:\n${out}`)), 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on (http:\/\/[\d.:]+)/.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once('exit', (code) => reject(new Error(`local server exited with ${code}:\n${out}`)));
    });
    child.stdout.resume();
    child.stderr.resume();
    await fetch(`${base}/token`); // the first request logs in; the load measures what follows
    const result = await autocannon({ url: `${base}/token`, connections: 32, duration: durationSeconds, overallRate: rate });
    return {
      durationSeconds,
      targetRate: rate,
      requests: result.requests.total,
      requestsPerSecond: Math.round(result.requests.average),
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    };
  } finally {
    child.kill('SIGTERM');
  }
}

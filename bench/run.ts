// `npm run bench`: measures the service on this machine and writes bench/results.json and
// docs/benchmarks.md. Not part of the test suite: numbers depend on the machine.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { coldStart } from './cold-start.js';
import { monthlyCost, type CostInputs } from './cost-model.js';
import { round } from './stats.js';
import { renderMarkdown, type BenchResults } from './report.js';
import { storm } from './storm.js';
import { sustained } from './sustained.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const quick = process.argv.includes('--quick');

function warmHit(): Promise<Record<string, unknown> & { baseline: { p50Ms: number; p99Ms: number }; handler: { p50Ms: number; p99Ms: number }; logBytesPerRequest: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/warm-hit-worker.ts'], { cwd: root, env: { ...process.env, BENCH_WARM_N: quick ? '20000' : '100000' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('exit', (code) => {
      const line = err.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (code === 0 && line) resolve(JSON.parse(line.slice('BENCH_RESULT '.length)));
      else reject(new Error(`warm-hit worker exited ${code}:\n${err}`));
    });
  });
}

const log = (message: string) => process.stderr.write(`${message}\n`);

if (process.argv.includes('--render')) {
  // Re-render docs/benchmarks.md from the last measurement.
  const { readFileSync } = await import('node:fs');
  writeFileSync(`${root}/docs/benchmarks.md`, renderMarkdown(JSON.parse(readFileSync(`${root}/bench/results.json`, 'utf8')) as BenchResults));
  log('re-rendered docs/benchmarks.md');
  process.exit(0);
}

log('1/4 warm hit latency…');
const warm = await warmHit();
log('2/4 storms…');
const storms = [];
for (const n of quick ? [100, 1000] : [100, 1000, 10_000]) storms.push(await storm(n));
log('3/4 sustained load…');
const load = await sustained(quick ? 5 : 30, 3000);
log('4/4 cold start…');
const cold = await coldStart(10);

const costInputs: CostInputs = { billedMsPerRequest: 2, memoryMb: 256, logBytesPerRequest: warm.logBytesPerRequest, tokenMinutes: 60, scheduleMinutes: 15, containerHours: 2, targets: 1, alarms: 3 };
const costs = [1, 10, 100].map((rps) => monthlyCost(costInputs, rps));

const results: BenchResults = {
  measuredAt: new Date().toISOString(),
  machine: { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model },
  warmHit: { ...warm, p50Ratio: round(warm.handler.p50Ms / warm.baseline.p50Ms, 2), targets: { p50RatioMax: 2, p99MsMax: 1 } },
  storms,
  sustained: load,
  coldStart: { ...cold, targets: { bundleKBMax: 500, ratioMax: 2 } },
  cost: { inputs: costInputs, months: costs },
};
mkdirSync(`${root}/docs`, { recursive: true });
writeFileSync(`${root}/bench/results.json`, `${JSON.stringify(results, null, 2)}\n`);

writeFileSync(`${root}/docs/benchmarks.md`, renderMarkdown(results));
log('wrote bench/results.json and docs/benchmarks.md');

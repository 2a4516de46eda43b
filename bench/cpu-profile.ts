// Reads V8 CPU profiles (node --cpu-prof) of cold starts and says where the time went, by the
// package or project file the code came from, through the bundle's source map. A function is
// placed by where it starts; the bundle's top level is one function holding every ES module's
// body (esbuild hoists them), which only line-level ticks can split, so an unminified build (one
// statement a line) tells module evaluation apart and a minified one (one line) cannot. Pure: the
// caller resolves bundle positions to sources.

/** The parts of a .cpuprofile this reads. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
    /** 1-based lines of the function where samples landed. */
    positionTicks?: Array<{ line: number; ticks: number }>;
  }>;
  samples: number[];
  /** µs since the previous sample; the first is since startTime. */
  timeDeltas: number[];
}

/**
 * Maps a 0-based line and column of a script to the group its code came from (undefined: not
 * mapped). Column -1 asks about a whole line (a line-level tick): answer undefined when a line
 * holds code of several sources, and the time goes to the function's own group instead.
 */
export type SourceResolver = (url: string, line: number, column: number) => string | undefined;

export interface ProfileAttribution {
  /** Self time per group, ms. */
  selfMs: Record<string, number>;
  /** Time with a project function (group + ' ' + name) anywhere on the stack, ms, counted once a sample. */
  inclusiveMs: Record<string, number>;
  /**
   * Self time of library code by who asked for it: 'zod ← lambda/domain/config/parse-config.ts parseServiceConfig'
   * (the nearest project function on the stack) or 'zod ← (module top level)' (a module body
   * ran it at import). Only groups that are packages (not Node's, not V8's).
   */
  byCallerMs: Record<string, number>;
  totalMs: number;
}

/** The group of code with no source: V8's own buckets, native functions, and Node's built-in modules. */
export function builtinGroup(functionName: string, url: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (!url.startsWith('node:')) return url;
  // node:internal/modules/esm/loader -> node:internal/modules/esm; node:internal/tls/secure-context -> node:internal/tls
  const parts = url.split('/');
  const depth = parts[1] === 'modules' || parts[1] === 'deps' ? 3 : 2;
  return parts.slice(0, depth).join('/');
}

/** The package (node_modules/@scope/name) or project file (lambda/…, bench/…) of a source path. */
export function sourceGroup(source: string): string {
  const nm = source.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = source.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const project = /(?:^|\/)((?:lambda|bench|infra)\/.*)$/.exec(source);
  return project?.[1] ?? source;
}

/** Whether a group is this project's own code (where a function's inclusive time is worth naming). */
export const isProjectGroup = (group: string): boolean => group.startsWith('lambda/');

/**
 * maxSampleUs caps what one sample counts: on a machine shared with other work the process is
 * sometimes descheduled, and the next sample then carries the whole wait (tens of ms) onto
 * whatever code happened to be running; capping at about the interval counts CPU, not waits.
 */
export function attributeProfile(profile: CpuProfile, resolve: SourceResolver, maxSampleUs = Number.POSITIVE_INFINITY): ProfileAttribution {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Self time of each node: a sample lasts until the next one (the last one is not counted).
  const selfUs = new Map<number, number>();
  const sampleUs = profile.samples.map((_, i) => Math.min(maxSampleUs, profile.timeDeltas[i + 1] ?? 0));
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + sampleUs[i]!));
  const frameGroup = (id: number): string => {
    const { callFrame } = byId.get(id)!;
    return resolve(callFrame.url, callFrame.lineNumber, callFrame.columnNumber) ?? builtinGroup(callFrame.functionName, callFrame.url);
  };
  const selfMs: Record<string, number> = {};
  const add = (group: string, us: number) => (selfMs[group] = (selfMs[group] ?? 0) + us / 1000);
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const ticks = node.positionTicks ?? [];
    const total = ticks.reduce((a, t) => a + t.ticks, 0);
    const mapped = ticks.map((t) => ({ group: resolve(node.callFrame.url, t.line - 1, -1), ticks: t.ticks }));
    if (total === 0 || mapped.some((m) => m.group === undefined)) {
      add(frameGroup(id), us);
      continue;
    }
    // A function spanning several sources (the bundle's top level holds every module's body):
    // each line's share of the samples goes to the source of that line.
    for (const m of mapped) add(m.group!, (us * m.ticks) / total);
  }
  const inclusiveMs: Record<string, number> = {};
  const byCallerMs: Record<string, number> = {};
  const isPackage = (group: string) => !group.startsWith('(') && !group.startsWith('node:') && !isProjectGroup(group) && !group.includes('://');
  profile.samples.forEach((leaf, i) => {
    const seen = new Set<string>();
    let caller: string | undefined;
    let underModuleBody = false;
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const { callFrame } = byId.get(id)!;
      const group = frameGroup(id);
      if (callFrame.functionName !== '' && isProjectGroup(group)) {
        const key = `${group} ${callFrame.functionName}`;
        seen.add(key);
        caller ??= key;
      }
      if (callFrame.functionName === '' && callFrame.lineNumber === 0 && callFrame.columnNumber === 0 && callFrame.url.startsWith('file:')) underModuleBody = true;
    }
    const us = sampleUs[i]! / 1000;
    for (const key of seen) inclusiveMs[key] = (inclusiveMs[key] ?? 0) + us;
    const leafGroup = frameGroup(leaf);
    if (isPackage(leafGroup) && (caller !== undefined || underModuleBody)) {
      const key = `${leafGroup} ← ${caller ?? '(module top level)'}`;
      byCallerMs[key] = (byCallerMs[key] ?? 0) + us;
    }
  });
  return { selfMs, inclusiveMs, byCallerMs, totalMs: sampleUs.reduce((a, b) => a + b, 0) / 1000 };
}

/** Mean of several runs' attributions (a group missing from a run counts 0 there). */
export function meanAttribution(runs: readonly ProfileAttribution[]): ProfileAttribution {
  const mean = (pick: (a: ProfileAttribution) => Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const run of runs) for (const [k, v] of Object.entries(pick(run))) out[k] = (out[k] ?? 0) + v / runs.length;
    return out;
  };
  return { selfMs: mean((a) => a.selfMs), inclusiveMs: mean((a) => a.inclusiveMs), byCallerMs: mean((a) => a.byCallerMs), totalMs: runs.reduce((a, r) => a + r.totalMs, 0) / runs.length };
}

export interface CostRow {
  group: string;
  ms: number;
  /** The same group in the baseline profile, ms. */
  baselineMs: number;
}

/** Groups whose self time grew most over the baseline, largest first: where the extra time went. */
export function extraCosts(profile: ProfileAttribution, baseline: ProfileAttribution, top: number): CostRow[] {
  const groups = new Set([...Object.keys(profile.selfMs), ...Object.keys(baseline.selfMs)]);
  return [...groups]
    .map((group) => ({ group, ms: profile.selfMs[group] ?? 0, baselineMs: baseline.selfMs[group] ?? 0 }))
    .sort((a, b) => b.ms - b.baselineMs - (a.ms - a.baselineMs) || a.group.localeCompare(b.group))
    .slice(0, top);
}

// Attribution of CPU profile samples to the code they came from: the figures the lead optimizes
// from, so each rule (self time, line-level split of the top level, inclusive project functions,
// V8's and Node's own buckets) is checked on a profile small enough to work out by hand.
import { describe, expect, it } from 'vitest';
import { attributeProfile, builtinGroup, extraCosts, meanAttribution, sourceGroup, type CpuProfile, type SourceResolver } from '../../bench/cpu-profile.js';

const BUNDLE = 'file:///tmp/bundle.mjs';

// root -> top level (bundle 0:0, lines 3 and 9) -> wire (lambda/handlers/composition.ts) -> object (zod)
//      -> (garbage collector); and a Node built-in.
const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1 }, children: [2, 5, 6] },
    { id: 2, callFrame: { functionName: '', url: BUNDLE, lineNumber: 0, columnNumber: 0 }, children: [3], positionTicks: [{ line: 3, ticks: 3 }, { line: 9, ticks: 1 }] },
    { id: 3, callFrame: { functionName: 'wire', url: BUNDLE, lineNumber: 20, columnNumber: 4 }, children: [4] },
    { id: 4, callFrame: { functionName: 'object', url: BUNDLE, lineNumber: 40, columnNumber: 2 } },
    { id: 5, callFrame: { functionName: '(garbage collector)', url: '', lineNumber: -1, columnNumber: -1 } },
    { id: 6, callFrame: { functionName: 'loadESM', url: 'node:internal/modules/esm/loader', lineNumber: 5, columnNumber: 1 } },
  ],
  // Each sample lasts until the next: 1 ms each (the last one is not counted).
  samples: [2, 2, 3, 4, 4, 5, 6, 6],
  timeDeltas: [0, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
};

const resolve: SourceResolver = (url, line) => {
  if (url !== BUNDLE) return undefined;
  if (line === 2) return 'lambda/domain/config/schema.ts';
  if (line === 8) return '@smithy/core';
  if (line === 20) return 'lambda/handlers/composition.ts';
  if (line === 40) return 'zod';
  return line === 0 ? '(top level)' : undefined;
};

describe('attributeProfile', () => {
  it('gives each sample its duration, splitting a function over its lines by their ticks', () => {
    expect(attributeProfile(PROFILE, resolve)).toEqual({
      selfMs: { 'lambda/domain/config/schema.ts': 1.5, '@smithy/core': 0.5, 'lambda/handlers/composition.ts': 1, zod: 2, '(garbage collector)': 1, 'node:internal/modules/esm': 1 },
      inclusiveMs: { 'lambda/handlers/composition.ts wire': 3 },
      byCallerMs: { 'zod ← lambda/handlers/composition.ts wire': 2 },
      totalMs: 7,
    });
  });

  it('falls back to the function\'s own place when a line cannot be placed (a minified line)', () => {
    const minified: SourceResolver = (url, line, column) => (column < 0 ? undefined : resolve(url, line, column));
    expect(attributeProfile(PROFILE, minified).selfMs['(top level)']).toBe(2);
  });

  it('charges library code run by a module body at import to the module top level', () => {
    const atImport: CpuProfile = {
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1, columnNumber: -1 }, children: [2] },
        { id: 2, callFrame: { functionName: '', url: BUNDLE, lineNumber: 0, columnNumber: 0 }, children: [3] },
        { id: 3, callFrame: { functionName: 'object', url: BUNDLE, lineNumber: 40, columnNumber: 2 } },
      ],
      samples: [3, 3, 3, 2],
      timeDeltas: [0, 500, 500, 500],
    };
    expect(attributeProfile(atImport, resolve).byCallerMs).toEqual({ 'zod ← (module top level)': 1.5 });
  });

  it('caps what one sample counts, so a wait for the CPU is not billed to the code that resumed', () => {
    const waited = { ...PROFILE, timeDeltas: [0, 1000, 1000, 1000, 40_000, 1000, 1000, 1000] };
    expect(attributeProfile(waited, resolve).selfMs.zod).toBe(41);
    expect(attributeProfile(waited, resolve, 1500)).toMatchObject({ selfMs: { zod: 2.5 }, totalMs: 7.5 });
  });
});

describe('meanAttribution and extraCosts', () => {
  it('averages runs (a group missing from a run counts 0) and ranks groups by growth over the baseline', () => {
    const a = { selfMs: { zod: 10, '@smithy/core': 20 }, inclusiveMs: {}, byCallerMs: { 'zod ← (module top level)': 10 }, totalMs: 30 };
    const b = { selfMs: { '@smithy/core': 22 }, inclusiveMs: {}, byCallerMs: {}, totalMs: 22 };
    const mean = meanAttribution([a, b]);
    expect(mean).toEqual({ selfMs: { zod: 5, '@smithy/core': 21 }, inclusiveMs: {}, byCallerMs: { 'zod ← (module top level)': 5 }, totalMs: 26 });
    const baseline = { selfMs: { '@smithy/core': 20, 'node:tls': 3 }, inclusiveMs: {}, byCallerMs: {}, totalMs: 23 };
    expect(extraCosts(mean, baseline, 2)).toEqual([
      { group: 'zod', ms: 5, baselineMs: 0 },
      { group: '@smithy/core', ms: 21, baselineMs: 20 },
    ]);
  });
});

describe('groups', () => {
  it('names the package of a node_modules path, scoped or not, and project files by their path', () => {
    expect(sourceGroup('../../../work/wt-d/node_modules/@smithy/core/dist-es/submodules/serde/x.js')).toBe('@smithy/core');
    expect(sourceGroup('../node_modules/zod/v4/mini/schemas.js')).toBe('zod');
    expect(sourceGroup('../../../work/wt-d/lambda/domain/config/schema.ts')).toBe('lambda/domain/config/schema.ts');
  });

  it('groups V8\'s buckets by name and Node\'s built-ins by area', () => {
    expect(builtinGroup('(garbage collector)', '')).toBe('(garbage collector)');
    expect(builtinGroup('parse', '')).toBe('(native)');
    expect(builtinGroup('x', 'node:internal/modules/esm/loader')).toBe('node:internal/modules/esm');
    expect(builtinGroup('x', 'node:internal/deps/undici/undici')).toBe('node:internal/deps/undici');
    expect(builtinGroup('x', 'node:internal/tls/secure-context')).toBe('node:internal/tls');
    expect(builtinGroup('x', 'node:tls')).toBe('node:tls');
  });
});

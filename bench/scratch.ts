// The bench's scratch folder: synthesized bundles, probes, the throwaway CA, CPU profiles and the
// cached Node 24 binary. Outside the repository, so nothing the bench writes can be committed.
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BENCH_SCRATCH = join(tmpdir(), 'atv-bench');

// The import graph of lambda/ runs one way, as the README's source tree says: entry points
// (handlers, local, cli) over the API, the service, the protocol and the adapters, all over
// domain/, and no file imports one that imports it back, directly or around a loop. Every relative
// import counts: `import type`, re-exports and `import()` too, since a cycle of types is still a
// tangle a reader has to follow.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LAMBDA = fileURLToPath(new URL('../../lambda/', import.meta.url));

/** Which folders of lambda/ each folder may import from (besides itself). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  domain: [],
  service: ['domain'],
  arcgis: ['domain'],
  adapters: ['domain'],
  client: ['domain'],
  http: ['domain', 'service'],
  handlers: ['domain', 'service', 'http', 'arcgis', 'adapters'],
  local: ['domain', 'service', 'http', 'arcgis', 'adapters', 'handlers'],
  cli: ['domain', 'arcgis', 'client'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** Each file (relative to lambda/) with the files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(LAMBDA)) {
    const from = relative(LAMBDA, file);
    const targets = [...readFileSync(file, 'utf8').matchAll(SPECIFIER)].map((m) => normalize(join(dirname(from), m[1]!.replace(/\.js$/, '.ts'))));
    graph.set(from, targets);
  }
  return graph;
}

const folderOf = (file: string) => file.split('/')[0]!;

describe('the import graph of lambda/', () => {
  const graph = importGraph();

  it('reads the tree (every folder has a rule, every relative import names a file)', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect([...new Set([...graph.keys()].map(folderOf))].filter((folder) => MAY_IMPORT[folder] === undefined)).toEqual([]);
    const dangling = [...graph].flatMap(([from, targets]) => targets.filter((t) => !graph.has(t)).map((t) => `${from} -> ${t}`));
    expect(dangling).toEqual([]);
  });

  it('runs one way: each folder imports only the folders below it', () => {
    const upward = [...graph].flatMap(([from, targets]) =>
      targets.filter((t) => folderOf(t) !== folderOf(from) && !MAY_IMPORT[folderOf(from)]!.includes(folderOf(t))).map((t) => `${from} -> ${t}`),
    );
    expect(upward).toEqual([]);
  });

  it('has no cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (file: string): void => {
      state.set(file, 'open');
      path.push(file);
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next].join(' -> '));
        else if (!state.has(next)) visit(next);
      }
      path.pop();
      state.set(file, 'done');
    };
    for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});

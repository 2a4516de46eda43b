// The README's source tree (in "The code, and more documentation") and docs/architecture.md's source-layout table
// describe the tree as it is: every folder and file they name exists where they put it, and every
// folder of lambda/ is named, so a move that forgets the documents fails here.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fencedBlocks } from './markdown.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(REPO, path), 'utf8');
const isDirectory = (path: string) => existsSync(join(REPO, path)) && statSync(join(REPO, path)).isDirectory();
const lambdaFolders = () =>
  readdirSync(join(REPO, 'lambda'))
    .filter((name) => isDirectory(`lambda/${name}`))
    .sort();

/** The README section's tree: each folder line with the files it names. */
function readmeTree(): Array<{ folder: string; files: string[] }> {
  const readme = read('README.md');
  const start = readme.indexOf('## The code, and more documentation');
  expect(start).toBeGreaterThan(-1);
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const [block] = fencedBlocks(section);
  expect(block?.lang).toBe('text');
  const rows: Array<{ folder: string; files: string[] }> = [];
  let parent = '';
  for (const line of block!.body.split('\n')) {
    const entry = /^(\s*)([a-z][a-z/.-]*\/)(\s|$)/.exec(line);
    const files = [...line.matchAll(/\b([a-z][a-z-]*\.ts)\b/g)].map((m) => m[1]!);
    if (entry === null) {
      // A continuation line: its files belong to the folder above.
      if (files.length > 0) rows.at(-1)?.files.push(...files);
      continue;
    }
    const folder = entry[1] === '' ? entry[2]! : `${parent}${entry[2]}`;
    if (entry[1] === '') parent = folder;
    rows.push({ folder, files });
  }
  return rows;
}

describe("the README's source tree", () => {
  it('names only folders and files that exist where it puts them', () => {
    const missing = readmeTree().flatMap(({ folder, files }) => [
      ...(isDirectory(folder) ? [] : [folder]),
      ...files.filter((file) => !existsSync(join(REPO, folder, file))).map((file) => `${folder}${file}`),
    ]);
    expect(missing).toEqual([]);
  });

  it('names every folder of lambda/', () => {
    const named = readmeTree()
      .map(({ folder }) => /^lambda\/([^/]+)\/$/.exec(folder)?.[1])
      .filter((name): name is string => name !== undefined)
      .sort();
    expect(named).toEqual(lambdaFolders());
  });
});

describe("docs/architecture.md's source layout", () => {
  const doc = read('docs/architecture.md');
  const start = doc.indexOf('## Source layout');
  const table = doc.slice(start, doc.indexOf('\n## ', start + 1));
  const rows = table
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| question') && !line.startsWith('|---'))
    .map((line) => line.split('|').map((cell) => cell.trim()));

  it('names files that exist in the folder of their row', () => {
    const missing: string[] = [];
    for (const [, , folderCell = '', fileCell = ''] of rows) {
      const folders = [...folderCell.matchAll(/`([^`]+\/)`/g)].map((m) => m[1]!);
      for (const folder of folders) if (!isDirectory(folder)) missing.push(folder);
      for (const [, name] of fileCell.matchAll(/`([A-Za-z0-9_./-]+\.(?:ts|py|yaml)|[a-z-]+\/)`/g)) {
        if (!folders.some((folder) => existsSync(join(REPO, folder, name!)) || existsSync(join(REPO, name!)))) missing.push(`${folders.join(' or ')}${name}`);
      }
    }
    expect(rows.length).toBeGreaterThan(15);
    expect(missing).toEqual([]);
  });

  it('has a row for every folder of lambda/', () => {
    const named = new Set(rows.flatMap(([, , folderCell = '']) => [...folderCell.matchAll(/`lambda\/([^/`]+)\//g)].map((m) => m[1]!)));
    expect(lambdaFolders().filter((name) => !named.has(name))).toEqual([]);
  });
});

// Every relative link in the README and in docs/ leads somewhere: the file (or folder) exists, and
// an anchor into a Markdown file names one of its headings as GitHub renders them.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { headingAnchors, links } from './markdown.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DOCUMENTS = [
  'README.md',
  'clients/python/README.md',
  ...readdirSync(join(REPO, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

/** Links that leave the repository, or are not links to files. */
function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target);
}

/** Where each relative link of `document` fails: a missing file, or an anchor no heading has. */
function brokenLinks(document: string): string[] {
  const text = readFileSync(join(REPO, document), 'utf8');
  const broken: string[] = [];
  for (const { line, target } of links(text)) {
    if (isExternal(target)) continue;
    const [path = '', anchor] = target.split('#', 2) as [string, string | undefined];
    const file = path === '' ? join(REPO, document) : resolve(dirname(join(REPO, document)), decodeURIComponent(path));
    const where = `${document}:${line} → ${target}`;
    if (!file.startsWith(REPO)) {
      broken.push(`${where}: leaves the repository`);
    } else if (!existsSync(file)) {
      broken.push(`${where}: ${relative(REPO, file)} does not exist`);
    } else if (anchor !== undefined && anchor !== '' && file.endsWith('.md') && statSync(file).isFile() && !headingAnchors(readFileSync(file, 'utf8')).has(anchor)) {
      broken.push(`${where}: ${relative(REPO, file)} has no heading with the anchor #${anchor}`);
    }
  }
  return broken;
}

describe('relative links in the documentation', () => {
  it.each(DOCUMENTS)('%s: every relative link resolves to a file and a heading', (document) => {
    expect(brokenLinks(document)).toEqual([]);
  });

  it('checks the documents it should: the README, the Python client README and every docs/*.md', () => {
    expect(DOCUMENTS).toEqual(expect.arrayContaining(['README.md', 'docs/configuration.md', 'docs/architecture.md', 'docs/deployment.md', 'docs/reliability.md']));
  });
});

describe('the link checker itself', () => {
  it('gives headings the anchors GitHub gives them', () => {
    const anchors = headingAnchors(
      [
        '# Title',
        '## Front doors: HTTP API, REST API or Function URL',
        '## Plain http:// (allowInsecureHttp)',
        '## Construct props without a -c key',
        '### `endpoint` and [links](x.md)',
        '## Title',
        '```bash',
        '# not a heading',
        '```',
      ].join('\n'),
    );
    expect([...anchors]).toEqual(['title', 'front-doors-http-api-rest-api-or-function-url', 'plain-http-allowinsecurehttp', 'construct-props-without-a--c-key', 'endpoint-and-links', 'title-1']);
  });

  it('finds links outside code and ignores those inside it', () => {
    const text = ['See [a](docs/a.md#x) and ![b](b.png).', '`[c](c.md)`', '```md', '[d](d.md)', '```', '[e](<e f.md>)'].join('\n');
    expect(links(text)).toEqual([
      { line: 1, target: 'docs/a.md#x' },
      { line: 1, target: 'b.png' },
      { line: 6, target: 'e f.md' },
    ]);
  });
});

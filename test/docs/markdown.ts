// What the documentation tests read from Markdown: fenced code blocks (with the `readme-test`
// marker before each), relative links, and the anchors GitHub gives headings.

export interface FencedBlock {
  /** 1-based line of the opening fence. */
  line: number;
  /** The info string's first word (`bash`, `json`, …); '' when there is none. */
  lang: string;
  body: string;
  /** The text of a `<!-- readme-test: … -->` comment on the nearest non-blank line above, if any. */
  marker: string | undefined;
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/;
const MARKER = /^<!--\s*readme-test:\s*(.*?)\s*-->$/;

export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (open === null) continue;
    const fence = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j]!.trim().startsWith(fence)) body.push(lines[j++]!);
    let above = i - 1;
    while (above >= 0 && lines[above]!.trim() === '') above--;
    const marker = above >= 0 ? MARKER.exec(lines[above]!.trim())?.[1] : undefined;
    blocks.push({ line: i + 1, lang: open[3] ?? '', body: `${body.join('\n')}\n`, marker });
    i = j;
  }
  return blocks;
}

/** The Markdown outside fenced blocks and inline code, where links and prose live (line numbers kept). */
export function prose(markdown: string): string {
  return outsideFences(markdown).replace(/`[^`\n]*`/g, '``');
}

function outsideFences(markdown: string): string {
  const lines = markdown.split('\n');
  const kept: string[] = [];
  let fence: string | undefined;
  for (const line of lines) {
    const open = FENCE.exec(line);
    if (fence === undefined && open !== null) {
      fence = open[2]!;
      kept.push('');
    } else if (fence !== undefined) {
      if (line.trim().startsWith(fence)) fence = undefined;
      kept.push('');
    } else {
      kept.push(line);
    }
  }
  return kept.join('\n');
}

export interface MarkdownLink {
  line: number;
  target: string;
}

/** Inline links and images `[text](target)` and `![alt](target)` outside code. */
export function links(markdown: string): MarkdownLink[] {
  const found: MarkdownLink[] = [];
  prose(markdown)
    .split('\n')
    .forEach((text, index) => {
      for (const match of text.matchAll(/\]\(\s*(?:<([^>]+)>|([^)\s]+))(?:\s+"[^"]*")?\s*\)/g)) found.push({ line: index + 1, target: (match[1] ?? match[2])! });
    });
  return found;
}

/** The anchors GitHub gives a document's headings (github-slugger): lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of outsideFences(markdown).split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading === null) continue;
    const text = heading[1]!.replace(/`([^`]*)`/g, '$1').replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[*]/g, '');
    const base = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

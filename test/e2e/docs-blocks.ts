/**
 * The command blocks of README.md and docs/*.md, for test/e2e/docs.test.ts.
 * A fenced block of shell, cron or console text is preceded by a marker:
 * `<!-- doc-test: NAME -->` (docs.test.ts runs it as procedure NAME) or
 * `<!-- not runnable here: REASON -->`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/go-tools.js';

export const COMMAND_LANGS = new Set(['sh', 'bash', 'shell', 'cron', 'console']);

export interface DocBlock {
  file: string;
  line: number;
  lang: string;
  /** doc-test name, or undefined. */
  test?: string;
  /** not-runnable reason, or undefined. */
  notRunnable?: string;
  text: string;
}

export function docFiles(): string[] {
  const docs = readdirSync(path.join(REPO_ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs.sort()];
}

export function docBlocks(): DocBlock[] {
  const blocks: DocBlock[] = [];
  for (const file of docFiles()) {
    const lines = readFileSync(path.join(REPO_ROOT, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const open = /^(\s*)```(\S*)\s*$/.exec(lines[i] ?? '');
      if (!open) continue;
      const indent = open[1] ?? '';
      const lang = open[2] ?? '';
      let j = i + 1;
      while (j < lines.length && (lines[j] ?? '').trim() !== '```') j++;
      const text = lines
        .slice(i + 1, j)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
        .join('\n');
      let k = i - 1;
      while (k >= 0 && (lines[k] ?? '').trim() === '') k--;
      const marker = (lines[k] ?? '').trim();
      const test = /^<!-- doc-test: ([\w-]+) -->$/.exec(marker)?.[1];
      const notRunnable = /^<!-- not runnable here: (.+) -->$/.exec(marker)?.[1];
      blocks.push({ file, line: i + 1, lang, text, ...(test ? { test } : {}), ...(notRunnable ? { notRunnable } : {}) });
      i = j;
    }
  }
  return blocks;
}

/** The blocks of procedure `name`, in document order. */
export function procedure(name: string): DocBlock[] {
  const found = docBlocks().filter((b) => b.test === name);
  if (found.length === 0) throw new Error(`no block is marked <!-- doc-test: ${name} -->`);
  return found;
}

/** Cron job lines (`m h dom mon dow user command`) of a block; variable assignments and comments left out. */
export function cronJobs(text: string): { schedule: string; user: string; command: string; line: string }[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.trim().startsWith('#') && !/^\w+=/.test(l.trim()))
    .map((line) => {
      const f = line.trim().split(/\s+/);
      return { schedule: f.slice(0, 5).join(' '), user: f[5] ?? '', command: f.slice(6).join(' '), line: line.trim() };
    });
}

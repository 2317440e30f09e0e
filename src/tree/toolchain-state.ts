/**
 * The platforms the tree's golang.org/toolchain list was last built for, kept
 * in `.gomirror/toolchain-platforms.json` so that commands without a
 * manifest (verify --repair) rebuild that list by the same rule as sync.
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic.js';
import type { TreeLayout } from './layout.js';

const FILE = 'toolchain-platforms.json';

export async function readToolchainPlatforms(layout: TreeLayout): Promise<string[] | undefined> {
  try {
    const data = JSON.parse(await readFile(path.join(layout.stateDir(), FILE), 'utf8')) as { platforms?: unknown };
    const p = data.platforms;
    return Array.isArray(p) && p.every((x) => typeof x === 'string') ? (p as string[]) : undefined;
  } catch {
    // Missing or unreadable: the list is then built without the platform rule.
    return undefined;
  }
}

export async function writeToolchainPlatforms(layout: TreeLayout, platforms: readonly string[]): Promise<void> {
  const text = `${JSON.stringify({ platforms: [...platforms] })}\n`;
  const file = path.join(layout.stateDir(), FILE);
  const old = await readFile(file, 'utf8').catch(() => undefined);
  if (old !== text) await writeFileAtomic(file, text);
}

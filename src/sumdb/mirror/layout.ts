/**
 * Where the checksum database lives in a tree, pure: the served mirror under
 * `sumdb/<name>/` (the URL space of the database itself, protocol doc §11)
 * and gomirror's own state under `.gomirror/sumdb/<name>/`.
 */
import path from 'node:path';
import { escapePath, escapeVersion } from '../../module/index.js';
import { STATE_DIR } from '../../tree/index.js';
import { tilePath, type Tile } from '../index.js';

/** Paths of one database's mirror and state in the tree at `root`. */
export interface SumdbLayout {
  readonly dir: string;
  /** `lookup/<escaped path>@<escaped version>`, relative to dir (also the URL path). */
  lookupPath(modulePath: string, version: string): string;
  tilePath(tile: Tile): string;
  /** Absolute file of a path relative to dir. */
  file(rel: string): string;
  supportedFile(): string;
  latestFile(): string;
  /** The newest verified signed tree head (never served). */
  stateLatestFile(): string;
  /** The verifier key the state was verified with (never served). */
  stateKeyFile(): string;
}

export function sumdbLayout(root: string, name: string): SumdbLayout {
  const dir = path.join(path.resolve(root), 'sumdb', ...name.split('/'));
  const state = path.join(path.resolve(root), STATE_DIR, 'sumdb', ...name.split('/'));
  const file = (rel: string): string => path.join(dir, ...rel.split('/'));
  return {
    dir,
    lookupPath: (m, v) => `lookup/${escapePath(m)}@${escapeVersion(v)}`,
    tilePath: (t) => tilePath(t),
    file,
    supportedFile: () => file('supported'),
    latestFile: () => file('latest'),
    stateLatestFile: () => path.join(state, 'latest'),
    stateKeyFile: () => path.join(state, 'key'),
  };
}

/** Go percent-encodes an escaped path on the wire: `!` travels as %21. */
export function wirePath(rel: string): string {
  return rel.replaceAll('!', '%21');
}

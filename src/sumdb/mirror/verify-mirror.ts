/**
 * Checks a tree's checksum-database mirror offline, for `gomirror verify`:
 * signatures, the consistency of every served note with the newest one, the
 * presence and authenticity of every tile a go client will ask for, each
 * record's inclusion, and each record's hashes against the tree's files.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ErrorCode, GomirrorError } from '../../errors.js';
import { matchPrefixPatterns, unescapePath, unescapeVersion } from '../../module/index.js';
import { treeLayout } from '../../tree/index.js';
import { hashGoMod } from '../../dirhash/index.js';
import { parseGoSum } from '../../gosum/index.js';
import { authenticateTiles, compareRecord, hashFromTile, KNOWN_SUMDB_KEYS, openNote, parseGosumdb, parseLookup, parseTree, parseVerifierKey, planTileReads, recordHash, storedHashIndex, subTreeIndex, TILE_HEIGHT, tileForIndex, tileParent, tilePath, tileSlot, treeHashFromHashes, type Tile, type TreeHead, type Verifier } from '../index.js';
import { mirrorTiles, sourceTiles } from './mirror-tiles.js';
import { sumdbLayout } from './layout.js';
import { createSumdbStore } from './store.js';

/** One thing wrong with the mirror, naming the file (relative to the tree root). */
export interface SumdbProblem {
  file: string;
  code: ErrorCode;
  message: string;
}

export interface VerifySumdbOptions {
  /** GOSUMDB value whose key to check with; else `.gomirror/sumdb/<name>/key`, else the known keys. */
  sumdb?: string;
  /** When given, every version in the tree not matching these patterns must have a lookup. */
  nosumdb?: readonly string[];
}

/** Verifies every database mirrored under `<root>/sumdb/`; returns the problems found (none: []). */
export async function verifySumdbMirror(root: string, opts: VerifySumdbOptions = {}): Promise<SumdbProblem[]> {
  const problems: SumdbProblem[] = [];
  const given = opts.sumdb ? parseGosumdb(opts.sumdb, 'sumdb') : null;
  for (const name of await findDatabases(path.join(root, 'sumdb'))) {
    const verifier = await keyFor(root, name, given?.name === name ? given.verifier : undefined);
    if (!verifier) {
      problems.push({ file: `sumdb/${name}`, code: 'E_SUMDB_SPEC', message: `no verifier key for ${name}: pass its GOSUMDB value with --sumdb (name+hash+key)` });
      continue;
    }
    problems.push(...(await verifyDatabase(root, name, verifier, opts)));
  }
  return problems;
}

async function verifyDatabase(root: string, name: string, verifier: Verifier, opts: VerifySumdbOptions): Promise<SumdbProblem[]> {
  const layout = sumdbLayout(root, name);
  const store = createSumdbStore(layout);
  const rel = (f: string): string => path.relative(root, layout.file(f)).split(path.sep).join('/');
  const problems: SumdbProblem[] = [];
  const problem = (file: string, code: ErrorCode, message: string): void => void problems.push({ file: rel(file), code, message });
  if ((await readFile(layout.supportedFile()).catch(() => undefined)) === undefined) problem('supported', 'E_SUMDB', 'missing');

  // Every note served, by tree size; the lookups and their records.
  const trees = new Map<number, { hash: Buffer; file: string }>();
  const records: { file: string; id: number; text: Buffer; module: string; version: string }[] = [];
  const addNote = (file: string, note: Buffer): TreeHead | undefined => {
    try {
      const tree = parseTree(openNote(note, [verifier]).text);
      const have = trees.get(tree.n);
      if (have && !have.hash.equals(tree.hash)) {
        problem(file, 'E_SUMDB_SECURITY', `tree ${tree.n} has a different hash in ${rel(have.file)} (a fork)`);
      } else trees.set(tree.n, { hash: tree.hash, file });
      return tree;
    } catch (err) {
      problem(file, (err as GomirrorError).code ?? 'E_SUMDB', (err as Error).message);
      return undefined;
    }
  };
  const latest = await store.read('latest');
  if (latest) addNote('latest', latest);
  for (const file of await store.listLookups()) {
    const data = (await store.read(file)) ?? Buffer.alloc(0);
    let lookup;
    try {
      lookup = parseLookup(data);
    } catch (err) {
      problem(file, 'E_SUMDB', (err as Error).message);
      continue;
    }
    const tree = addNote(file, lookup.note);
    const at = file.lastIndexOf('@');
    let module: string;
    let version: string;
    try {
      module = unescapePath(file.slice('lookup/'.length, at));
      version = unescapeVersion(file.slice(at + 1));
    } catch {
      problem(file, 'E_SUMDB', 'the file name is not lookup/<escaped path>@<escaped version>');
      continue;
    }
    if (!lookup.text.toString().split('\n').some((l) => l.startsWith(`${module} ${version} `) || l.startsWith(`${module} ${version}/go.mod `))) {
      problem(file, 'E_SUMDB', `the record is not about ${module}@${version}`);
    }
    if (tree && lookup.id >= tree.n) problem(file, 'E_SUMDB', `record ${lookup.id} is not in its note's tree of size ${tree.n}`);
    records.push({ file, id: lookup.id, text: lookup.text, module, version });
  }
  if (trees.size === 0) return problems;

  const n = Math.max(...trees.keys());
  const newest: TreeHead = { n, hash: (trees.get(n) as { hash: Buffer }).hash };
  const sizes = [...trees.keys()];
  const ids = records.filter((r) => r.id < n).map((r) => r.id);
  // What a go client holding each served tree reads (its own tile plan), as it reads it:
  // the exact width, else the full tile.
  const wanted = new Map<string, { tile: Tile; size: number }>();
  for (const size of sizes) {
    const indexes = [...ids.filter((id) => id < size).map((id) => storedHashIndex(0, id)), ...sizes.filter((m) => m < size).flatMap((m) => subTreeIndex(0, m))];
    for (const t of planTileReads(size, indexes, TILE_HEIGHT).tiles) wanted.set(tilePath(t), { tile: t, size });
  }
  for (const [p, { tile, size }] of wanted) {
    const exact = await store.read(p);
    const full = exact ? undefined : await store.read(tilePath({ ...tile, w: 256 }));
    if (exact ? exact.length !== tile.w * 32 : full?.length !== 256 * 32) {
      problem(p, 'E_SUMDB', `missing or the wrong size: go clients holding the tree of ${size} read it`);
    }
  }
  const publish = mirrorTiles(TILE_HEIGHT, n, sizes, ids);

  // Authenticate the newest tree's tiles from disk; then everything else is read from them.
  const sources = sourceTiles(TILE_HEIGHT, n, publish);
  const data = new Map<string, Buffer>();
  const set = [];
  for (const t of sources) {
    const d = await store.read(tilePath(t));
    if (d && d.length === t.w * 32) {
      set.push({ tile: t, data: d });
      data.set(tileSlot(t), d);
    }
  }
  if (set.length < sources.length) return problems;
  try {
    authenticateTiles(newest, set);
  } catch (err) {
    problem('tile', 'E_SUMDB', (err as Error).message);
    return problems;
  }
  for (const t of publish) {
    const d = await store.read(tilePath(t));
    if (d && !d.equals((data.get(tileSlot(t)) as Buffer).subarray(0, t.w * 32))) {
      problem(tilePath(t), 'E_SUMDB', 'differs from the same hashes in the newest tree');
    }
  }
  const hashAt = (index: number): Buffer => {
    const t = tileParent(tileForIndex(TILE_HEIGHT, index).tile, 0, n) as Tile;
    return hashFromTile(t, data.get(tileSlot(t)) as Buffer, index);
  };
  for (const [size, { hash, file }] of trees) {
    if (!treeHashFromHashes(size, subTreeIndex(0, size).map(hashAt)).equals(hash)) {
      problem(file, 'E_SUMDB_SECURITY', `tree ${size} is not contained in the newest tree ${n} (a fork)`);
    }
  }
  const sumsFile = treeLayout(root).sumsFile();
  const sums = new Map<string, string>();
  for (const l of parseGoSum(await readFile(sumsFile, 'utf8').catch(() => ''), sumsFile)) {
    if (!l.goMod) sums.set(`${l.path}@${l.version}`, l.hash);
  }
  const nosumdb = opts.nosumdb?.join(',');
  const looked = new Set(records.map((r) => `${r.module}@${r.version}`));
  for (const r of records) {
    if (r.id < n && !hashAt(storedHashIndex(0, r.id)).equals(recordHash(r.text))) {
      problem(r.file, 'E_SUMDB_SECURITY', `record ${r.id} is not the one in the signed tree`);
    }
    const modFile = treeLayout(root).versionFile(r.module, r.version, 'mod');
    const mod = await readFile(modFile).catch(() => undefined);
    const zip = sums.get(`${r.module}@${r.version}`);
    for (const m of compareRecord(r.text, r.module, r.version, { ...(mod ? { mod: hashGoMod(mod) } : {}), ...(zip ? { zip } : {}) })) {
      problem(r.file, 'E_CHECKSUM_MISMATCH', `the database has ${m.expected} for the ${m.file}, the tree ${m.actual}`);
    }
  }
  if (nosumdb !== undefined) {
    for (const line of sums.keys()) {
      if (!looked.has(line) && !matchPrefixPatterns(nosumdb, line.slice(0, line.lastIndexOf('@')))) {
        problems.push({ file: `sumdb/${name}/lookup`, code: 'E_SUMDB', message: `no lookup for ${line}: go clients with GOSUMDB on will fail` });
      }
    }
  }
  return problems;
}

/** Directories under sumdb/ that hold a database mirror (names may contain slashes). */
async function findDatabases(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  if (entries.some((e) => ['supported', 'lookup', 'tile', 'latest'].includes(e.name))) return [prefix];
  const out: string[] = [];
  for (const e of entries) if (e.isDirectory()) out.push(...(await findDatabases(path.join(dir, e.name), prefix ? `${prefix}/${e.name}` : e.name)));
  return out;
}

async function keyFor(root: string, name: string, given: Verifier | undefined): Promise<Verifier | undefined> {
  if (given) return given;
  const stored = await readFile(sumdbLayout(root, name).stateKeyFile(), 'utf8').catch(() => undefined);
  const key = stored?.trim() || KNOWN_SUMDB_KEYS[name];
  if (!key) return undefined;
  const v = parseVerifierKey(key);
  return v.name === name ? v : undefined;
}

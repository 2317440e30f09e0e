/**
 * Second step of `bundle import`: checks the staged files against the index
 * (signature, set of files, size and SHA-256 of each), then the module files
 * against the h1 hashes the bundle carries and the root already records.
 */
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { forEachBounded } from '../bounded.js';
import { GomirrorError, isGomirrorError } from '../errors.js';
import type { Logger } from '../logger.js';
import { openSumsByModule, type ModuleSums, type SumStore } from '../gosum/index.js';
import { checkModuleZip } from '../modzip/index.js';
import { hashGoMod } from '../dirhash/index.js';
import { BundleRefusedError } from './errors.js';
import { TextFileWriter } from './export-index.js';
import { INDEX_ENTRY, TREE_PREFIX, type BundleFile } from './index-format.js';
import { fileBytes, openIndex, type IndexReader } from './index-stream.js';
import { carriedGroups } from './carried-groups.js';
import { stagedFile, type StagedBundle } from './import-stage.js';
import { PathSet } from './path-set.js';
import { parseSignature, verifyIndexSignature } from './signature.js';
import type { StagedRecord } from './staged-records.js';
import { classifyTreePath } from './tree-paths.js';
import type { BundleSource } from './volumes.js';
import { checkBundledVulnDb } from './vulndb-check.js';
import { flatString } from '../flat-string.js';

export interface VerifiedBundle {
  /** The index, read again by each step that needs it (never held whole). */
  readonly index: IndexReader;
  readonly id: string;
  /** Module path → the sums keys (`version`, `version/go.mod`) of the .zip and .mod files this bundle carries, each `\n`-enclosed. */
  readonly carriedSumKeys: ReadonlyMap<string, string>;
  /** The bundle's vulnerability database is older than the root's: its vulndb/ files are left out. */
  readonly olderVulnDb?: boolean;
}

export interface VerifyContext {
  readonly verifyKey: KeyObject | undefined;
  /** The signature was already checked over these exact index bytes (read off the end of the tar, same id). */
  readonly signatureChecked: boolean;
  /** The root's recorded hashes: a bundle may add to them, never contradict them. */
  readonly sums: SumStore;
  /** Bytes of a tree file already in the root, or undefined. */
  readonly readExisting: (rel: string) => Promise<Buffer | undefined>;
  readonly logger: Logger;
  /** A directory for work files. */
  readonly workDir: string;
}

/** Verifies a staged bundle; throws BundleRefusedError (or E_SIGNATURE) naming the file and the check. */
export async function verifyStaged(source: BundleSource, staged: StagedBundle, ctx: VerifyContext): Promise<VerifiedBundle> {
  const refuse = (file: string | undefined, check: ConstructorParameters<typeof BundleRefusedError>[2], detail: string): never => {
    throw new BundleRefusedError(source.name, file, check, detail);
  };
  if (staged.index === undefined) {
    throw new BundleRefusedError(
      source.name,
      INDEX_ENTRY,
      'index',
      'the bundle ends without its index',
      'The bundle is truncated, or its last volume is missing.',
    );
  }
  // The bundle's sums, in a file that openSumsByModule reads a module at a time.
  const sumsFile = path.join(ctx.workDir, 'bundle-sums');
  const sumsOut = await TextFileWriter.create(sumsFile);
  let index: IndexReader;
  try {
    index = await openIndex(fileBytes(staged.index.file), `${source.name}: ${INDEX_ENTRY}`, (line) => sumsOut.write(`${line}\n`));
  } catch (err) {
    await sumsOut.close().catch(() => undefined);
    if (!(err instanceof GomirrorError) || err.code !== 'E_BUNDLE') throw err;
    return refuse(INDEX_ENTRY, 'index', err.message);
  }
  await sumsOut.close();
  if (ctx.verifyKey !== undefined && !ctx.signatureChecked) {
    try {
      verifyIndexSignature(await readFile(staged.index.file), staged.sigText, ctx.verifyKey, source.name);
    } catch (err) {
      const e = err as GomirrorError;
      throw new GomirrorError(e.code, e.message, { hint: `${e.hint ?? ''} Nothing was imported; the root is unchanged.`.trim(), cause: e });
    }
  } else if (ctx.verifyKey === undefined && staged.sigText !== undefined) {
    const sig = parseSignature(staged.sigText);
    ctx.logger.warn(`${source.name} is signed${sig ? ` by key ${sig.keyId}` : ''}; the signature was not checked (no --verify-key)`);
  }

  await checkStagedAgainstIndex(source, staged, index);

  // A bundle may add hashes, never contradict one this root recorded, even
  // for a file it does not carry: a recorded hash never changes.
  for await (const l of index.sumLines()) {
    const recorded = ctx.sums.get(l.path, l.version, l.goMod);
    const key = `${l.path} ${l.version}${l.goMod ? '/go.mod' : ''}`;
    if (recorded !== undefined && recorded !== l.hash) {
      refuse(INDEX_ENTRY, 'conflict', `its sums say ${l.hash} for ${key}, but this root recorded ${recorded}`);
    }
  }
  const bundleSums = await openSumsByModule(sumsFile);
  const carriedSumKeys = new Map<string, string>();
  const vulnDbPaths: string[] = [];
  try {
    // The module's bundled hashes, read when the walk reaches it (two files in flight: at most two modules).
    const cache = new Map<string, Promise<ModuleSums>>();
    const sumsOf = (modulePath: string): Promise<ModuleSums> => {
      let s = cache.get(modulePath);
      if (s === undefined) {
        if (cache.size >= 4) cache.delete(cache.keys().next().value as string);
        cache.set(modulePath, (s = bundleSums.forModule(modulePath)));
      }
      return s;
    };
    const checkHash = async (rel: string, modulePath: string, version: string, goMod: boolean, actual: string): Promise<void> => {
      const key = `${modulePath} ${version}${goMod ? '/go.mod' : ''}`;
      const carriedHash = (await sumsOf(modulePath)).get(modulePath, version, goMod);
      if (carriedHash === undefined) refuse(rel, 'h1', `the bundle carries no h1 hash for ${key}`);
      if (carriedHash !== actual) refuse(rel, 'h1', `h1 is ${actual}, the bundle's sums say ${carriedHash}`);
      const recorded = ctx.sums.get(modulePath, version, goMod);
      if (recorded !== undefined && recorded !== actual) {
        refuse(rel, 'conflict', `h1 is ${actual}, but this root recorded ${recorded} for ${key}`);
      }
    };
    // Each carried file with the set of its module's carried files (a zip is checked against its go.mod).
    async function* withGroup(): AsyncGenerator<{ f: BundleFile; group: ReadonlySet<string> }> {
      for await (const files of carriedGroups(index)) {
        noteCarriedSums(carriedSumKeys, files);
        const group = new Set(files.map((f) => f.path));
        for (const f of files) yield { f, group };
      }
    }
    // Two at a time, the next file taken only when one is done: no promise per file up front.
    await forEachBounded(withGroup(), 2, async ({ f, group }) => {
      if (f.path.startsWith('vulndb/')) vulnDbPaths.push(f.path);
      const t = classifyTreePath(f.path);
      if (t?.kind !== 'version') return;
      const file = stagedFile(staged, f.path);
      if (t.ext === 'info') {
        checkInfo(await readFile(file), t.version, (d) => refuse(f.path, 'info', d));
        return;
      }
      if (t.ext === 'mod') {
        await checkHash(f.path, t.modulePath, t.version, true, hashGoMod(await readFile(file)));
      } else {
        const modRel = f.path.replace(/\.zip$/, '.mod');
        const goMod = group.has(modRel) ? await readFile(stagedFile(staged, modRel)) : await ctx.readExisting(modRel);
        let h1: string;
        try {
          h1 = (await checkModuleZip(file, { modulePath: t.modulePath, version: t.version, ...(goMod ? { goMod } : {}) })).h1;
        } catch (err) {
          if (!isGomirrorError(err)) throw err;
          return refuse(f.path, 'zip rules', err.message.replace(`${file}: `, ''));
        }
        await checkHash(f.path, t.modulePath, t.version, false, h1);
      }
    });
  } finally {
    await bundleSums.close();
  }
  const vulnDbSet = new Set(vulnDbPaths);
  const vulndb = await checkBundledVulnDb(
    vulnDbPaths.sort(),
    (rel) => (vulnDbSet.has(rel) ? stagedFile(staged, rel) : undefined),
    ctx.readExisting,
  );
  if (vulndb.problem) refuse(vulndb.problem.file, 'vulndb', vulndb.problem.detail);
  if (vulndb.older) ctx.logger.warn(`${source.name}: its vulnerability database is older than the root's; the root keeps its copy`);
  return { index, id: staged.index.id, carriedSumKeys, ...(vulndb.older ? { olderVulnDb: true } : {}) };
}

/**
 * Notes the sums keys of one module's carried .zip and .mod files (one group
 * of carriedGroups) as one flat string. Built a file at a time, each module's
 * text was a chain of concatenations holding slices of the index's lines:
 * some 14 MB at 20,000 versions, kept until the commit.
 */
function noteCarriedSums(carried: Map<string, string>, files: readonly BundleFile[]): void {
  let modulePath: string | undefined;
  const keys: string[] = [''];
  for (const f of files) {
    const t = classifyTreePath(f.path);
    if (t?.kind !== 'version' || t.ext === 'info') continue;
    modulePath = t.modulePath;
    keys.push(t.ext === 'mod' ? `${t.version}/go.mod` : t.version);
  }
  if (modulePath === undefined) return;
  keys.push('');
  // join makes one flat string; the path is copied flat, not kept as a slice of the index line.
  carried.set(flatString(modulePath), keys.join('\n'));
}

/**
 * The staged files are exactly the files the index says the bundle carries,
 * each of the size and SHA-256 it gives. Refuses the first staged file (in
 * tar order) the index does not name, else the first carried file (in index
 * order) missing or different.
 */
async function checkStagedAgainstIndex(source: BundleSource, staged: StagedBundle, index: IndexReader): Promise<void> {
  const named = new PathSet();
  for await (const f of index.files()) if (f.bundled) named.add(f.path);
  for await (const r of staged.records.inTarOrder()) {
    if (!named.has(r.rel)) throw new BundleRefusedError(source.name, TREE_PREFIX + r.rel, 'index', 'the index does not name this file');
  }
  // Exactly, both in path order: a staged file the set let through by a chance match of hashes is found here.
  const it = staged.records.sorted()[Symbol.asyncIterator]();
  let next = await it.next();
  let unnamed: StagedRecord | undefined;
  let problem: BundleRefusedError | undefined;
  const refusal = (file: string, check: 'index' | 'entry size' | 'sha256', detail: string): BundleRefusedError =>
    new BundleRefusedError(source.name, file, check, detail);
  for await (const f of index.files()) {
    if (!f.bundled) continue;
    while (!next.done && next.value.rel < f.path) {
      unnamed ??= next.value;
      next = await it.next();
    }
    const s = !next.done && next.value.rel === f.path ? next.value : undefined;
    if (s !== undefined) next = await it.next();
    if (problem !== undefined) continue;
    if (s === undefined) {
      problem = refusal(TREE_PREFIX + f.path, 'index', 'named by the index but missing from the bundle');
      continue;
    }
    const where = s.volume === source.name ? '' : ` (data in ${s.volume})`;
    if (s.size !== f.size) problem = refusal(f.path, 'entry size', `${s.size} bytes, the index says ${f.size}${where}`);
    else if (s.sha256 !== f.sha256) problem = refusal(f.path, 'sha256', `sha256 ${s.sha256}, the index says ${f.sha256}${where}`);
  }
  if (!next.done) unnamed ??= next.value;
  await it.return?.(undefined);
  if (unnamed !== undefined) throw refusal(TREE_PREFIX + unnamed.rel, 'index', 'the index does not name this file');
  if (problem !== undefined) throw problem;
}

function checkInfo(data: Buffer, version: string, fail: (detail: string) => never): void {
  let info: unknown;
  try {
    info = JSON.parse(data.toString('utf8'));
  } catch {
    fail('not JSON');
  }
  const v = (info as { Version?: unknown } | null)?.Version;
  if (v !== version) fail(`Version is ${JSON.stringify(v)}, want ${JSON.stringify(version)}`);
}

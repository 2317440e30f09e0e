/**
 * A full `bundle export` and a full `bundle import` into a fresh root in
 * memory that does not grow with the tree (issue 17). Each runs as a child
 * process with V8's old space capped below what the code before the fix
 * needed (checked when the limits were chosen), so a per-file structure held
 * for the whole run fails with "heap out of memory".
 *
 * Trees and bundles are written straight to disk (no sync): many versions
 * whose only file is the go.mod, the cheapest file export and import handle,
 * each with its h1 line. Module paths are long, as they are in the wild, so
 * what is kept per file weighs as it does there.
 *
 * Limits as measured: export, old code out of memory at 12 MB (passed at 16),
 * new passes at 10 (live heap at most 8.4 MB under a 12 MB cap); import, old
 * out of memory at 14. The import's cap once sat 1.7 MB above the new code's
 * peak (12.3 MB live, in the final rewrite of go.sum, which gathered 1 MiB of
 * lines and then joined them) and a loaded CI machine ran out at 14; the
 * rewrite now encodes lines into one reused buffer, peak 10.0 MB live, so the
 * cap of 13 leaves 3 MB (it runs out at 11, reading the bundle's sums into
 * the record).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import tar from 'tar-stream';
import { BUNDLE_FORMAT, INDEX_ENTRY, serializeIndex, TREE_PREFIX, type BundleFile } from '../../src/bundle/index.js';
import { hashGoMod } from '../../src/dirhash/index.js';
import { formatGoSum, type GoSumEntry } from '../../src/gosum/index.js';
import { describeCli, runCli } from '../helpers/cli.js';

const MODULES = 200;
const PER_MODULE = 30;
const VERSIONS = MODULES * PER_MODULE;

/** The `j`th module's path (long, as many real ones are) and its `i`th version. */
const modulePath = (prefix: string, j: number): string => `${prefix}.example.com/${'a-long-path-element-'.repeat(8)}${j % 7}/module${j}`;
const version = (i: number): string => `v1.${i}.0-prerelease.${i}`;

let work: string;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'gomirror-scale-bundle-'));
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** `gomirror <args>` with V8's old space capped at `mb`. */
function runCapped(mb: number, args: string[]): ReturnType<typeof runCli> {
  return runCli(args, { env: { NODE_OPTIONS: `--max-old-space-size=${mb}` } });
}

/** A bundle carrying the go.mod of every version (path order), with the sums export would write; its expected go.sum. */
async function writeModBundle(out: string): Promise<{ files: BundleFile[]; goSum: string }> {
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  const data = new Map<string, Buffer>();
  const entries: GoSumEntry[] = [];
  for (let j = 0; j < MODULES; j++) {
    const mod = modulePath('import-memory', j);
    for (let i = 0; i < PER_MODULE; i++) {
      const goMod = Buffer.from(`module ${mod}\n\ngo 1.21\n`);
      data.set(`${mod}/@v/${version(i)}.mod`, goMod);
      entries.push({ path: mod, version: version(i), goMod: true, hash: hashGoMod(goMod) });
    }
  }
  const rels = [...data.keys()].sort();
  const files = rels.map((rel) => ({ path: rel, size: (data.get(rel) as Buffer).length, sha256: sha(data.get(rel) as Buffer), bundled: true }));
  // As export writes them: go.sum order, a module at a time.
  const goSum = formatGoSum(entries);
  const sums = goSum.trimEnd().split('\n');
  const index = serializeIndex({ format: BUNDLE_FORMAT, tool: 'gomirror test', created: '2024-01-02T00:00:00.000Z', since: null, files, sums });
  const pack = tar.pack();
  const written = pipeline(pack, createWriteStream(out));
  const entry = (name: string, bytes: Buffer): Promise<void> =>
    new Promise((resolve, reject) => pack.entry({ name, size: bytes.length, mtime: new Date(0) }, bytes, (err) => (err ? reject(err) : resolve())));
  for (const rel of rels) await entry(TREE_PREFIX + rel, data.get(rel) as Buffer);
  await entry(INDEX_ENTRY, index);
  pack.finalize();
  await written;
  return { files, goSum };
}

describe('bundle export of a tree of 12,000 versions (issue 17)', () => {
  // The sums keys wanted for each walked .zip and .mod were appended a file at a time to a text per module, a chain
  // of concatenations holding the walked paths the versions were cut from, all kept until the index was written.
  // Each module's keys are now one flat string.
  it('notes the sums of the bundled files a module at a time (old space 12 MB)', async () => {
    const modules = 400;
    const tree = path.join(work, 'export-tree');
    const entries: GoSumEntry[] = [];
    for (let j = 0; j < modules; j++) {
      const mod = modulePath('export-memory', j);
      const dir = path.join(tree, ...mod.split('/'), '@v');
      await mkdir(dir, { recursive: true });
      for (let i = 0; i < PER_MODULE; i++) {
        const goMod = Buffer.from(`module ${mod}\n\ngo 1.21\n`);
        await writeFile(path.join(dir, `${version(i)}.mod`), goMod);
        entries.push({ path: mod, version: version(i), goMod: true, hash: hashGoMod(goMod) });
      }
    }
    const goSum = formatGoSum(entries);
    await mkdir(path.join(tree, '.gomirror'));
    await writeFile(path.join(tree, '.gomirror', 'go.sum'), goSum);
    const out = path.join(work, 'export-bundle', 'full.tar');
    await mkdir(path.dirname(out));
    const r = await runCapped(12, ['bundle', 'export', '--root', tree, '--out', out, '--log-format', 'json']);
    assert.equal(r.code, 0, describeCli(r));
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { bundled: number; leftOut: number };
    assert.deepEqual({ bundled: result.bundled, leftOut: result.leftOut }, { bundled: modules * PER_MODULE, leftOut: 0 });
    const index = JSON.parse(await readFile(path.join(work, 'export-bundle', 'full.index.json'), 'utf8')) as { files: { path: string; bundled: boolean }[]; sums: string[] };
    assert.equal(index.files.length, modules * PER_MODULE);
    // Every bundled go.mod's line, in go.sum order: the record's lines exactly.
    assert.deepEqual(index.sums, goSum.trimEnd().split('\n'));
  });
});

describe(`bundle import of a full bundle into a fresh root (${VERSIONS} versions, issue 17)`, () => {
  // Each hash line set during the commit waited in the root's store until the one final write, with the index
  // line it was cut from, and the carried keys were a chain of concatenations per module: 264 MB RSS at 100,000
  // versions. Lines are now appended in batches and the keys are one flat string per module.
  it('records every carried hash and imports every file (old space 13 MB)', async () => {
    const out = path.join(work, 'full.tar');
    const { files, goSum } = await writeModBundle(out);
    const dest = path.join(work, 'root');
    const r = await runCapped(13, ['bundle', 'import', '--root', dest, out, '--log-format', 'json']);
    assert.equal(r.code, 0, describeCli(r));
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { bundles: { added: number; updated: number; removed: number; unchanged: number; sumsAdded: number }[] };
    assert.deepEqual(result.bundles.map(({ added, updated, removed, unchanged, sumsAdded }) => ({ added, updated, removed, unchanged, sumsAdded })), [
      { added: VERSIONS, updated: 0, removed: 0, unchanged: 0, sumsAdded: VERSIONS },
    ]);
    // The record is written whole at the end, in go.sum order: byte for byte what the bundle's sums say.
    assert.equal(await readFile(path.join(dest, '.gomirror', 'go.sum'), 'utf8'), goSum);
    for (const f of [files[0], files.at(-1)] as BundleFile[]) {
      assert.equal(createHash('sha256').update(await readFile(path.join(dest, ...f.path.split('/')))).digest('hex'), f.sha256, f.path);
    }
  });
});

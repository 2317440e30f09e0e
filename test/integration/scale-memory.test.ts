/**
 * The commands that walk a whole tree run in memory that does not grow with
 * it (issue 17). Each runs as a child process over a tree of 5,000 module
 * versions with an old-space limit the code before the fix needed more than
 * (checked when the limits were chosen), so a per-file structure held for the
 * whole run fails here with "heap out of memory" instead of passing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeCli, runCli } from '../helpers/cli.js';
import { writeFlatTree } from '../helpers/flat-tree.js';
import { buildScaleTree } from '../helpers/scale-tree.js';
import { treeFiles } from '../helpers/tree.js';
import { YOUNG_MB, youngProbe } from '../helpers/young-probe.js';

const MODULES = 1250;
const PER_MODULE = 4;
const VERSIONS = MODULES * PER_MODULE;

let work: string;
let root: string;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'gomirror-scale-'));
  root = await buildScaleTree(work, MODULES, PER_MODULE);
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** `gomirror <args>` with V8's old space capped at `mb`. */
function runCapped(mb: number, args: string[]): ReturnType<typeof runCli> {
  return runCli(args, { env: { NODE_OPTIONS: `--max-old-space-size=${mb}` } });
}

describe('whole-tree commands in flat memory (5,000 versions)', () => {
  it('bundle export streams the tree and writes the index as it goes (old space 24 MB; the in-memory index needed more than 32)', async () => {
    const out = path.join(work, 'bundle', 'full.tar');
    await mkdir(path.dirname(out));
    const r = await runCapped(24, ['bundle', 'export', '--root', root, '--out', out, '--log-format', 'json']);
    assert.equal(r.code, 0, describeCli(r));
    const files = (await treeFiles(root)).filter((f) => !f.startsWith('.gomirror/'));
    const index = JSON.parse(await readFile(path.join(work, 'bundle', 'full.index.json'), 'utf8')) as { files: { path: string; bundled: boolean }[]; sums: string[] };
    assert.deepEqual(
      index.files.map((f) => f.path),
      files,
      'the index names every file of the tree, in path order',
    );
    assert.ok(index.files.every((f) => f.bundled));
    assert.equal(index.sums.length, 2 * VERSIONS, 'a zip line and a go.mod line per version');
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { bundled: number };
    assert.equal(result.bundled, files.length);
  });

  it('verify and bundle export keep V8\'s young generation near its starting size (the code before grew it to 32 MB)', async () => {
    for (const [name, args] of [
      ['verify', ['verify', '--root', root, '--log-format', 'json']],
      ['export', ['bundle', 'export', '--root', root, '--out', path.join(work, 'young.tar'), '--log-format', 'json']],
    ] as const) {
      const probe = await youngProbe(work, name);
      const r = await runCli([...args], { env: probe.env });
      assert.equal(r.code, 0, describeCli(r));
      const young = await probe.read();
      assert.ok(young <= YOUNG_MB, `${name}: the young generation grew to ${young} MB`);
    }
  });
});

describe('verify in flat memory (5,000 versions, a go.sum record of 200,000 lines)', () => {
  // Hashes of 100,000 versions no longer on disk pad the record, as a long-lived tree's can be: verify holds only the
  // lines of the modules in flight. Holding the whole record (a map of every hash, and the file's text while it was
  // parsed) died of heap exhaustion at this limit; reading each module's lines as the walk reaches it passes.
  const PAD = 100_000;
  it('checks every version against its recorded hashes, reading them a module at a time (old space 20 MB)', async () => {
    const copy = path.join(work, 'verify-tree');
    await promisify(execFile)('cp', ['-al', root, copy]);
    const sumsFile = path.join(copy, '.gomirror', 'go.sum');
    const lines = (await readFile(sumsFile, 'utf8')).trimEnd().split('\n');
    assert.equal(lines.length, 2 * VERSIONS);
    // One zip hash altered: verify must find it through the per-module lookup.
    const i = lines.findIndex((l) => l.startsWith('scale.example.com/org3/mod3 v1.0.1 '));
    const line = lines[i] as string;
    const other = line.endsWith('A=') ? `${line.slice(0, -2)}B=` : `${line.slice(0, -2)}A=`;
    lines[i] = other;
    const pad = Array.from({ length: PAD }, (_, n) => {
      const h = Buffer.alloc(32, n % 251).toString('base64');
      return `pad.example.com/p${n % 5000} v0.${Math.floor(n / 5000)}.0 h1:${h}\npad.example.com/p${n % 5000} v0.${Math.floor(n / 5000)}.0/go.mod h1:${h}\n`;
    });
    // Written anew, not through the hard link: the shared tree keeps its record.
    await rm(sumsFile);
    await writeFile(sumsFile, pad.slice(0, PAD / 2).join('') + lines.map((l) => `${l}\n`).join('') + pad.slice(PAD / 2).join(''));
    const r = await runCapped(20, ['verify', '--root', copy, '--log-format', 'json']);
    assert.equal(r.code, 1, describeCli(r));
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as {
      ok: boolean;
      before: { modules: number; versions: number; problems: { file: string; kind: string; message: string }[] };
    };
    assert.equal(result.ok, false);
    assert.deepEqual([result.before.modules, result.before.versions], [MODULES, VERSIONS]);
    assert.deepEqual(
      result.before.problems.map((p) => [p.file, p.kind]),
      [['scale.example.com/org3/mod3/@v/v1.0.1.zip', 'checksum']],
    );
    assert.match(result.before.problems[0]?.message ?? '', new RegExp(`\\.gomirror/go\\.sum has ${other.split(' ')[2]?.replace(/[+/]/g, '\\$&')}`));
  });
});

describe('bundle export of a tree of many modules in flat memory (15,000 modules)', () => {
  // Each module has a list, an @latest and one version's .info (export checks no completeness; with no .mod or .zip
  // no hash is needed): 30,000 changing files that export snapshots before it lists the immutable ones. Holding an
  // entry per snapshotted file died of heap exhaustion at this limit; their entries and pack order go to work files.
  const MODS = 15_000;
  it('keeps the snapshotted index files on disk, packing them by commit rank then path (old space 24 MB)', async () => {
    const tree = path.join(work, 'many-modules');
    for (let j = 0; j < MODS; j += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, MODS - j) }, async (_, k) => {
          const dir = path.join(tree, 'many.example.com', `g${(j + k) % 30}`, `m${j + k}`);
          await mkdir(path.join(dir, '@v'), { recursive: true });
          const info = `{"Version":"v1.0.0","Time":"2024-01-01T00:00:00Z"}\n`;
          await writeFile(path.join(dir, '@v', 'v1.0.0.info'), info);
          await writeFile(path.join(dir, '@v', 'list'), 'v1.0.0\n');
          await writeFile(path.join(dir, '@latest'), info);
        }),
      );
    }
    const out = path.join(work, 'many-bundle', 'b.tar');
    await mkdir(path.dirname(out));
    const r = await runCapped(24, ['bundle', 'export', '--root', tree, '--out', out, '--log-format', 'json']);
    assert.equal(r.code, 0, describeCli(r));
    const files = await treeFiles(tree);
    assert.equal(files.length, 3 * MODS);
    const index = JSON.parse(await readFile(path.join(work, 'many-bundle', 'b.index.json'), 'utf8')) as { files: { path: string; bundled: boolean }[]; sums: string[] };
    assert.deepEqual(index.files.map((f) => f.path), files, 'the index names every file, in path order');
    assert.deepEqual(index.sums, []);
    const { stdout } = await promisify(execFile)('tar', ['-tf', out], { maxBuffer: 64 * 2 ** 20 });
    const entries = stdout.trimEnd().split('\n');
    const infos = files.filter((f) => f.endsWith('.info'));
    const changing = files.filter((f) => !f.endsWith('.info'));
    // Immutable files first, then lists and @latest (one commit rank) in path order, then the index.
    assert.deepEqual(entries, [...infos, ...changing].map((f) => `tree/${f}`).concat('gomirror-index.json'));
  });
});

/**
 * A tree of 40,000 versions written directly (prune reads names, sizes and
 * mtimes, never a zip or a hash): 5,000 modules of 8 versions each.
 */
async function writePruneTree(root: string, modules: number, perModule: number): Promise<void> {
  for (let j = 0; j < modules; j++) {
    const mod = `prune.example.com/g${j % 100}/m${j}`;
    const dir = path.join(root, ...mod.split('/'), '@v');
    await mkdir(dir, { recursive: true });
    const versions = Array.from({ length: perModule }, (_, i) => `v1.${i}.0`);
    await writeFile(path.join(dir, 'list'), versions.map((v) => `${v}\n`).join(''));
    await Promise.all(
      versions.flatMap((v) => [
        writeFile(path.join(dir, `${v}.info`), `{"Version":"${v}","Time":"2023-01-01T00:00:00Z"}\n`),
        writeFile(path.join(dir, `${v}.mod`), `module ${mod}\n`),
        writeFile(path.join(dir, `${v}.zip`), 'not read by prune'),
      ]),
    );
  }
}

describe('prune in flat memory (40,000 versions)', () => {
  const MODS = 5000;
  const PER = 8;
  let pruneWork: string;
  let pruneRoot: string;
  before(async () => {
    pruneWork = await mkdtemp(path.join(tmpdir(), 'gomirror-scale-prune-'));
    pruneRoot = path.join(pruneWork, 'tree');
    await writePruneTree(pruneRoot, MODS, PER);
  });
  after(async () => {
    await rm(pruneWork, { recursive: true, force: true });
  });

  it('prune --dry-run plans and prints one module at a time (old space 20 MB; the whole plan and its JSON needed more than 32)', async () => {
    const manifest = path.join(pruneWork, 'manifest.json');
    await writeFile(manifest, JSON.stringify({ modules: [{ path: 'prune.example.com/g1/m1', versions: ['latest'] }] }));
    const r = await runCapped(20, ['prune', '--root', pruneRoot, '--manifest', manifest, '--dry-run', '--log-format', 'json']);
    assert.equal(r.code, 0, describeCli(r));
    const lines = r.stdout.trim().split('\n');
    // A line per version that would go, then the result.
    assert.equal(lines.length, MODS * PER);
    const bytes = '{"Version":"v1.0.0","Time":"2023-01-01T00:00:00Z"}\n'.length + 'module prune.example.com/g0/m0\n'.length + 'not read by prune'.length;
    assert.deepEqual(JSON.parse(lines[0] as string), { msg: `would remove prune.example.com/g0/m0@v1.0.0 (${bytes} B)` });
    const result = JSON.parse(lines.at(-1) as string) as {
      dryRun: boolean;
      modules: { module: string; remove: { version: string; files: string[] }[]; keep: { version: string }[]; list: string; empty: boolean }[];
      removedVersions: number;
      keptVersions: number;
      warnings: string[];
    };
    assert.equal(result.dryRun, true);
    assert.equal(result.removedVersions, MODS * PER - 1);
    assert.equal(result.keptVersions, 1);
    assert.deepEqual(result.warnings, []);
    assert.equal(result.modules.length, MODS, 'every module loses something');
    const names = result.modules.map((m) => m.module);
    assert.deepEqual(names, [...names].sort(), 'modules in path order');
    const kept = result.modules.find((m) => m.module === 'prune.example.com/g1/m1');
    assert.deepEqual(kept?.keep.map((v) => v.version), [`v1.${PER - 1}.0`]);
    assert.equal(kept?.list, `v1.${PER - 1}.0\n`);
    assert.equal(result.modules.filter((m) => m.empty).length, MODS - 1);
    assert.ok(result.modules.every((m) => m.remove.every((v) => v.files.length === 3)));
  });
});

const FLAT_MODULES = 500;
const FLAT_PER_MODULE = 100;
const FLAT_VERSIONS = FLAT_MODULES * FLAT_PER_MODULE;

describe(`catalog in flat memory (${FLAT_VERSIONS} versions written straight to disk)`, () => {
  let flat: string;
  before(async () => {
    flat = path.join(work, 'flat');
    await writeFlatTree(flat, FLAT_MODULES, FLAT_PER_MODULE);
  });

  // At 12 MB the catalog that held state, feed and lists whole died of heap exhaustion on this tree; the streamed one
  // needs about 12 MB on a first run (the versions that arrive are kept, compactly) and less with --full, so 16 gives room.
  it('a first run and a --full run stream the state, the feed and the lists (old space 16 MB)', async () => {
    const first = await runCapped(16, ['catalog', '--root', flat, '--log-format', 'json']);
    assert.equal(first.code, 0, describeCli(first));
    const full = await runCapped(16, ['catalog', '--root', flat, '--full', '--log-format', 'json']);
    assert.equal(full.code, 0, describeCli(full));
    const results = [first, full].map((r) => JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { modules: number; versions: number; feed: number; modulesRead: number });
    for (const r of results) assert.deepEqual([r.modules, r.versions, r.feed, r.modulesRead], [FLAT_MODULES, FLAT_VERSIONS, FLAT_VERSIONS, FLAT_MODULES]);
    const feed = (await readFile(path.join(flat, '_catalog/index.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as { Path: string; Version: string; Timestamp: string });
    assert.equal(feed.length, FLAT_VERSIONS);
    assert.equal(new Set(feed.map((f) => `${f.Path}@${f.Version}`)).size, FLAT_VERSIONS, 'every version once in the feed');
    const times = feed.map((f) => f.Timestamp);
    assert.deepEqual(times, [...times].sort(), 'in the order the files were written');
    const search = JSON.parse(await readFile(path.join(flat, '_catalog/modules.json'), 'utf8')) as { modules: [string, string, number][] };
    assert.equal(search.modules.length, FLAT_MODULES);
    assert.deepEqual(search.modules.map(([p]) => p), search.modules.map(([p]) => p).sort(), 'the search index in path order');
    assert.ok(search.modules.every(([, latest, n]) => latest === `v1.0.${FLAT_PER_MODULE - 1}` && n === FLAT_PER_MODULE));
    const all = await readFile(path.join(flat, '_catalog/all.html'), 'utf8');
    assert.equal(all.match(/<li><a href="/g)?.length, FLAT_MODULES, 'a row per module on the all-modules page');
  });
});

describe('bundle import of a delta bundle whose index names a large tree (issue 17)', () => {
  // A nightly --since bundle carries a few files but its index names the whole tree: 76 MB and 344,000 entries at
  // 100,000 versions. Here one module of the 5,000-version tree is carried and 150,000 files carried by earlier
  // bundles are named. Reading the index whole (its bytes, their text and an object per entry) died of heap
  // exhaustion at this limit; it is read a line at a time, and only the carried files are held.
  const NAMED = 150_000;
  it('reads the index a line at a time and imports the carried module byte for byte (old space 24 MB)', async () => {
    const { classifyTreePath, commitRank, INDEX_ENTRY, serializeIndex, TREE_PREFIX, BUNDLE_FORMAT } = await import('../../src/bundle/index.js');
    const tar = (await import('tar-stream')).default;
    const prefix = 'scale.example.com/org1/mod1/';
    const rank = (rel: string): number => commitRank(classifyTreePath(rel) as NonNullable<ReturnType<typeof classifyTreePath>>);
    const carried = (await treeFiles(root)).filter((f) => f.startsWith(prefix)).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
    const bytes = new Map<string, Buffer>();
    for (const rel of carried) bytes.set(rel, await readFile(path.join(root, ...rel.split('/'))));
    const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    const named = Array.from({ length: NAMED }, (_, i) => {
      const rel = `named.example.com/g${i % 100}/m${Math.floor(i / 3)}/@v/v1.0.0.${['info', 'mod', 'zip'][i % 3] as string}`;
      return { path: rel, size: 1000 + i, sha256: sha(Buffer.from(rel)), bundled: false };
    });
    const files = [...named, ...carried.map((rel) => ({ path: rel, size: (bytes.get(rel) as Buffer).length, sha256: sha(bytes.get(rel) as Buffer), bundled: true }))].sort((a, b) =>
      a.path < b.path ? -1 : 1,
    );
    const sums = (await readFile(path.join(root, '.gomirror', 'go.sum'), 'utf8')).split('\n').filter((l) => l.startsWith('scale.example.com/org1/mod1 '));
    assert.equal(sums.length, 2 * PER_MODULE);
    const index = serializeIndex({ format: BUNDLE_FORMAT, tool: 'gomirror test', created: '2024-01-02T00:00:00.000Z', since: { id: 'a'.repeat(64), created: '2024-01-01T00:00:00.000Z' }, files, sums });
    const pack = tar.pack();
    const out = path.join(work, 'delta.tar');
    const written = pipeline(pack, createWriteStream(out));
    const entry = (name: string, data: Buffer): Promise<void> =>
      new Promise((resolve, reject) => pack.entry({ name, size: data.length, mtime: new Date(0) }, data, (err) => (err ? reject(err) : resolve())));
    for (const rel of carried) await entry(TREE_PREFIX + rel, bytes.get(rel) as Buffer);
    await entry(INDEX_ENTRY, index);
    pack.finalize();
    await written;

    const dest = path.join(work, 'delta-root');
    const r = await runCapped(24, ['bundle', 'import', '--root', dest, out, '--log-format', 'json']);
    assert.equal(r.code, 0, describeCli(r));
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { bundles: { added: number; updated: number; removed: number; unchanged: number; sumsAdded: number }[] };
    assert.deepEqual(result.bundles.map(({ added, updated, removed, unchanged, sumsAdded }) => ({ added, updated, removed, unchanged, sumsAdded })), [
      { added: carried.length, updated: 0, removed: 0, unchanged: 0, sumsAdded: 2 * PER_MODULE },
    ]);
    const imported = (await treeFiles(dest)).filter((f) => !f.startsWith('.gomirror/') && !f.startsWith('_catalog/') && f !== 'index.html');
    assert.deepEqual(imported, [...carried].sort());
    for (const rel of carried) assert.deepEqual(await readFile(path.join(dest, ...rel.split('/'))), bytes.get(rel), rel);
    assert.deepEqual((await readFile(path.join(dest, '.gomirror', 'go.sum'), 'utf8')).trimEnd().split('\n'), sums);
  });
});

describe('bundle export --since an index naming a large tree (issue 17)', () => {
  // The earlier index names 150,000 files: export looks each walked file up in it as the walk reaches it, reading it
  // a line at a time. Loading it whole (with a map of its files) died of heap exhaustion at this limit.
  const NAMED = 150_000;
  it('reads the earlier index a line at a time and leaves out what it already carried (old space 24 MB)', async () => {
    const { BUNDLE_FORMAT, serializeIndex } = await import('../../src/bundle/index.js');
    const prefix = 'scale.example.com/org2/mod2/';
    const small = path.join(work, 'since-tree');
    const rels = (await treeFiles(root)).filter((f) => f.startsWith(prefix));
    for (const rel of rels) {
      await mkdir(path.dirname(path.join(small, ...rel.split('/'))), { recursive: true });
      await writeFile(path.join(small, ...rel.split('/')), await readFile(path.join(root, ...rel.split('/'))));
    }
    await mkdir(path.join(small, '.gomirror'));
    const sums = (await readFile(path.join(root, '.gomirror', 'go.sum'), 'utf8')).split('\n').filter((l) => l.startsWith('scale.example.com/org2/mod2 '));
    await writeFile(path.join(small, '.gomirror', 'go.sum'), `${sums.join('\n')}\n`);
    const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    // Carried before: the list (same bytes) and the first version's zip (same size: immutable files never change).
    const list = `${prefix}@v/list`;
    const zip = `${prefix}@v/v1.0.0.zip`;
    const earlier = await Promise.all([list, zip].map(async (rel) => {
      const b = await readFile(path.join(small, ...rel.split('/')));
      return { path: rel, size: b.length, sha256: sha(b), bundled: true };
    }));
    const named = Array.from({ length: NAMED }, (_, i) => {
      const rel = `named.example.com/g${i % 100}/m${Math.floor(i / 3)}/@v/v1.0.0.${['info', 'mod', 'zip'][i % 3] as string}`;
      return { path: rel, size: 1000 + i, sha256: sha(Buffer.from(rel)), bundled: true };
    });
    const files = [...named, ...earlier].sort((a, b) => (a.path < b.path ? -1 : 1));
    const prevFile = path.join(work, 'since-prev.index.json');
    await writeFile(prevFile, serializeIndex({ format: BUNDLE_FORMAT, tool: 'gomirror test', created: '2024-01-01T00:00:00.000Z', since: null, files, sums: [] }));
    const out = path.join(work, 'since-bundle', 'delta.tar');
    await mkdir(path.dirname(out));
    const r = await runCapped(24, ['bundle', 'export', '--root', small, '--since', prevFile, '--out', out, '--log-format', 'json']);
    assert.equal(r.code, 0, describeCli(r));
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { bundled: number; leftOut: number };
    assert.deepEqual({ bundled: result.bundled, leftOut: result.leftOut }, { bundled: rels.length - 2, leftOut: 2 });
    const index = JSON.parse(await readFile(path.join(work, 'since-bundle', 'delta.index.json'), 'utf8')) as { files: { path: string; bundled: boolean }[] };
    assert.deepEqual(index.files.map((f) => f.path), [...rels].sort());
    assert.deepEqual(index.files.filter((f) => !f.bundled).map((f) => f.path), [list, zip]);
  });
});

/**
 * End to end: a tree synced with the real CLI from an x/mod fixture upstream
 * is exported (full, signed; then incremental, split into volumes), imported
 * into an empty root and into one that has the first bundle, and served by a
 * real nginx to the real go command. Damaged, forged, incomplete and hostile
 * bundles are refused with exit 1 and the root left byte for byte as it was.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import tar from 'tar-stream';

import { describeCli, runCli, type CliResult } from '../helpers/cli.js';
import { BASIC, basicRequires, basicSpec, buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';
import { assertGoOk, goEnv, makeConsumerProject, runGo } from '../helpers/go-client.js';
import { treeFiles } from '../helpers/tree.js';
import { requireNginxTools, serveWithNginx } from './nginx-support.js';

const FIRST = [
  { path: BASIC.alpha, versions: ['v1.0.0'] },
  { path: BASIC.toml, versions: ['all'] },
  { path: BASIC.pseudoOnly, versions: ['latest'] },
];
const SECOND = [
  ...Object.values(BASIC)
    .filter((p) => p !== BASIC.pseudoOnly)
    .map((p) => ({ path: p, versions: ['all'] })),
  { path: BASIC.pseudoOnly, versions: ['latest'] },
];

/** Tree files (not tool state) with their bytes. */
/** The catalog: carried by bundles, regenerated (not copied) by import. */
const isCatalog = (f: string): boolean => f === 'index.html' || f.startsWith('_catalog/');

/** The GOPROXY files under root (no state, no catalog). */
async function servedFiles(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const f of await treeFiles(root)) if (!f.startsWith('.gomirror/') && !isCatalog(f)) out.set(f, await readFile(path.join(root, f)));
  return out;
}

async function catalogFiles(root: string): Promise<string[]> {
  return (await treeFiles(root)).filter(isCatalog).sort();
}

/** Everything under root, state included, for "unchanged" checks; 'missing' when there is no root. */
async function snapshot(root: string): Promise<Record<string, string> | 'missing'> {
  if (!(await stat(root).catch(() => undefined))) return 'missing';
  const out: Record<string, string> = {};
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    const rel = path.relative(root, path.join(e.parentPath, e.name));
    out[e.isDirectory() ? `${rel}/` : rel] = e.isDirectory() ? '' : (await readFile(path.join(root, rel))).toString('base64');
  }
  return out;
}

function assertSameTree(a: Map<string, Buffer>, b: Map<string, Buffer>): void {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [f, data] of a) assert.ok(data.equals(b.get(f) as Buffer), `${f} differs`);
}

const ok = (r: CliResult): CliResult => {
  assert.equal(r.code, 0, describeCli(r));
  return r;
};

describe('gomirror bundle, end to end', () => {
  let upstream: Upstream;
  let work: string;
  let src: string;
  let out: string;
  let imported: string;
  let firstFiles: Map<string, Buffer>;
  let firstCatalog: Map<string, Buffer>;

  const sync = async (modules: unknown): Promise<void> => {
    const manifest = path.join(work, 'mirror.json');
    await writeFile(manifest, JSON.stringify({ upstream: `file://${upstream.dir}`, sumdb: 'off', deps: false, modules }));
    ok(await runCli(['sync', '--manifest', manifest, '--out', src]));
  };
  const volumes = async (base: string): Promise<string[]> =>
    (await readdir(out)).filter((n) => n.startsWith(`${base}.`) && /\.\d{3}$/.test(n)).sort().map((n) => path.join(out, n));

  before(async () => {
    upstream = await buildUpstream(basicSpec());
    work = await mkdtemp(path.join(tmpdir(), 'gomirror-e2e-bundle-'));
    src = path.join(work, 'src');
    out = path.join(work, 'out');
    imported = path.join(work, 'imported');
    await mkdir(out);
    ok(await runCli(['keygen', '--out', path.join(out, 'mirror.key')]));
    ok(await runCli(['keygen', '--out', path.join(out, 'other.key')]));
    await sync(FIRST);
    firstFiles = await servedFiles(src);
    firstCatalog = new Map(await Promise.all((await catalogFiles(src)).map(async (f) => [f, await readFile(path.join(src, f))] as const)));
  });
  after(async () => {
    await upstream?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('exports the whole tree, signed, and imports it into an empty root: the same files', async () => {
    const r = ok(await runCli(['bundle', 'export', '--root', src, '--out', path.join(out, 'full.tar'), '--sign-key', path.join(out, 'mirror.key')]));
    const catalog = await catalogFiles(src);
    assert.ok(catalog.includes('index.html') && catalog.includes('_catalog/index.jsonl'), catalog.join());
    assert.match(r.stdout, new RegExp(`${firstFiles.size + catalog.length} files \\(\\d+ bytes\\) bundled, 0 left out`), describeCli(r));
    assert.match(r.stdout, /signed by key [0-9a-f]{16}/);
    const index = JSON.parse(await readFile(path.join(out, 'full.index.json'), 'utf8')) as { files: { path: string }[]; sums: string[] };
    assert.deepEqual(index.files.map((f) => f.path).sort(), [...firstFiles.keys(), ...catalog].sort());
    assert.equal(index.sums.length, [...firstFiles.keys()].filter((f) => /\.(zip|mod)$/.test(f)).length);
    assert.match(await readFile(path.join(out, 'full.index.json.sig'), 'utf8'), /^gomirror-ed25519 [0-9a-f]{16} /);

    const imp = ok(await runCli(['bundle', 'import', '--root', imported, '--verify-key', path.join(out, 'mirror.key.pub'), path.join(out, 'full.tar')]));
    assert.match(imp.stdout, new RegExp(`imported 1 of 1 bundle: ${firstFiles.size} files added, 0 updated, 0 removed, 0 already present`));
    assertSameTree(await servedFiles(imported), firstFiles);
    // The hashes travelled with the files: every one the source recorded for them.
    const srcSums = new Set((await readFile(path.join(src, '.gomirror/go.sum'), 'utf8')).trim().split('\n'));
    const impSums = (await readFile(path.join(imported, '.gomirror/go.sum'), 'utf8')).trim().split('\n');
    assert.equal(impSums.length, index.sums.length);
    for (const l of impSums) assert.ok(srcSums.has(l), l);
    assert.deepEqual((await readdir(path.join(imported, '.gomirror'))).sort(), ['catalog-front.json', 'catalog.json', 'go.sum']);
    // The import made the far side's own catalog.
    assert.deepEqual(await catalogFiles(imported), catalog);
  });

  it('exports only what is new since the first bundle, in volumes, and imports them on top of it', async () => {
    await sync(SECOND);
    const secondFiles = await servedFiles(src);
    const changed = [...secondFiles].filter(([f, d]) => !firstFiles.get(f)?.equals(d)).map(([f]) => f).sort();
    assert.ok(changed.includes('example.com/alpha/@v/list'), 'the new alpha versions change its list');

    const r = ok(
      await runCli(['bundle', 'export', '--root', src, '--out', path.join(out, 'nightly.tar'), '--since', path.join(out, 'full.tar'), '--split', '4k']),
    );
    // The catalog changed with the tree (front page, search index, feed, alpha's page): those pages travel too.
    const catalog = await catalogFiles(src);
    const catalogChanged: string[] = [];
    for (const f of catalog) if (!firstCatalog.get(f)?.equals(await readFile(path.join(src, f)))) catalogChanged.push(f);
    assert.ok(catalogChanged.includes('_catalog/index.jsonl'), catalogChanged.join());
    const bundled = [...changed, ...catalogChanged].sort();
    const leftOut = secondFiles.size + catalog.length - bundled.length;
    assert.match(r.stdout, new RegExp(`${bundled.length} files \\(\\d+ bytes\\) bundled, ${leftOut} left out`), describeCli(r));
    const index = JSON.parse(await readFile(path.join(out, 'nightly.index.json'), 'utf8')) as { files: { path: string; bundled: boolean }[] };
    assert.deepEqual(index.files.filter((f) => f.bundled).map((f) => f.path).sort(), bundled);
    assert.deepEqual(index.files.map((f) => f.path).sort(), [...secondFiles.keys(), ...catalog].sort(), 'the index lists the whole tree');
    const vols = await volumes('nightly.tar');
    assert.ok(vols.length >= 3, `expected several 4 KiB volumes, got ${vols.length}`);
    for (const v of vols.slice(0, -1)) assert.equal((await stat(v)).size, 4096);

    // --since the index alone gives the same selection.
    ok(await runCli(['bundle', 'export', '--root', src, '--out', path.join(out, 'again.tar'), '--since', path.join(out, 'full.index.json')]));
    const again = JSON.parse(await readFile(path.join(out, 'again.index.json'), 'utf8')) as { files: { path: string; bundled: boolean }[] };
    assert.deepEqual(again.files.filter((f) => f.bundled).map((f) => f.path).sort(), bundled);

    const imp = ok(await runCli(['bundle', 'import', '--root', imported, ...vols]));
    assert.match(imp.stdout, /imported 1 of 1 bundle: \d+ files added, 1 updated, 0 removed, 0 already present/, describeCli(imp));
    assertSameTree(await servedFiles(imported), secondFiles);

    // Idempotent: both bundles again, in order, change nothing.
    const twice = ok(await runCli(['bundle', 'import', '--root', imported, path.join(out, 'full.tar'), ...vols]));
    assert.match(twice.stdout, new RegExp(`imported 2 of 2 bundles: 0 files added, 0 updated, 0 removed, ${firstFiles.size + changed.length} already present`), describeCli(twice));
    assertSameTree(await servedFiles(imported), secondFiles);
  });

  it('refuses the incremental bundle alone: its list names versions the root does not have', async () => {
    const fresh = path.join(work, 'fresh');
    const r = await runCli(['bundle', 'import', '--root', fresh, ...(await volumes('nightly.tar'))]);
    assert.equal(r.code, 1, describeCli(r));
    assert.match(r.stderr, /example\.com\/alpha\/@v\/list: completeness check failed: the list names example\.com\/alpha@v1\.0\.0/);
    assert.match(r.stderr, /import the earlier bundles first/);
    assert.equal(await snapshot(fresh), 'missing');
  });

  it('the imported tree serves the real go command through nginx', async () => {
    await requireNginxTools();
    const { url, nginx } = await serveWithNginx(path.join(work, 'nginx'), imported, [work, imported]);
    const env = await goEnv({ goproxy: url, gosumdb: 'off' });
    try {
      const project = path.join(env.home, 'consumer');
      await makeConsumerProject(project, basicRequires(), upstream.goSum);
      const all = basicRequires().map((m) => `${m.path}@${m.version}`);
      assertGoOk(await runGo(['mod', 'download', '-json', ...all], { cwd: project, env: env.env }));
      assertGoOk(await runGo(['build', './...'], { cwd: project, env: env.env }));
      const versions = assertGoOk(await runGo(['list', '-m', '-versions', BASIC.alpha], { cwd: project, env: env.env }));
      assert.equal(versions.stdout.trim(), `${BASIC.alpha} v1.0.0 v1.1.0 v1.2.0-beta.1`);
    } finally {
      await env.cleanup();
      await nginx.stop();
    }
  });

  describe('refused bundles leave the root untouched', () => {
    const refuse = async (args: string[], message: RegExp): Promise<CliResult> => {
      const before = await snapshot(imported);
      const r = await runCli(['bundle', 'import', '--root', imported, ...args]);
      assert.equal(r.code, 1, describeCli(r));
      assert.match(r.stderr, message, describeCli(r));
      assert.deepEqual(await snapshot(imported), before);
      return r;
    };
    const damaged = async (name: string, change: (b: Buffer) => void): Promise<string> => {
      const bytes = await readFile(path.join(out, 'full.tar'));
      change(bytes);
      const file = path.join(out, name);
      await writeFile(file, bytes);
      return file;
    };

    it('one flipped byte in a zip', async () => {
      const file = await damaged('flipped.tar', (b) => {
        const zip = b.indexOf('PK\x03\x04');
        b.writeUInt8(b.readUInt8(zip + 100) ^ 0x20, zip + 100);
      });
      await refuse([file], /SECURITY ERROR: bundle .*flipped\.tar refused: example\.com\/.*\.zip: sha256 check failed: sha256 [0-9a-f]{64}, the index says [0-9a-f]{64}/);
    });

    it('a signature by another key, and an index altered after signing', async () => {
      await refuse(
        ['--verify-key', path.join(out, 'other.key.pub'), path.join(out, 'full.tar')],
        /SECURITY ERROR: .*full\.tar is signed by key [0-9a-f]{16}, not by the --verify-key key [0-9a-f]{16}/,
      );
      const file = await damaged('forged.tar', (b) => {
        const at = b.indexOf('"tool": "gomirror');
        b.write('"tool": "Gomirror', at);
      });
      await refuse(['--verify-key', path.join(out, 'mirror.key.pub'), file], /SECURITY ERROR: .*forged\.tar: the signature by key [0-9a-f]{16} does not match the index/);
      await refuse(['--verify-key', path.join(out, 'mirror.key.pub'), ...(await volumes('nightly.tar'))], /nightly\.tar is not signed/);
    });

    it('a missing volume, in the middle or at the end', async () => {
      const vols = await volumes('nightly.tar');
      await refuse([vols[0] as string, ...vols.slice(2)], /bundle .*nightly\.tar refused: volume .*nightly\.tar\.002 is missing/);
      await refuse(vols.slice(0, -1), /nightly\.tar\.\d{3}: tar format check failed: the bundle ends (in the middle of an entry|without the tar end-of-archive marker)/);
      await refuse([...vols].reverse(), /is given before .*nightly\.tar\.001: give the volumes in order/);
    });

    it('a ../ entry', async () => {
      const file = path.join(out, 'traversal.tar');
      const pack = tar.pack();
      const chunks: Buffer[] = [];
      const done = (async () => {
        for await (const c of pack) chunks.push(c as Buffer);
      })();
      pack.entry({ name: 'tree/../../escaped.txt' }, 'owned\n');
      pack.finalize();
      await done;
      await writeFile(file, Buffer.concat(chunks));
      await refuse([file], /traversal\.tar refused: tree\/\.\.\/\.\.\/escaped\.txt: entry name check failed: path traversal/);
      for (const dir of [work, path.dirname(work), imported]) {
        await assert.rejects(stat(path.join(dir, 'escaped.txt')), { code: 'ENOENT' });
      }
    });
  });
});

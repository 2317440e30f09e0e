/**
 * The catalog generator on a real GOPROXY tree (written by mkupstream with
 * golang.org/x/mod): what it writes, what it escapes, and how little it does
 * again when nothing or one module changed.
 */
import assert from 'node:assert/strict';
import { copyFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { regenerateCatalog, stateFile } from '../../src/catalog/index.js';
import { catalogRenderer } from '../../src/catalog/render.js';
import { CAT, catalogSpec, SEARCH_FILLER } from '../helpers/catalog-fixture.js';
import { buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';

let up: Upstream;
let root: string;
const now = (): Date => new Date('2026-05-01T12:00:00Z');
const read = (rel: string): Promise<string> => readFile(path.join(root, rel), 'utf8');
const feed = async (): Promise<string[]> =>
  (await read('_catalog/index.jsonl')).trim().split('\n').map((l) => { const o = JSON.parse(l) as { Path: string; Version: string }; return `${o.Path}@${o.Version}`; });

before(async () => {
  up = await buildUpstream(catalogSpec());
  root = up.dir;
});
after(async () => {
  await up?.cleanup();
});

/** Every file name under dir, recursively, as slash paths. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/')).sort();
}

describe('regenerateCatalog', () => {
  test('first run: front page, a page per module, search index, feed, health page, assets', async () => {
    const r = await regenerateCatalog(root, { now });
    const modules = [CAT.lib, CAT.dep, CAT.old, CAT.modOnly, ...SEARCH_FILLER];
    assert.equal(r.modules, modules.length);
    assert.equal(r.modulesRead, modules.length);
    const files = await filesUnder(path.join(root, '_catalog'));
    assert.deepEqual(
      files.filter((f) => !f.startsWith('m/')),
      ['all.html', 'catalog.js', 'health.html', 'index.jsonl', 'modules.json', 'style.css'],
    );
    assert.deepEqual(
      files.filter((f) => f.startsWith('m/')),
      [
        'm/example.com/!old/@index.html',
        'm/example.com/dep/@index.html',
        'm/example.com/lib/@index.html',
        'm/example.com/modonly/@index.html',
        'm/github.com/spf13/cobra/@index.html',
        'm/github.com/spf13/pflag/@index.html',
        'm/golang.org/x/net/@index.html',
        'm/golang.org/x/text/@index.html',
        'm/gopkg.in/yaml.v1/@index.html',
      ],
    );
    const front = await read('index.html');
    assert.match(front, /id="stat-modules">9</);
    assert.match(front, /id="stat-versions">12</, '11 complete versions and one .mod-only');
    assert.match(front, /GOPROXY&#x3D;https:\/\/this-mirror.example,off GOSUMDB&#x3D;off/);
    const index = JSON.parse(await read('_catalog/modules.json')) as { modules: [string, string, number, number][] };
    assert.deepEqual(index.modules.find((m) => m[0] === CAT.old), [CAT.old, 'v0.3.0', 1, 1]);
    // The feed names complete versions only: modonly v1.1.0 has no zip.
    assert.equal((await feed()).length, 11);
    assert.equal((await feed()).includes(`${CAT.modOnly}@v1.1.0`), false);
    assert.equal((await readdir(root, { recursive: true })).some((n) => /\.tmp-\d+-/.test(n)), false, 'no temp file left');
  });

  test('module page: versions, retraction with its reason, requirements linked only when mirrored, licenses, README, all escaped', async () => {
    const lib = await read('_catalog/m/example.com/lib/@index.html');
    assert.match(lib, /<tr data-version="v1.1.0" class="retracted">/);
    assert.match(lib, /&lt;b&gt;oops&lt;\/b&gt; published by mistake &lt;script&gt;/);
    assert.match(lib, /<a href="..\/..\/..\/..\/_catalog\/m\/example.com\/dep\/@index.html">example.com\/dep<\/a>/);
    assert.match(lib, /<span class="unmirrored" title="not in this mirror">example.com\/not-mirrored<\/span>/);
    assert.match(lib, /<code>LICENSE<\/code>: MIT/);
    assert.match(lib, /go get example.com\/lib@v1.2.0/);
    assert.match(lib, /<strong>lib<\/strong>/);
    assert.equal(/<script>window|<img |onerror="|href="javascript/i.test(lib), false, 'hostile README and go.mod comment escaped');
    const dep = await read('_catalog/m/example.com/dep/@index.html');
    assert.match(dep, /<code>LICENSE<\/code>: Apache-2.0/);
    assert.match(dep, /<code>third_party\/x\/LICENSE<\/code>: BSD-3-Clause/);
    const old = await read('_catalog/m/example.com/!old/@index.html');
    assert.match(old, /<strong>Deprecated:<\/strong> use example.com\/lib &lt;img src&#x3D;x onerror&#x3D;&quot;window.__pwned&#x3D;5&quot;&gt;/);
    assert.match(old, /<h1 class="modpath">example.com\/Old<\/h1>/);
    const modOnly = await read('_catalog/m/example.com/modonly/@index.html');
    assert.match(modOnly, /<tr data-version="v1.1.0">[\s\S]*?\.mod only/);
  });

  test('a module path with HTML in it is escaped by the templates too', () => {
    const html = catalogRenderer().render('module', {
      title: '<script>t</script>',
      path: 'example.com/<script>alert(1)</script>',
      base: '',
      versions: [{ version: '"><img src=x>', date: '', size: '', rationale: '' }],
      requires: [{ path: '<b>x</b>', version: 'v1.0.0', href: 'javascript:x" onclick="y' }],
      licenses: [],
    });
    assert.equal(/<script>|<img|<b>|" onclick/.test(html), false, html);
  });

  test('a second run with nothing changed reads no module and writes nothing', async () => {
    const r = await regenerateCatalog(root, { now, changed: [CAT.lib, CAT.dep] });
    assert.deepEqual([r.modulesRead, r.written, r.removed], [0, 0, 0]);
  });

  test('a new version: only its module is read, and it joins the feed at the end', async () => {
    const dir = path.join(root, 'example.com/dep/@v');
    for (const ext of ['mod', 'zip']) await copyFile(path.join(dir, `v1.0.0.${ext}`), path.join(dir, `v1.0.1.${ext}`));
    await writeFile(path.join(dir, 'v1.0.1.info'), '{"Version":"v1.0.1","Time":"2024-05-01T00:00:00Z"}');
    const libBefore = await read('_catalog/m/example.com/lib/@index.html');
    // Told about other modules only (stamps unchanged): nothing is read.
    assert.equal((await regenerateCatalog(root, { now, changed: [CAT.lib, CAT.old] })).modulesRead, 0);
    // Told about dep, as a sync that fetched its new version is.
    const r = await regenerateCatalog(root, { now, changed: [CAT.lib, CAT.dep] });
    assert.equal(r.modulesRead, 1);
    assert.equal((await feed()).at(-1), `${CAT.dep}@v1.0.1`);
    assert.match(await read('_catalog/m/example.com/dep/@index.html'), /<tr data-version="v1.0.1">/);
    assert.equal(await read('_catalog/m/example.com/lib/@index.html'), libBefore);
  });

  test('a module that goes: its page and feed lines go, and pages that linked to it no longer do', async () => {
    await rm(path.join(root, 'example.com/dep'), { recursive: true });
    const r = await regenerateCatalog(root, { now, changed: [CAT.dep] });
    assert.equal(r.removed, 1);
    await assert.rejects(read('_catalog/m/example.com/dep/@index.html'), { code: 'ENOENT' });
    assert.equal((await feed()).some((l) => l.startsWith(`${CAT.dep}@`)), false);
    assert.match(await read('_catalog/m/example.com/lib/@index.html'), /<span class="unmirrored" title="not in this mirror">example.com\/dep<\/span>/);
  });

  test('without a list of changed modules (gomirror catalog) the tree is walked and any change found', async () => {
    const dir = path.join(root, 'golang.org/x/net/@v');
    for (const ext of ['mod', 'zip']) await copyFile(path.join(dir, `v0.2.0.${ext}`), path.join(dir, `v0.2.1.${ext}`));
    await writeFile(path.join(dir, 'v0.2.1.info'), '{"Version":"v0.2.1","Time":"2024-05-02T00:00:00Z"}');
    const r = await regenerateCatalog(root, { now });
    assert.deepEqual([r.modulesRead, r.modules], [1, 8]);
    assert.equal((await feed()).at(-1), 'golang.org/x/net@v0.2.1');
  });

  test('--full reads every module and renders every page, and keeps the feed in arrival order', async () => {
    const before = await feed();
    const r = await regenerateCatalog(root, { now, full: true });
    assert.equal(r.modulesRead, 8);
    assert.deepEqual(await feed(), before);
  });

  test('a lost state file costs one full run, nothing else', async () => {
    await rm(stateFile(root));
    const r = await regenerateCatalog(root, { now, changed: [] });
    assert.equal(r.modulesRead, 8);
    assert.equal(r.feed, 11);
  });
});

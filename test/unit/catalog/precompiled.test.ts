import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { buildModuleView, type ModuleData, type RunSummary } from '../../../src/catalog/index.js';
import { buildFrontView, buildHealthView } from '../../../src/catalog/front-view.js';
import { PRECOMPILED_FILE, templateTextHash, type PrecompiledTemplates } from '../../../src/catalog/precompiled.js';
import { precompiledModule } from '../../../scripts/precompile-templates.js';
import { CATALOG_TEMPLATES_DIR, catalogTemplateTexts, createRenderer, type CatalogRenderer } from '../../../src/catalog/render.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const data: ModuleData = {
  path: 'example.com/Old',
  versions: [
    { version: 'v1.0.0', time: '2024-01-02T03:04:05Z', zipBytes: 2048, bytes: 2200, writtenMs: 1 },
    { version: 'v1.1.0', time: '2024-02-01T00:00:00Z', zipBytes: 1000, bytes: 1100, writtenMs: 2 },
    { version: 'v0.9.1', time: '2023-01-01T00:00:00Z', bytes: 90, writtenMs: 4 },
  ],
  latest: 'v1.1.0',
  latestMod: '// Deprecated: use example.com/new <b>instead</b>.\nmodule example.com/Old\n\ngo 1.17\n\nrequire example.com/dep v1.2.0\n\nretract v1.0.0 // broken <i>build</i>\n',
  zip: { version: 'v1.1.0', licenses: [{ name: 'LICENSE', text: 'Apache License\nVersion 2.0, January 2004' }], readme: { name: 'README.md', text: '# Old\n\n<script>bad()</script> *fine*' } },
};

const run = (startedAt: string, ok: boolean): RunSummary => ({
  file: `sync-${startedAt}.json`,
  startedAt,
  finishedAt: startedAt,
  durationSeconds: 12.5,
  ok,
  modules: 3,
  versions: 7,
  fetched: 5,
  failed: ok ? 0 : 1,
  errors: 0,
  bytes: 123456,
  failures: ok ? [] : [{ what: 'example.com/x@v1.0.0', code: 'E_CHECKSUM', message: 'checksum <mismatch>' }],
  moreFailures: 0,
});
const runs = [run('2026-11-30T01:00:00Z', true), run('2026-12-01T01:00:00Z', false)];
const summary = { modules: 2, versions: 4, zips: 3, bytes: 5 * 1024 * 1024, first: [['example.com/Old', 'v1.1.0', 3, 1] as [string, string, number, 0 | 1], ['example.com/dep', 'v1.2.0', 1, 0] as [string, string, number, 0 | 1]] };
const rows = [
  { path: 'example.com/Old', href: '_catalog/m/example.com/!old/@index.html', latest: 'v1.1.0', versions: 3, deprecated: true },
  { path: 'example.com/<b>', href: '_catalog/m/x/@index.html', latest: '', versions: 0, deprecated: false },
];

/** Everything a renderer makes, page by page. */
function renderAll(r: CatalogRenderer): Record<string, string> {
  const all = r.allPage({ title: 'All modules', base: '', generatedAt: '2026-12-01T00:00:00Z', total: 2 });
  return {
    module: r.render('module', buildModuleView(data, (p) => p === 'example.com/dep')),
    front: r.render('front', buildFrontView({ summary, runs, sumdbNames: ['sum.golang.org'], generatedAt: '2026-12-01T00:00:00Z' })),
    health: r.render('health', buildHealthView(runs, '2026-12-01T00:00:00Z')),
    allHead: all.head,
    allTail: all.tail,
    rows: r.moduleRows(rows),
    key: r.key,
  };
}

describe('catalog templates compiled at build time', () => {
  let dir: string;
  /** A module written as the build writes it, loaded as the renderer loads it. */
  const load = async (texts: Record<string, string>): Promise<PrecompiledTemplates> => {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}-${PRECOMPILED_FILE}`);
    await writeFile(file, precompiledModule(texts));
    return createRequire(import.meta.url)(file) as PrecompiledTemplates;
  };
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gomirror-precompiled-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('every page renders byte for byte as when compiled at run time', async () => {
    const texts = catalogTemplateTexts(CATALOG_TEMPLATES_DIR);
    assert.deepEqual(Object.keys(texts).sort(), ['all.hbs', 'front.hbs', 'health.hbs', 'module.hbs', 'partials/layout.hbs', 'partials/module-list.hbs', 'rows']);
    const compiled = renderAll(createRenderer(CATALOG_TEMPLATES_DIR, await load(texts)));
    const runtime = renderAll(createRenderer(CATALOG_TEMPLATES_DIR, undefined));
    assert.deepEqual(compiled, runtime);
    assert.match(compiled.module as string, /<h1 class="modpath">example.com\/Old<\/h1>/);
    assert.match(compiled.health as string, /checksum &lt;mismatch&gt;/);
  });

  test('an entry is used while its source text is the one it was compiled from', async () => {
    const texts = catalogTemplateTexts(CATALOG_TEMPLATES_DIR);
    const loaded = await load({ ...texts, 'health.hbs': 'HEALTH {{generatedAt}}' });
    // The entry made from other text, claiming the real text's hash: the renderer takes it.
    const forged: PrecompiledTemplates = { ...loaded, 'health.hbs': { ...(loaded['health.hbs'] as PrecompiledTemplates[string]), sha256: templateTextHash(texts['health.hbs'] as string) } };
    assert.equal(createRenderer(CATALOG_TEMPLATES_DIR, forged).render('health', { generatedAt: 'now' }), 'HEALTH now');
    // With its own (honest) hash it no longer matches the template on disk: compiled from the text.
    const honest = createRenderer(CATALOG_TEMPLATES_DIR, loaded).render('health', buildHealthView(runs, 'now'));
    assert.equal(honest, createRenderer(CATALOG_TEMPLATES_DIR, undefined).render('health', buildHealthView(runs, 'now')));
    assert.match(honest, /<html/);
  });

  test('the render key follows the templates, not where the package is installed', async () => {
    const copy = async (name: string): Promise<string> => {
      const to = path.join(dir, name);
      await cp(CATALOG_TEMPLATES_DIR, to, { recursive: true });
      return to;
    };
    const [a, b] = [await copy('install-a'), await copy('elsewhere/install-b')];
    assert.equal(createRenderer(a, undefined).key, createRenderer(b, undefined).key);
    await writeFile(path.join(b, 'health.hbs'), (await readFile(path.join(b, 'health.hbs'), 'utf8')) + '\n');
    assert.notEqual(createRenderer(a, undefined).key, createRenderer(b, undefined).key);
  });

  test('the build wrote the compiled form of every current template beside dist/catalog/render.js', async () => {
    const source = await readFile(path.join(REPO, 'dist', 'catalog', PRECOMPILED_FILE), 'utf8').catch(() => undefined);
    assert.ok(source !== undefined, 'run `npm run build` first');
    const built = createRequire(import.meta.url)(path.join(REPO, 'dist', 'catalog', PRECOMPILED_FILE)) as PrecompiledTemplates;
    for (const [id, text] of Object.entries(catalogTemplateTexts(CATALOG_TEMPLATES_DIR))) {
      assert.equal(built[id]?.sha256, templateTextHash(text), `${id}: stale; run npm run build`);
    }
  });
});

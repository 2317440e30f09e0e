/**
 * The catalog in a real browser: a tree synced three times with the real CLI
 * (the last run with a failure), served by the emitted nginx config, driven
 * with headless Chromium. Screenshots (light, dark, phone width) go to
 * $CATALOG_SCREENSHOTS or <tmpdir>/gomirror-catalog-screenshots.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'puppeteer-core';

import { launchChromium, type TestBrowser } from '../helpers/browser.js';
import { CAT, catalogSpec } from '../helpers/catalog-fixture.js';
import { describeCli, runCli } from '../helpers/cli.js';
import { startFixtureServer, type FixtureServer } from '../helpers/fixture-server.js';
import { buildUpstream, type Upstream } from '../helpers/fixture-upstream.js';
import { curl, requireNginxTools, type RunningNginx, serveWithNginx } from './nginx-support.js';

const SHOTS = process.env.CATALOG_SCREENSHOTS ?? path.join(tmpdir(), 'gomirror-catalog-screenshots');
/** A go.sum line for a module the upstream does not have: the third sync fails on it. */
const GHOST = 'example.com/ghost v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';

let upstream: Upstream;
let server: FixtureServer;
let work: string;
let tree: string;
let nginx: RunningNginx;
let base: string;
let chromium: TestBrowser;
let page: Page;
const cliOutputs: string[] = [];

before(async () => {
  await requireNginxTools();
  upstream = await buildUpstream(catalogSpec());
  server = await startFixtureServer({ root: upstream.dir });
  work = await mkdtemp(path.join(tmpdir(), 'gomirror-catalog-'));
  tree = path.join(work, 'tree');
  const sum = path.join(work, 'all.sum');
  await writeFile(sum, upstream.goSum);
  const sync = (sums: string[]) =>
    runCli(['sync', '--upstream', server.url, ...sums.flatMap((s) => ['--gosum', s]), '--no-deps', '--out', tree, '--log-format', 'json']);
  for (const expected of [0, 0]) {
    const r = await sync([sum]);
    cliOutputs.push(describeCli(r));
    assert.equal(r.code, expected, describeCli(r));
  }
  const ghost = path.join(work, 'ghost.sum');
  await writeFile(ghost, GHOST);
  const failing = await sync([sum, ghost]);
  cliOutputs.push(describeCli(failing));
  assert.equal(failing.code, 1, describeCli(failing));

  ({ url: base, nginx } = await serveWithNginx(path.join(work, 'prefix'), tree, [work, tree]));
  chromium = await launchChromium();
  page = await chromium.browser.newPage();
  await page.setViewport({ width: 1200, height: 900 });
  await mkdir(SHOTS, { recursive: true });
});

after(async () => {
  await chromium?.close();
  await nginx?.stop();
  await server?.close();
  await upstream?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Waits until the module list has `n` entries (the page is a browser document; this file has no DOM types). */
async function waitForCount(n: number): Promise<void> {
  await page.waitForFunction(`document.querySelectorAll('#module-list li').length === ${n}`, { timeout: 5000 });
}

async function listed(): Promise<string[]> {
  return page.$$eval('#module-list li a', (as) => as.map((a) => a.textContent ?? ''));
}

describe('the catalog, served by nginx, in Chromium', () => {
  test('each sync regenerated it, and gomirror catalog runs on demand', async () => {
    for (const out of cliOutputs) assert.match(out, /catalog: 9 modules/, out);
    // The walk also finds what no sync reported, e.g. the empty directory a failed fetch may leave: read once.
    const first = await runCli(['catalog', '--root', tree]);
    assert.equal(first.code, 0, describeCli(first));
    assert.match(first.stdout, /catalog: 9 modules, 12 versions; [01] modules read/, describeCli(first));
    const r = await runCli(['catalog', '--root', tree]);
    assert.equal(r.code, 0, describeCli(r));
    assert.match(r.stdout, /catalog: 9 modules, 12 versions; 0 modules read/, describeCli(r));
  });

  test('nginx: pages as HTML with a short cache and a CSP, state hidden, module files as before', async () => {
    const front = await curl(`${base}/`);
    assert.equal(front.status, 200);
    assert.equal(front.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(front.headers['cache-control'], 'public, max-age=60');
    assert.match(front.headers['content-security-policy'] ?? '', /script-src 'self'/);
    assert.equal((await curl(`${base}/_catalog/index.jsonl`)).headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal((await curl(`${base}/_catalog/modules.json`)).headers['content-type'], 'application/json');
    for (const hidden of ['/.gomirror/catalog.json', '/.gomirror/reports/', '/_catalog/', '/_catalog/m/']) {
      assert.equal((await curl(base + hidden)).status, 404, hidden);
    }
    const list = await curl(`${base}/example.com/lib/@v/list`);
    assert.deepEqual([list.status, list.body.toString()], [200, 'v1.0.0\nv1.1.0\nv1.2.0\n']);
    assert.equal((await curl(`${base}/example.com/!old/@v/v0.3.0.zip`)).headers['content-type'], 'application/zip');
  });

  test('front page: counts, the last sync with its failure, the client setup with this URL, the modules', async () => {
    await page.goto(`${base}/`, { waitUntil: 'networkidle0' });
    assert.equal(await page.$eval('#stat-modules', (e) => e.textContent), '9');
    assert.equal((await listed()).length, 9);
    const last = await page.$eval('#last-sync', (e) => e.textContent ?? '');
    assert.match(last, /failed/);
    assert.match(await page.$eval('.last-sync .failures', (e) => e.textContent ?? ''), /example\.com\/ghost@v1\.0\.0 E_NOT_FOUND/);
    assert.match(await page.$eval('#client-config', (e) => e.textContent ?? ''), new RegExp(`GOPROXY=${base.replace(/\./g, '\\.')},off GOSUMDB=off`));
    await shot('front-light');
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    await shot('front-dark');
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    await page.setViewport({ width: 390, height: 844, isMobile: true, deviceScaleFactor: 2 });
    await shot('front-phone-light');
    await page.setViewport({ width: 1200, height: 900 });
  });

  test('typing in the search box narrows the list; clearing it brings the list back', async () => {
    await page.goto(`${base}/`, { waitUntil: 'networkidle0' });
    await page.type('#search', 'spf13');
    await waitForCount(2);
    assert.deepEqual(await listed(), ['github.com/spf13/cobra', 'github.com/spf13/pflag']);
    await page.type('#search', '/cob');
    await waitForCount(1);
    assert.match(await page.$eval('#search-status', (e) => e.textContent ?? ''), /1 module matches/);
    await shot('front-search');
    await page.$eval('#search', (e) => void ((e as unknown as { value: string }).value = ''));
    await page.type('#search', 'OLD');
    await page.waitForFunction(`document.querySelector('#module-list li a')?.textContent === '${CAT.old}'`, { timeout: 5000 });
    await waitForCount(1);
    assert.deepEqual(await listed(), [CAT.old]);
    await page.click('#search', { count: 3 });
    await page.keyboard.press('Backspace');
    await waitForCount(9);
  });

  test('a module page: its versions, the retracted one marked, requirements linked when mirrored, hostile text inert', async () => {
    await page.goto(`${base}/`, { waitUntil: 'networkidle0' });
    await Promise.all([page.waitForNavigation(), page.click(`#module-list a[href$="example.com/lib/@index.html"]`)]);
    assert.equal(await page.$eval('h1', (e) => e.textContent), CAT.lib);
    const rows = await page.$$eval('#versions tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-version'), tr.className]));
    assert.deepEqual(rows, [['v1.2.0', ''], ['v1.1.0', 'retracted'], ['v1.0.0', '']]);
    assert.match(await page.$eval('tr.retracted', (e) => e.textContent ?? ''), /retracted <b>oops<\/b> published by mistake <script>/);
    assert.equal(await page.$eval('#go-get', (e) => e.textContent), 'go get example.com/lib@v1.2.0');
    assert.deepEqual(await page.$$eval('#requires a', (as) => as.map((a) => a.textContent)), [CAT.dep]);
    assert.deepEqual(await page.$$eval('#requires .unmirrored', (s) => s.map((e) => e.textContent)), [CAT.missing]);
    assert.match(await page.$eval('#licenses', (e) => e.textContent ?? ''), /LICENSE: MIT/);
    // The README's script, onerror handler and javascript: link never ran or became elements.
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    assert.equal(await page.$$eval('#readme script, #readme img, #readme [onerror], #readme a[href^="javascript"]', (e) => e.length), 0);
    assert.match(await page.$eval('#readme', (e) => e.textContent ?? ''), /<script>window.__pwned/);
    await shot('module-lib-light');
    await page.setViewport({ width: 390, height: 844, isMobile: true, deviceScaleFactor: 2 });
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    await shot('module-lib-phone-dark');
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    await shot('module-lib-phone-light');
    await page.setViewport({ width: 1200, height: 900 });
    await Promise.all([page.waitForNavigation(), page.click('#requires a')]);
    assert.equal(await page.$eval('h1', (e) => e.textContent), CAT.dep);
    assert.match(await page.$eval('#licenses', (e) => e.textContent ?? ''), /LICENSE: Apache-2\.0[\s\S]*third_party\/x\/LICENSE: BSD-3-Clause/);
  });

  test('a deprecated module and a .mod-only version are marked; the go.mod comment stays text', async () => {
    await page.goto(`${base}/_catalog/m/example.com/!old/@index.html`, { waitUntil: 'networkidle0' });
    assert.match(await page.$eval('#deprecated', (e) => e.textContent ?? ''), /Deprecated: use example\.com\/lib <img src=x onerror="window\.__pwned=5">/);
    assert.equal(await page.$$eval('#deprecated img', (e) => e.length), 0);
    assert.equal(await page.evaluate('window.__pwned'), undefined);
    await page.goto(`${base}/_catalog/m/example.com/modonly/@index.html`, { waitUntil: 'networkidle0' });
    assert.match(await page.$eval('tr[data-version="v1.1.0"]', (e) => e.textContent ?? ''), /\.mod only/);
  });

  test('health page: the chart is an inline SVG with one point per sync', async () => {
    await page.goto(`${base}/_catalog/health.html`, { waitUntil: 'networkidle0' });
    assert.equal(await page.$$eval('svg.chart circle.pt-versions', (e) => e.length), 3);
    assert.equal(await page.$$eval('svg.chart rect.bar-failures.bad', (e) => e.length), 1);
    assert.equal(await page.$$eval('#runs tbody tr.bad', (e) => e.length), 1);
    const box = await page.$eval('svg.chart', (e) => e.getBoundingClientRect().width);
    assert.ok(box > 300, `chart width ${box}`);
    await shot('health-light');
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    await shot('health-dark');
    await page.setViewport({ width: 390, height: 844, isMobile: true, deviceScaleFactor: 2 });
    await shot('health-phone-dark');
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    await page.setViewport({ width: 1200, height: 900 });
  });

  test('the feed lists every complete version once, in arrival order', async () => {
    const r = await curl(`${base}/_catalog/index.jsonl`);
    const lines = r.body.toString().trim().split('\n').map((l) => JSON.parse(l) as { Path: string; Version: string; Timestamp: string });
    assert.equal(lines.length, 11);
    assert.equal(new Set(lines.map((l) => `${l.Path}@${l.Version}`)).size, 11);
    const times = lines.map((l) => Date.parse(l.Timestamp));
    assert.deepEqual([...times].sort((a, b) => a - b), times);
  });
});

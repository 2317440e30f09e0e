/**
 * bundle export on small trees of sumdb and index files (module zips are
 * covered end to end): what it leaves out, what it warns about, and that a
 * failure leaves no bundle behind.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { exportBundle, loadIndex } from '../../../src/bundle/index.js';
import type { Logger } from '../../../src/logger.js';

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => undefined, warn: (m) => warnings.push(m), error: () => undefined, progress: () => undefined };
}

describe('bundle export', () => {
  let dir: string;
  let root: string;
  let out: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gomirror-export-'));
    root = path.join(dir, 'root');
    out = path.join(dir, 'out');
    await mkdir(out);
    const files: Record<string, string> = {
      'sumdb/sum.golang.org/latest': 'go.sum database tree\n5\nAbCd==\n',
      'sumdb/sum.golang.org/supported': '',
      'sumdb/sum.golang.org/tile/8/0/000.p/5': 'x'.repeat(160),
      'example.com/empty/@v/list': '',
      '.gomirror/go.sum': '',
      '.gomirror/lock': '{}',
      '.gomirror/staging-1-ab/tree/x': 'staged',
      'sumdb/sum.golang.org/latest.tmp-77-abc': 'half',
      'README.md': 'not a tree file',
    };
    for (const [f, text] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, f)), { recursive: true });
      await writeFile(path.join(root, f), text);
    }
    await symlink('/etc/passwd', path.join(root, 'example.com/empty/@v/v1.0.0.info'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('carries the tree files only, warning about strays and symlinks', async () => {
    const logger = recordingLogger();
    const r = await exportBundle({ root, out: path.join(out, 'a.tar'), now: () => new Date('2025-01-02T03:04:05Z') }, logger);
    assert.equal(r.bundled, 4);
    const { index } = await loadIndex(path.join(out, 'a.tar'));
    assert.deepEqual(
      index.files.map((f) => f.path),
      ['example.com/empty/@v/list', 'sumdb/sum.golang.org/latest', 'sumdb/sum.golang.org/supported', 'sumdb/sum.golang.org/tile/8/0/000.p/5'],
    );
    assert.equal(index.created, '2025-01-02T03:04:05.000Z');
    assert.deepEqual(logger.warnings.sort(), [
      'skipping README.md: not a file of the tree layout',
      'skipping example.com/empty/@v/v1.0.0.info: not a regular file',
    ]);
    assert.equal(r.indexFile, path.join(out, 'a.index.json'));
    assert.deepEqual((await loadIndex(r.indexFile)).index, index, 'the index beside the bundle is the one inside');
  });

  it('refuses a missing root, an unreadable key and a --since that is not a bundle, writing nothing', async () => {
    const before = await readdir(out);
    await assert.rejects(exportBundle({ root: path.join(dir, 'nope'), out: path.join(out, 'b.tar') }, recordingLogger()), {
      code: 'E_USAGE',
      message: /nope is not a directory$/,
    });
    await assert.rejects(exportBundle({ root, out: path.join(out, 'b.tar'), signKey: path.join(dir, 'no.key') }, recordingLogger()), {
      code: 'E_KEY',
      message: /^cannot read key /,
    });
    await writeFile(path.join(dir, 'junk.key'), 'junk');
    await assert.rejects(exportBundle({ root, out: path.join(out, 'b.tar'), signKey: path.join(dir, 'junk.key') }, recordingLogger()), {
      code: 'E_KEY',
      message: /junk\.key: not a PEM private key/,
    });
    await writeFile(path.join(dir, 'empty.tar'), Buffer.alloc(1024));
    await assert.rejects(exportBundle({ root, out: path.join(out, 'b.tar'), since: path.join(dir, 'empty.tar') }, recordingLogger()), {
      code: 'E_BUNDLE',
      message: /empty\.tar: no gomirror-index\.json in this bundle$/,
    });
    assert.deepEqual(await readdir(out), before);
  });
});

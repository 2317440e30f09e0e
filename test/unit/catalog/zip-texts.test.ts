/**
 * The README and license texts a module page shows, read from the latest
 * zip (scan.ts withZipTexts) through the zip check's reader: zips made by
 * x/mod's zip.CreateFromDir (hashtool), small ones listed from one read of
 * the file's tail, large ones with the text outside that tail streamed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import yauzl from 'yauzl';
import { withZipTexts } from '../../../src/catalog/scan.js';
import { goTool } from '../../helpers/go-tools.js';

const run = promisify(execFile);
const MOD = 'example.com/texts';

describe('catalog: README and licenses from the latest zip', () => {
  let root: string;
  let hashtool: string;
  /** Writes the module's zip for `version` into the tree (x/mod makes it) and returns its size. */
  const zipOf = async (version: string, files: Record<string, string | Buffer>): Promise<number> => {
    const src = path.join(root, '..', `src-${version}`);
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(src, name)), { recursive: true });
      await writeFile(path.join(src, name), content);
    }
    const out = path.join(root, MOD, '@v', `${version}.zip`);
    await mkdir(path.dirname(out), { recursive: true });
    await run(hashtool, ['create', '-path', MOD, '-version', version, '-dir', src, '-out', out]);
    return (await stat(out)).size;
  };
  const texts = (version: string, zipBytes: number) =>
    withZipTexts(root, { path: MOD, versions: [{ version, zipBytes, bytes: zipBytes, writtenMs: 0 }], latest: version });

  before(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gomirror-zip-texts-'));
    root = path.join(dir, 'tree');
    hashtool = await goTool('hashtool');
  });
  after(async () => {
    await rm(path.dirname(root), { recursive: true, force: true });
  });

  it('a small zip: README and every license, its entries listed from one read of the tail', async (t) => {
    const files: Record<string, string> = { 'go.mod': `module ${MOD}\n`, 'README.md': '# texts\n', LICENSE: 'MIT License\n', 'sub/COPYING': 'GPL\n' };
    for (let i = 0; i < 60; i++) files[`pkg${i}/file${i}.go`] = `package pkg${i}\n`;
    const size = await zipOf('v1.0.0', files);
    const read = t.mock.method(fs, 'read');
    const d = await texts('v1.0.0', size);
    assert.deepEqual(d.zip, {
      version: 'v1.0.0',
      licenses: [
        { name: 'LICENSE', text: 'MIT License\n' },
        { name: 'sub/COPYING', text: 'GPL\n' },
      ],
      readme: { name: 'README.md', text: '# texts\n' },
    });
    // 64 entries: yauzl reading through its own file reader made one or two reads per entry.
    assert.ok(read.mock.callCount() <= 2, `${read.mock.callCount()} reads`);
  });

  it('a large zip: the README outside the cached tail is streamed from the file, whole and exact', async (t) => {
    const readme = `# big\n\n${'All work and no play. '.repeat(4000)}\n`;
    // Incompressible bytes after the README push it out of the last 64 KiB.
    const size = await zipOf('v1.1.0', { 'go.mod': `module ${MOD}\n`, 'README.md': readme, 'zz/blob.bin': randomBytes(256 * 1024) });
    assert.ok(size > 256 * 1024);
    const reads = t.mock.method(fs, 'read');
    const d = await texts('v1.1.0', size);
    assert.equal(d.zip?.readme?.text, readme);
    // The tail, then the README's data in its own read(s).
    assert.ok(reads.mock.callCount() >= 2, `${reads.mock.callCount()} reads`);
    assert.deepEqual(d.zip?.licenses, []);
  });

  it('a zip smaller than the cached tail: every read from the file, the descriptor open until the end', async (t) => {
    const size = await zipOf('v0.1.0', { 'go.mod': `module ${MOD}\n`, LICENSE: 'MIT License\n', 'README.md': '# tiny\n' });
    assert.ok(size < 4096);
    const close = t.mock.method(fs, 'close');
    const d = await texts('v0.1.0', size);
    assert.deepEqual(d.zip, { version: 'v0.1.0', licenses: [{ name: 'LICENSE', text: 'MIT License\n' }], readme: { name: 'README.md', text: '# tiny\n' } });
    assert.equal(close.mock.callCount(), 1);
  });

  it('small texts are read and inflated whole, with no read stream; a text over 1 MiB is still streamed, whole and exact', async (t) => {
    const size = await zipOf('v1.3.0', { 'go.mod': `module ${MOD}\n`, 'README.md': '# whole\n', LICENSE: 'MIT License\n', 'sub/COPYING': 'GPL\n' });
    const streams = t.mock.method(yauzl.ZipFile.prototype, 'openReadStream');
    const d = await texts('v1.3.0', size);
    assert.deepEqual(d.zip, {
      version: 'v1.3.0',
      licenses: [
        { name: 'LICENSE', text: 'MIT License\n' },
        { name: 'sub/COPYING', text: 'GPL\n' },
      ],
      readme: { name: 'README.md', text: '# whole\n' },
    });
    assert.equal(streams.mock.callCount(), 0, 'no read stream for three small entries');
    // Compressible, so its compressed size stays small while it is over 1 MiB inflated: the page shows its first 256 KiB.
    const big = `# big\n${'Lorem ipsum dolor sit amet. '.repeat(48 * 1024)}`;
    assert.ok(big.length > 1 << 20);
    const bigSize = await zipOf('v1.4.0', { 'go.mod': `module ${MOD}\n`, 'README.md': big });
    const dBig = await texts('v1.4.0', bigSize);
    assert.equal(dBig.zip?.readme?.text, big.slice(0, 256 * 1024));
    assert.equal(streams.mock.callCount(), 1, 'the large one streamed');
  });

  it('a damaged zip leaves the page without texts, and its file is released', async (t) => {
    const file = path.join(root, MOD, '@v', 'v1.2.0.zip');
    await writeFile(file, 'not a zip at all');
    const close = t.mock.method(fs, 'close');
    const d = await texts('v1.2.0', 16);
    assert.deepEqual(d.zip, { version: 'v1.2.0', licenses: [] });
    assert.equal(close.mock.callCount(), 1);
  });
});

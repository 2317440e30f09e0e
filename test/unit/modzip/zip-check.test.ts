import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { ZipInvalidError } from '../../../src/errors.js';
import { checkModuleZip, type CheckModuleZipOptions, type ModuleZipSummary } from '../../../src/modzip/zip-check.js';
import { MAX_ZIP_FILE } from '../../../src/modzip/zip-rules.js';
import { builtStagePool } from '../../helpers/built.js';
import { goTool } from '../../helpers/go-tools.js';

const run = promisify(execFile);

/** Module source trees that x/mod's zip.CreateFromDir turns into zips. */
const MODULES: { path: string; version: string; files: Record<string, string> }[] = [
  {
    path: 'example.com/simple',
    version: 'v1.0.0',
    files: {
      'go.mod': 'module example.com/simple\n\ngo 1.19\n',
      LICENSE: 'Permission is granted.\n',
      'simple.go': 'package simple\n',
      'sub/dir/deep.go': 'package dir\n',
      'empty.txt': '',
      '.hidden/file.txt': 'dot directories are allowed\n',
      'with space.txt': 'spaces too\n',
    },
  },
  {
    path: 'github.com/BurntSushi/Toml',
    version: 'v1.0.0-RC1',
    files: {
      'go.mod': 'module github.com/BurntSushi/Toml\n',
      'Decode.go': 'package toml\n',
      'Internal/TZ.go': 'package internal\n',
    },
  },
  {
    path: 'example.com/mod/v2',
    version: 'v2.0.1',
    files: { 'go.mod': 'module example.com/mod/v2\n\ngo 1.19\n', 'v2.go': 'package mod\n' },
  },
  {
    path: 'example.com/legacy',
    version: 'v3.1.0+incompatible',
    files: { 'legacy.go': 'package legacy\n', 'README.md': '# no go.mod here\n' },
  },
  {
    path: 'example.com/unicode',
    version: 'v0.1.0',
    files: {
      'go.mod': 'module example.com/unicode\n',
      '\uff21.go': 'package unicode\n',
      '\u{1d400}.go': 'package unicode\n',
      'ünï/cödé.go': 'package uni\n',
    },
  },
];

const HOSTILE_MODULE = { modulePath: 'example.com/hostile', version: 'v1.0.0' };
const P = 'example.com/hostile@v1.0.0/';

/**
 * Each hostile zip from mkhostile, the entry our message must name, the
 * reason, and how Go's own x/mod code treats it: zip.CheckZip rejects it
 * ('check'), only reading it for dirhash.HashZip fails ('hash'), or Go
 * accepts it and gomirror is stricter ('none').
 */
const HOSTILE: { zip: string; entry: string; reason: RegExp; go: 'check' | 'hash' | 'none' }[] = [
  { zip: 'traversal.zip', entry: `${P}../../evil.go`, reason: /not clean: "\.\." path element/, go: 'check' },
  { zip: 'absolute.zip', entry: `${P}/etc/passwd`, reason: /absolute path/, go: 'check' },
  { zip: 'backslash.zip', entry: `${P}..\\..\\evil.go`, reason: /backslash/, go: 'check' },
  { zip: 'dot-element.zip', entry: `${P}./x.go`, reason: /not clean: "\." path element/, go: 'check' },
  { zip: 'wrong-prefix.zip', entry: 'example.com/other@v1.0.0/x.go', reason: /does not have prefix "example\.com\/hostile@v1\.0\.0\/"/, go: 'check' },
  { zip: 'wrong-version.zip', entry: 'example.com/hostile@v1.0.1/x.go', reason: /does not have prefix/, go: 'check' },
  { zip: 'case-collision.zip', entry: `${P}a.go`, reason: /case-insensitive file name collision: "A\.go" and "a\.go"/, go: 'check' },
  { zip: 'kelvin-collision.zip', entry: `${P}\u212a.go`, reason: /case-insensitive file name collision: "k\.go" and "\u212a\.go"/, go: 'check' },
  { zip: 'duplicate.zip', entry: `${P}x.go`, reason: /multiple entries for file "x\.go"/, go: 'check' },
  { zip: 'file-dir-clash.zip', entry: `${P}x/y.go`, reason: /entry "x" is both a file and a directory/, go: 'check' },
  { zip: 'symlink.zip', entry: `${P}link`, reason: /symbolic links are not allowed/, go: 'none' },
  { zip: 'fifo.zip', entry: `${P}pipe`, reason: /not a regular file/, go: 'none' },
  { zip: 'gomod-wrong-case.zip', entry: `${P}GO.MOD`, reason: /go\.mod files must have lowercase names/, go: 'check' },
  { zip: 'nested-gomod.zip', entry: `${P}sub/go.mod`, reason: /go\.mod file not in module root directory/, go: 'check' },
  { zip: 'nested-gomod-case.zip', entry: `${P}sub/Go.Mod`, reason: /go\.mod file not in module root directory/, go: 'check' },
  { zip: 'windows-name.zip', entry: `${P}sub/con.go`, reason: /"con" disallowed as path element component on Windows/, go: 'check' },
  { zip: 'newline-name.zip', entry: `${P}a\nb.go`, reason: /invalid char/, go: 'check' },
  { zip: 'invalid-utf8.zip', entry: `${P}\\xff.go`, reason: /not valid UTF-8/, go: 'check' },
  { zip: 'size-lie.zip', entry: `${P}lie.txt`, reason: /larger than declared size \(10 bytes\)/, go: 'hash' },
  { zip: 'size-short.zip', entry: `${P}short.txt`, reason: /100 is smaller than declared size \(5000 bytes\)/, go: 'hash' },
  { zip: 'size-lie-stored.zip', entry: `${P}stored.txt`, reason: /size 100 differs from its declared uncompressed size 10/, go: 'hash' },
  { zip: 'bad-crc.zip', entry: `${P}crc.txt`, reason: /CRC-32 checksum mismatch/, go: 'hash' },
  { zip: 'bad-deflate.zip', entry: `${P}garbage.txt`, reason: /corrupt data/, go: 'hash' },
  { zip: 'encrypted.zip', entry: `${P}secret.txt`, reason: /encrypted entries are not supported/, go: 'hash' },
  { zip: 'bad-method.zip', entry: `${P}bzip.txt`, reason: /unsupported compression method 12/, go: 'hash' },
  { zip: 'dir-with-data.zip', entry: `${P}sub/`, reason: /directory entry has data/, go: 'none' },
  { zip: 'big-license.zip', entry: `${P}LICENSE`, reason: /LICENSE file too large \(max size is 16777216 bytes\)/, go: 'check' },
  { zip: 'big-gomod.zip', entry: `${P}go.mod`, reason: /go\.mod file too large \(max size is 16777216 bytes\)/, go: 'check' },
  { zip: 'too-large-total.zip', entry: `${P}big.bin`, reason: /total uncompressed size of module contents too large/, go: 'check' },
  // Entries over 1 MiB are streamed in chunks rather than read whole.
  { zip: 'big-size-lie.zip', entry: `${P}lie.bin`, reason: /larger than declared size \(5242880 bytes\)/, go: 'hash' },
  { zip: 'big-size-short.zip', entry: `${P}short.bin`, reason: /1048576 is smaller than declared size \(5242880 bytes\)/, go: 'hash' },
  { zip: 'big-bad-crc.zip', entry: `${P}crc.bin`, reason: /CRC-32 checksum mismatch/, go: 'hash' },
  { zip: 'big-bad-deflate.zip', entry: `${P}cut.bin`, reason: /corrupt data: unexpected end of file/, go: 'hash' },
];

/** How the entry appears in our messages: JSON-quoted, except raw bytes already spelled \xNN. */
function quoted(entry: string): string {
  return entry.includes('\\xff') ? `"${entry}"` : JSON.stringify(entry);
}

/** Asserts that fn rejects with a ZipInvalidError for zip that names entry and matches reason. */
async function assertZipInvalid(promise: Promise<unknown>, zip: string, entry: string | undefined, reason: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    // By name: the worker way's errors are built from dist/, a copy of the class.
    assert.ok(e instanceof Error && e.name === 'ZipInvalidError', `want ZipInvalidError, got ${String(e)}`);
    const err = e as ZipInvalidError;
    assert.equal(err.code, 'E_ZIP_INVALID');
    assert.equal(err.file, zip);
    assert.ok(err.message.startsWith(`${zip}: `), err.message);
    if (entry !== undefined) assert.ok(err.message.includes(`entry ${quoted(entry)}: `), `${err.message} does not name ${quoted(entry)}`);
    assert.match(err.message, reason);
    return true;
  });
}

/**
 * Both ways a zip gets checked: inline on the main thread (async reads; verify,
 * bundle import and export) and on a sync's worker threads (synchronous reads),
 * the latter through the built staging pool, as `gomirror sync` runs it.
 */
type Check = (file: string, opts: CheckModuleZipOptions) => Promise<ModuleZipSummary>;

const WAYS: { name: string; open: () => Promise<{ check: Check; close: () => Promise<void> }> }[] = [
  { name: 'inline', open: async () => ({ check: checkModuleZip, close: async () => undefined }) },
  {
    name: 'on a worker thread',
    open: async () => {
      const pool = await builtStagePool(1);
      const check: Check = async (file, opts) => {
        const { zip } = await pool.stage({ zip: { file, ...opts, fsync: false }, files: [] });
        assert.ok(zip);
        return zip;
      };
      return { check, close: () => pool.close() };
    },
  },
];

for (const way of WAYS) describe(`checkModuleZip ${way.name}`, () => {
  let check: Check;
  let closeWay: () => Promise<void>;
  let dir: string;
  let hashtool: string;
  let hostileDir: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gomirror-zip-'));
    hostileDir = path.join(dir, 'hostile');
    const [ht, mk] = await Promise.all([goTool('hashtool'), goTool('mkhostile')]);
    hashtool = ht;
    await run(mk, [hostileDir]);
    ({ check, close: closeWay } = await way.open());
  });
  after(async () => {
    await closeWay();
    await rm(dir, { recursive: true, force: true });
  });

  it("computes the same h1 as x/mod's dirhash.HashZip on zips made by zip.CreateFromDir", async () => {
    const zips: string[] = [];
    for (const [i, mod] of MODULES.entries()) {
      const src = path.join(dir, `src${i}`);
      for (const [name, content] of Object.entries(mod.files)) {
        await mkdir(path.dirname(path.join(src, name)), { recursive: true });
        await writeFile(path.join(src, name), content);
      }
      const zip = path.join(dir, `mod${i}.zip`);
      await run(hashtool, ['create', '-path', mod.path, '-version', mod.version, '-dir', src, '-out', zip]);
      zips.push(zip);
    }
    const { stdout } = await run(hashtool, ['zip', ...zips]);
    const want = stdout.trim().split('\n');
    for (const [i, mod] of MODULES.entries()) {
      const zip = zips[i] ?? '';
      const goMod = mod.files['go.mod'];
      const summary = await check(zip, { modulePath: mod.path, version: mod.version });
      assert.equal(summary.h1, want[i], `${mod.path}@${mod.version}`);
      assert.equal(summary.fileCount, Object.keys(mod.files).length);
      assert.equal(summary.size, (await stat(zip)).size);
      const contentBytes = Object.values(mod.files).reduce((n, c) => n + Buffer.byteLength(c), 0);
      assert.equal(summary.uncompressedSize, contentBytes);
      assert.equal(summary.goMod?.toString(), goMod);
      if (goMod !== undefined) {
        const same = await check(zip, { modulePath: mod.path, version: mod.version, goMod: Buffer.from(goMod) });
        assert.equal(same.h1, summary.h1);
      }
    }
  });

  it('hashes directory entries as empty files, as HashZip does', async () => {
    const zip = path.join(hostileDir, 'dir-entry.zip');
    const { stdout } = await run(hashtool, ['zip', zip]);
    const summary = await check(zip, HOSTILE_MODULE);
    assert.equal(summary.h1, stdout.trim());
    assert.equal(summary.fileCount, 2);
  });

  it('streams entries over 1 MiB (deflated, stored, highly compressed) to the same h1 as HashZip', async () => {
    const zip = path.join(hostileDir, 'big-good.zip');
    const { stdout } = await run(hashtool, ['zip', zip]);
    const summary = await check(zip, HOSTILE_MODULE);
    assert.equal(summary.h1, stdout.trim());
    assert.equal(summary.uncompressedSize, 36 + (6 << 20) + (20 << 20) + (5 << 20));
  });

  it('accepts the good hostile-suite zip, which Go accepts too', async () => {
    const zip = path.join(hostileDir, 'good.zip');
    const { stdout } = await run(hashtool, ['zip', zip]);
    assert.equal((await check(zip, HOSTILE_MODULE)).h1, stdout.trim());
    assert.equal((await run(hashtool, ['check', '-path', HOSTILE_MODULE.modulePath, '-version', 'v1.0.0', zip])).stdout.trim(), 'ok');
  });

  for (const c of HOSTILE) {
    it(`rejects ${c.zip}, naming the entry`, async () => {
      const zip = path.join(hostileDir, c.zip);
      await assertZipInvalid(check(zip, HOSTILE_MODULE), zip, c.entry, c.reason);
      // The fixture is hostile for Go too, or deliberately beyond Go's rules.
      const [goCheck, goHash] = await Promise.allSettled([
        run(hashtool, ['check', '-path', HOSTILE_MODULE.modulePath, '-version', HOSTILE_MODULE.version, zip]),
        run(hashtool, ['zip', zip]),
      ]);
      assert.equal(goCheck.status, c.go === 'check' ? 'rejected' : 'fulfilled', 'zip.CheckZip verdict');
      if (c.go !== 'check') assert.equal(goHash.status, c.go === 'hash' ? 'rejected' : 'fulfilled', 'dirhash.HashZip verdict');
    });
  }

  it('rejects a root go.mod that differs from the .mod file', async () => {
    const zip = path.join(hostileDir, 'good.zip');
    const other = Buffer.from('module example.com/hostile\n\ngo 1.20\n');
    await assertZipInvalid(check(zip, { ...HOSTILE_MODULE, goMod: other }), zip, `${P}go.mod`, /^.*: go\.mod in zip differs from \.mod file$/);
  });

  it('rejects a zip file over 500 MiB before reading it', async () => {
    const zip = path.join(dir, 'huge.zip');
    await writeFile(zip, '');
    await truncate(zip, MAX_ZIP_FILE + 1); // sparse: no disk space used
    await assertZipInvalid(check(zip, HOSTILE_MODULE), zip, undefined, /module zip file is too large \(524288001 bytes; limit is 524288000 bytes\)/);
  });

  it('rejects a file that is not a zip', async () => {
    const zip = path.join(dir, 'not.zip');
    await writeFile(zip, 'this is not a zip file\n');
    await assertZipInvalid(check(zip, HOSTILE_MODULE), zip, undefined, /not a valid zip file/);
  });

  it('rejects an invalid module version and a missing file with their own codes', async () => {
    const zip = path.join(hostileDir, 'good.zip');
    await assert.rejects(check(zip, { modulePath: 'example.com/hostile', version: 'v1.0' }), { code: 'E_VERSION' });
    await assert.rejects(check(path.join(dir, 'missing.zip'), HOSTILE_MODULE), { code: 'E_FS', message: /missing\.zip/ });
  });

  it('closes the zip file on every path', async () => {
    const openFds = async (): Promise<number> => (await readdir('/proc/self/fd')).length;
    const baseline = await openFds();
    for (const c of HOSTILE) await check(path.join(hostileDir, c.zip), HOSTILE_MODULE).catch(() => undefined);
    await check(path.join(hostileDir, 'good.zip'), HOSTILE_MODULE);
    // yauzl closes the descriptor asynchronously after the last reference goes.
    let now = await openFds();
    for (let i = 0; i < 50 && now > baseline; i++) {
      await delay(20);
      now = await openFds();
    }
    assert.equal(now, baseline);
  });

  it('reads go.mod bytes exactly as stored', async () => {
    const summary = await check(path.join(hostileDir, 'good.zip'), HOSTILE_MODULE);
    assert.equal(summary.goMod?.toString(), 'module example.com/hostile\n\ngo 1.19\n');
    assert.equal(summary.fileCount, 3);
    // good.zip holds go.mod, hello.go and an empty file.
    assert.equal(summary.uncompressedSize, 36 + 'package hello\n'.length);
    assert.ok((await readFile(path.join(hostileDir, 'good.zip'))).length === summary.size);
  });
});

describe('checkModuleZip with fsync', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gomirror-zip-fsync-'));
    await run(await goTool('mkhostile'), [dir]);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('flushes the zip through the descriptor it reads: one open, one fsync of that descriptor, closed after', async (t) => {
    const zip = path.join(dir, 'good.zip');
    const opened: { file: string; fd: number }[] = [];
    const realOpen = fs.open;
    t.mock.method(fs, 'open', (file: string, flags: string, cb: (err: Error | null, fd?: number) => void) =>
      realOpen(file, flags, (err, fd) => {
        if (!err) opened.push({ file, fd });
        cb(err, fd);
      }),
    );
    const fsync = t.mock.method(fs, 'fsync');
    const close = t.mock.method(fs, 'close');
    const summary = await checkModuleZip(zip, { ...HOSTILE_MODULE, fsync: true });
    assert.equal(summary.fileCount, 3);
    assert.deepEqual(opened.map((o) => o.file), [zip]);
    const fd = opened[0]?.fd;
    assert.deepEqual(fsync.mock.calls.map((c) => c.arguments[0]), [fd]);
    assert.deepEqual(close.mock.calls.map((c) => c.arguments[0]), [fd]);
    // Without fsync: no flush.
    await checkModuleZip(zip, HOSTILE_MODULE);
    assert.equal(fsync.mock.callCount(), 1);
  });

  it('fails the check when the fsync fails, and still closes the file', async (t) => {
    const zip = path.join(dir, 'good.zip');
    t.mock.method(fs, 'fsync', (_fd: number, cb: (err: Error | null) => void) => cb(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' })));
    const close = t.mock.method(fs, 'close');
    await assert.rejects(checkModuleZip(zip, { ...HOSTILE_MODULE, fsync: true }), { code: 'E_FS', message: /fsync of .*good\.zip failed: EIO/ });
    assert.equal(close.mock.callCount(), 1);
  });

  it('a zip that breaks the rules fails as such even when asked to fsync', async () => {
    const bad = HOSTILE.find((c) => c.zip !== 'good.zip');
    assert.ok(bad);
    await assert.rejects(checkModuleZip(path.join(dir, bad.zip), { ...HOSTILE_MODULE, fsync: true }), { code: 'E_ZIP_INVALID' });
  });
});

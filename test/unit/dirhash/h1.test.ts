import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { hash1, hashGoMod } from '../../../src/dirhash/h1.js';
import { goTool } from '../../helpers/go-tools.js';

const run = promisify(execFile);

function sha256(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

describe('hashGoMod', () => {
  it('matches the worked example of goproxy-protocol.md §5', () => {
    const content = 'module example.com/hello\n\ngo 1.22\n';
    assert.equal(Buffer.byteLength(content), 34);
    assert.equal(sha256(content).toString('hex'), 'd38681ddfea2335850882acc2698e6d7774a756145aa33b2a609a7e017557758');
    assert.equal(hashGoMod(Buffer.from(content)), 'h1:gTqEJ382ZQqv2xsPfdUZDovzOcPwH0eHFziE2Xq+iaU=');
  });

  it("gives the go command's emptyGoModHash for an empty go.mod", () => {
    assert.equal(hashGoMod(new Uint8Array()), 'h1:G7mAYYxgmS0lVkHyy2hEOLQCFB0DlQFTMLWggykrydY=');
  });

  describe('agrees with x/mod dirhash.Hash1 (hashtool mod)', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'gomirror-h1-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('for several go.mod contents', async () => {
      const contents: Buffer[] = [
        Buffer.alloc(0),
        Buffer.from('module example.com/hello\n'),
        Buffer.from('module github.com/BurntSushi/toml\r\n\r\ngo 1.16\r\n'),
        Buffer.from('module example.com/ünïcode/v2\n\nrequire (\n\texample.com/a v1.2.3 // indirect\n)\n'),
        Buffer.from([0x00, 0xff, 0xfe, 0x0a, 0x80]),
        Buffer.alloc(200_000, 'x'),
      ];
      const files: string[] = [];
      for (const [i, data] of contents.entries()) {
        const file = path.join(dir, `go${i}.mod`);
        await writeFile(file, data);
        files.push(file);
      }
      const { stdout } = await run(await goTool('hashtool'), ['mod', ...files]);
      const want = stdout.trim().split('\n');
      assert.equal(want.length, contents.length);
      assert.deepEqual(
        contents.map((c) => hashGoMod(c)),
        want,
      );
    });
  });
});

describe('hash1', () => {
  it('sorts names and takes raw or hex digests alike', () => {
    const a = { name: 'm@v1.0.0/a.go', data: 'package a\n' };
    const b = { name: 'm@v1.0.0/b.go', data: 'package b\n' };
    const summary = [a, b].map((f) => `${sha256(f.data).toString('hex')}  ${f.name}\n`).join('');
    const want = `h1:${sha256(summary).toString('base64')}`;
    assert.equal(hash1([b, a].map((f) => ({ name: f.name, sha256: sha256(f.data) }))), want);
    assert.equal(hash1([a, b].map((f) => ({ name: f.name, sha256: sha256(f.data).toString('hex') }))), want);
    assert.match(want, /^h1:[A-Za-z0-9+/]{43}=$/);
  });

  it('sorts by UTF-8 bytes, not UTF-16 code units', () => {
    // U+FF21 sorts after U+1D400 in UTF-16 (0xFF21 > 0xD835) but before it in UTF-8 (EF < F0).
    const names = ['m@v1/\u{1d400}.go', 'm@v1/\uff21.go'];
    const digest = sha256('');
    const bytewise = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual(bytewise, ['m@v1/\uff21.go', 'm@v1/\u{1d400}.go']);
    const summary = bytewise.map((n) => `${digest.toString('hex')}  ${n}\n`).join('');
    assert.equal(hash1(names.map((name) => ({ name, sha256: digest }))), `h1:${sha256(summary).toString('base64')}`);
  });

  it('counts a directory entry (empty content) and changes the hash', () => {
    const file = { name: 'm@v1.0.0/a.go', sha256: sha256('package a\n') };
    const dir = { name: 'm@v1.0.0/', sha256: sha256('') };
    assert.notEqual(hash1([file, dir]), hash1([file]));
  });

  it('rejects names with a newline and malformed digests', () => {
    assert.throws(() => hash1([{ name: 'a\nb', sha256: sha256('') }]), /newline/);
    assert.throws(() => hash1([{ name: 'a', sha256: 'abc' }]), /64 lower-case hex digits/);
    assert.throws(() => hash1([{ name: 'a', sha256: Buffer.alloc(20) }]), /20 bytes, want 32/);
  });
});

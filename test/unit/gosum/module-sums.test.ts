import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSumsByModule } from '../../../src/gosum/index.js';

const h1 = (c: string): string => `h1:${Buffer.alloc(32, c).toString('base64')}`;

describe('openSumsByModule', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gomirror-module-sums-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads a module's lines wherever they lie (appended out of order, CRLF), later lines winning, a torn last line dropped", async () => {
    const file = path.join(dir, 'go.sum');
    await writeFile(
      file,
      [
        `example.com/a v1.0.0 ${h1('a')}\n`,
        `example.com/a v1.0.0/go.mod ${h1('b')}\r\n`,
        `example.com/b v1.0.0 ${h1('c')}\n`,
        '\n',
        `example.com/a v1.1.0 ${h1('d')}\n`,
        `example.com/b v1.0.0 ${h1('e')}\n`,
        `example.com/a v1.2.0 h1:torn`,
      ].join(''),
    );
    const sums = await openSumsByModule(file);
    try {
      const a = await sums.forModule('example.com/a');
      assert.deepEqual(
        [a.get('example.com/a', 'v1.0.0', false), a.get('example.com/a', 'v1.0.0', true), a.get('example.com/a', 'v1.1.0', false), a.get('example.com/a', 'v1.2.0', false)],
        [h1('a'), h1('b'), h1('d'), undefined],
      );
      const b = await sums.forModule('example.com/b');
      assert.equal(b.get('example.com/b', 'v1.0.0', false), h1('e'));
      assert.equal(b.get('example.com/b', 'v1.0.0', true), undefined);
      const none = await sums.forModule('example.com/c');
      assert.equal(none.get('example.com/c', 'v1.0.0', false), undefined);
    } finally {
      await sums.close();
    }
  });

  it('names every malformed line with its number; a missing file records nothing', async () => {
    const file = path.join(dir, 'bad.sum');
    await writeFile(file, `example.com/a v1.0.0 ${h1('a')}\n\nexample.com/a v1.1.0 h1:short\nexample.com/a v1.2.0\n`);
    await assert.rejects(openSumsByModule(file), (err: Error & { code?: string }) => err.code === 'E_GOSUM' && err.message.includes(`${file}:3:`) && err.message.includes(`${file}:4:`));
    const missing = await openSumsByModule(path.join(dir, 'nope.sum'));
    assert.equal((await missing.forModule('example.com/a')).get('example.com/a', 'v1.0.0', false), undefined);
    await missing.close();
  });
});

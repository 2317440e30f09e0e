import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openGoSumLines, type GoSumLine } from '../../../src/gosum/index.js';

let dir: string;
before(async () => (dir = await mkdtemp(path.join(tmpdir(), 'gomirror-gosum-lines-'))));
after(() => rm(dir, { recursive: true, force: true }));

async function collect(lines: AsyncIterable<GoSumLine>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of lines) out.push(`${l.path} ${l.version}${l.goMod ? '/go.mod' : ''} ${l.hash}`);
  return out;
}

describe('openGoSumLines', () => {
  it('is undefined for a file that does not exist', async () => {
    assert.equal(await openGoSumLines(path.join(dir, 'absent')), undefined);
  });

  it('yields every line in file order, blank lines skipped', async () => {
    const file = path.join(dir, 'ok');
    const h = 'h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';
    await writeFile(file, `b.example/m v1.0.0 ${h}\n\na.example/m v1.0.0/go.mod ${h}\n`);
    const lines = await openGoSumLines(file);
    assert.ok(lines);
    assert.deepEqual(await collect(lines), [`b.example/m v1.0.0 ${h}`, `a.example/m v1.0.0/go.mod ${h}`]);
  });

  it('names the line number of a malformed line', async () => {
    const file = path.join(dir, 'bad');
    const h = 'h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';
    await writeFile(file, `a.example/m v1.0.0 ${h}\na.example/m v1.1.0 ${h}\nnot a go.sum line at all\n`);
    const lines = await openGoSumLines(file);
    assert.ok(lines);
    await assert.rejects(collect(lines), (err: Error & { code?: string }) => err.code === 'E_GOSUM' && err.message.includes(`${file}:3:`));
  });
});

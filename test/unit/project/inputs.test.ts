/** readProjectInputs: go.mod, go.work and go.sum inputs, and the messages for bad ones. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readProjectInputs } from '../../../src/project/index.js';

const H1 = 'h1:' + Buffer.alloc(32, 1).toString('base64');
const H2 = 'h1:' + Buffer.alloc(32, 2).toString('base64');

describe('readProjectInputs', () => {
  let dir: string;
  const write = async (rel: string, text: string): Promise<string> => {
    const file = path.join(dir, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
    return file;
  };
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gomirror-inputs-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads main modules, workspaces and go.sum lines; a go.sum beside an input belongs to it', async () => {
    const gomod = await write('p/go.mod', 'module example.com/p\ngo 1.18\nrequire a.com/a v1.0.0\n');
    const own = await write('p/go.sum', `a.com/a v1.0.0 ${H1}\na.com/a v1.0.0/go.mod ${H2}\n`);
    const work = await write('ws/go.work', 'go 1.18\nuse ./one\n');
    await write('ws/one/go.mod', 'module example.com/one\ngo 1.18\n');
    const other = await write('elsewhere/go.sum', `b.com/b v1.0.0/go.mod ${H1}\n`);
    const r = await readProjectInputs([gomod, work], [own, other]);
    assert.deepEqual(r.mains.map((m) => m.gomod.module), ['example.com/p']);
    assert.deepEqual(r.workspaces.map((w) => w.modules.map((m) => m.gomod.module)), [['example.com/one']]);
    assert.deepEqual(
      r.gosum.map((g) => `${g.module.path}@${g.module.version} ${g.goMod} ${g.ownedByProject} ${path.relative(dir, g.where)}`),
      ['a.com/a@v1.0.0 false true p/go.sum:1', 'a.com/a@v1.0.0 true true p/go.sum:2', 'b.com/b@v1.0.0 true false elsewhere/go.sum:1'],
    );
    assert.equal(r.expected.get('a.com/a v1.0.0/go.mod'), H2);
  });

  it('names the file and line of bad inputs (input errors)', async () => {
    const noModule = await write('bad/go.mod', 'go 1.18\n');
    await assert.rejects(readProjectInputs([noModule], []), { code: 'E_GOMOD', message: `${noModule}: missing module declaration` });
    const syntax = await write('bad2/go.mod', 'module m\nrequire a.com/a\n');
    await assert.rejects(readProjectInputs([syntax], []), { code: 'E_GOMOD', message: `${syntax}:2: usage: require module/path v1.2.3` });
    const work = await write('bad3/go.work', 'go 1.18\n\nuse ./missing\n');
    await assert.rejects(readProjectInputs([work], []), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'E_GOMOD');
      assert.match(err.message, new RegExp(`^${work}:3: use \\./missing: cannot read ${path.join(dir, 'bad3/missing/go.mod')}: `));
      return true;
    });
    const a = await write('s1/go.sum', `a.com/a v1.0.0 ${H1}\n`);
    const b = await write('s2/go.sum', `a.com/a v1.0.0 ${H2}\n`);
    await assert.rejects(readProjectInputs([], [a, b]), { code: 'E_GOSUM', message: `${b}:1: a.com/a v1.0.0 has two different hashes in the go.sum inputs` });
    await assert.rejects(readProjectInputs([path.join(dir, 'nope/go.mod')], []), { code: 'E_GOMOD' });
  });
});

/**
 * computeClosure: the I/O loop around the pure graph code, with an in-memory
 * upstream. Checks that each go.mod is fetched once however many graphs need
 * it, that concurrency stays bounded, that local directories are read from
 * disk, and which problems it reports.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GomirrorError } from '../../../src/errors.js';
import type { GraphPlanInput } from '../../../src/graph/index.js';
import { parseGoMod } from '../../../src/modfile/index.js';
import { computeClosure, withModCache, type ClosureOptions } from '../../../src/mirror/closure.js';
import type { UpstreamClient } from '../../../src/upstream/client.js';

const MODS: Record<string, string> = {
  'a.com/a@v1.0.0': 'module a.com/a\ngo 1.16\nrequire (\n\tb.com/b v1.0.0\n\tc.com/c v1.0.0\n)\n',
  'b.com/b@v1.0.0': 'module b.com/b\ngo 1.16\nrequire c.com/c v1.1.0\n',
  'c.com/c@v1.0.0': 'module c.com/c\ngo 1.16\n',
  'c.com/c@v1.1.0': 'module c.com/c\ngo 1.16\nrequire d.com/d v1.0.0\n',
  'd.com/d@v1.0.0': 'module d.com/d\n',
  'bad.com/bad@v1.0.0': 'module bad.com/bad\nrequire x.com/x latest\n',
};

function harness(overrides: Partial<ClosureOptions> = {}): { options: ClosureOptions; fetched: string[]; maxInFlight: () => number } {
  const fetched: string[] = [];
  let inFlight = 0;
  let max = 0;
  const options: ClosureOptions = {
    input: { roots: [], gosum: [], mains: [], workspaces: [] },
    gosum: [],
    deps: true,
    allZips: false,
    concurrency: 2,
    loadMod: async (p, v) => {
      const key = `${p}@${v}`;
      fetched.push(key);
      inFlight++;
      max = Math.max(max, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      const text = MODS[key];
      if (text === undefined) throw new GomirrorError('E_NOT_FOUND', `${key}: .mod: not found`);
      return Buffer.from(text);
    },
    readLocalGoMod: async () => undefined,
    ...overrides,
  };
  return { options, fetched, maxInFlight: () => max };
}

const root = (s: string, where = 'm.json: modules[0]'): GraphPlanInput['roots'][number] => {
  const [path = '', version = ''] = s.split('@');
  return { module: { path, version }, where };
};

describe('computeClosure', () => {
  it('fetches each go.mod once across all graphs, at most `concurrency` at a time', async () => {
    const h = harness();
    h.options.input = { roots: [root('a.com/a@v1.0.0'), root('b.com/b@v1.0.0', 'm.json: modules[1]')], gosum: [], mains: [], workspaces: [] };
    const r = await computeClosure(h.options);
    assert.deepEqual([...h.fetched].sort(), ['a.com/a@v1.0.0', 'b.com/b@v1.0.0', 'c.com/c@v1.0.0', 'c.com/c@v1.1.0', 'd.com/d@v1.0.0']);
    assert.ok(h.maxInFlight() <= 2, `max in flight ${h.maxInFlight()}`);
    assert.equal(r.modsRead, 5);
    assert.deepEqual(
      r.plan.entries.map((e) => `${e.module}@${e.version} ${e.zip} ${e.source}`),
      [
        'a.com/a@v1.0.0 required root',
        'b.com/b@v1.0.0 required root',
        'c.com/c@v1.0.0 no dependency',
        'c.com/c@v1.1.0 wanted dependency',
        'd.com/d@v1.0.0 wanted dependency',
      ],
    );
    assert.deepEqual(r.errors, []);
  });

  it('reports a go.mod that does not parse; leaves download failures to the mirroring of that version', async () => {
    const h = harness();
    h.options.input = { roots: [root('bad.com/bad@v1.0.0'), root('gone.com/gone@v1.0.0')], gosum: [], mains: [], workspaces: [] };
    const r = await computeClosure(h.options);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]?.module, 'bad.com/bad');
    assert.equal(r.errors[0]?.error.code, 'E_MOD_INVALID');
    assert.match(r.errors[0]?.error.message ?? '', /^bad\.com\/bad@v1\.0\.0: go\.mod:2: require x\.com\/x: version "latest" invalid/);
    assert.deepEqual(r.plan.entries.map((e) => e.module), ['bad.com/bad', 'gone.com/gone']);
  });

  it('reads a local-directory replacement from disk and follows its requirements; never downloads it', async () => {
    const dirs: string[] = [];
    const h = harness({
      readLocalGoMod: async (dir) => {
        dirs.push(dir);
        return 'module local.com/l\ngo 1.16\nrequire d.com/d v1.0.0\n';
      },
    });
    const gomod = parseGoMod('module example.com/p\ngo 1.16\nrequire local.com/l v0.0.0\nreplace local.com/l => ./l\n', '/proj/go.mod');
    h.options.input = { roots: [], gosum: [], mains: [{ file: '/proj/go.mod', gomod }], workspaces: [] };
    const r = await computeClosure(h.options);
    assert.deepEqual(dirs, ['/proj/l']);
    assert.deepEqual(h.fetched, ['d.com/d@v1.0.0']);
    assert.deepEqual(r.plan.entries.map((e) => `${e.module}@${e.version}`), ['d.com/d@v1.0.0']);
    assert.deepEqual(r.plan.notes, ['local.com/l@v0.0.0 is replaced by the local directory /proj/l: not mirrored']);
  });

  it('deps: false fetches nothing and plans a main module\'s direct requirements only', async () => {
    const h = harness({ deps: false });
    const gomod = parseGoMod('module example.com/p\ngo 1.17\nrequire a.com/a v1.0.0\n', '/proj/go.mod');
    h.options.input = { roots: [root('b.com/b@v1.0.0')], gosum: [], mains: [{ file: '/proj/go.mod', gomod }], workspaces: [] };
    const r = await computeClosure(h.options);
    assert.deepEqual(h.fetched, []);
    assert.deepEqual(r.plan.entries.map((e) => `${e.module}@${e.version} ${e.zip}`), ['a.com/a@v1.0.0 wanted', 'b.com/b@v1.0.0 required']);
  });

  it('withModCache answers .mod from the cache and everything else from the upstream', async () => {
    const calls: string[] = [];
    const upstream: UpstreamClient = {
      list: async (p) => (calls.push(`list ${p}`), []),
      latest: async (p) => (calls.push(`latest ${p}`), Buffer.from('{}')),
      info: async (p, v) => (calls.push(`info ${p}@${v}`), Buffer.from('{}')),
      mod: async (p, v) => (calls.push(`mod ${p}@${v}`), Buffer.from('upstream')),
      zip: async (p, v) => (calls.push(`zip ${p}@${v}`), { size: 0, bytes: 0 } as never),
    };
    const cached = withModCache(upstream, new Map([['a.com/a@v1.0.0', Buffer.from('cached')]]));
    assert.equal((await cached.mod('a.com/a', 'v1.0.0')).toString(), 'cached');
    assert.equal((await cached.mod('a.com/a', 'v1.1.0')).toString(), 'upstream');
    await cached.info('a.com/a', 'v1.0.0');
    await cached.list('a.com/a');
    assert.deepEqual(calls, ['mod a.com/a@v1.1.0', 'info a.com/a@v1.0.0', 'list a.com/a']);
  });
});

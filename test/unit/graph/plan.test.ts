/**
 * planGraphs + planMirror: which graphs a sync loads for each kind of input,
 * and which versions, zips and sources come out of them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GomirrorError } from '../../../src/errors.js';
import { loadModuleGraph, planGraphs, planMirror, targetKey, type GraphPlanInput, type MirrorPlan, type ModSummary, type ModuleGraph } from '../../../src/graph/index.js';
import { parseGoMod, parseGoWork } from '../../../src/modfile/index.js';

/** Fixture universe: `path@version` → go.mod text. */
const UNIVERSE: Record<string, string> = {
  'a.com/a@v1.0.0': 'module a.com/a\ngo 1.17\nrequire c.com/c v1.0.0\n',
  'b.com/b@v1.0.0': 'module b.com/b\ngo 1.17\nrequire c.com/c v1.1.0\n',
  'c.com/c@v1.0.0': 'module c.com/c\ngo 1.17\nrequire t.com/testonly v1.0.0\n',
  'c.com/c@v1.1.0': 'module c.com/c\ngo 1.17\nrequire t.com/testonly v1.0.0\n',
  't.com/testonly@v1.0.0': 'module t.com/testonly\n',
  'old.com/old@v1.0.0': 'module old.com/old\ngo 1.16\nrequire deep.com/deep v1.0.0\n',
  'deep.com/deep@v1.0.0': 'module deep.com/deep\n',
  'fork.com/b@v1.0.9': 'module b.com/b\ngo 1.17\n',
  'p.com/x@v1.0.0': 'module p.com/x\ngo 1.17\nrequire p.com/x/sub v1.0.0\n',
  'p.com/x/sub@v1.0.0': 'module p.com/x/sub\ngo 1.16\nrequire old.com/old v1.0.0\n',
};

function load(input: GraphPlanInput, allZips = false): MirrorPlan {
  const graphs = planGraphs(input);
  const summaries = new Map<string, ModSummary | GomirrorError>();
  const lookup = (key: string): ModSummary | GomirrorError => {
    const text = UNIVERSE[key];
    if (text === undefined) return new GomirrorError('E_NOT_FOUND', `${key}: not found`);
    const f = parseGoMod(text, key, { lax: true });
    return { ...(f.module ? { module: f.module } : {}), ...(f.go ? { go: f.go } : {}), require: f.require };
  };
  const loaded: ModuleGraph[] = graphs.map((g) => {
    for (;;) {
      const graph = loadModuleGraph(g.spec, (t) => summaries.get(targetKey(t)));
      if (graph.missing.length === 0) return graph;
      for (const t of graph.missing) summaries.set(targetKey(t), lookup(targetKey(t)));
    }
  });
  return planMirror({ roots: input.roots, gosum: [], graphs, loaded, allZips });
}

const mainModule = (text: string, file = '/proj/go.mod'): GraphPlanInput => ({
  roots: [],
  gosum: [],
  mains: [{ file, gomod: parseGoMod(text, file) }],
  workspaces: [],
});

const brief = (p: MirrorPlan): string[] => p.entries.map((e) => `${e.module}@${e.version} ${e.zip} ${e.source} ${e.from}`);

describe('planGraphs + planMirror', () => {
  it('go 1.18 main module: pruned graph, zips for the build list only', () => {
    const plan = load(mainModule('module example.com/p\ngo 1.18\nrequire (\n\ta.com/a v1.0.0\n\tb.com/b v1.0.0\n)\n'));
    assert.deepEqual(brief(plan), [
      'a.com/a@v1.0.0 wanted root /proj/go.mod',
      'b.com/b@v1.0.0 wanted root /proj/go.mod',
      'c.com/c@v1.0.0 no dependency a.com/a@v1.0.0',
      'c.com/c@v1.1.0 wanted dependency b.com/b@v1.0.0',
    ]);
  });

  it('go 1.17 main module: the unpruned graph of tidy -compat=1.16 adds every go.mod beneath, no more zips', () => {
    const plan = load(mainModule('module example.com/p\ngo 1.17\nrequire (\n\ta.com/a v1.0.0\n\tb.com/b v1.0.0\n)\n'));
    assert.deepEqual(brief(plan), [
      'a.com/a@v1.0.0 wanted root /proj/go.mod',
      'b.com/b@v1.0.0 wanted root /proj/go.mod',
      'c.com/c@v1.0.0 no dependency a.com/a@v1.0.0',
      'c.com/c@v1.1.0 wanted dependency b.com/b@v1.0.0',
      't.com/testonly@v1.0.0 no dependency c.com/c@v1.0.0',
    ]);
  });

  it('compat graph: zips of modules nested in (or around) the build list paths', () => {
    const plan = load(mainModule('module example.com/p\ngo 1.17\nrequire p.com/x v1.0.0\n'));
    const zips = plan.entries.filter((e) => e.zip !== 'no').map((e) => `${e.module}@${e.version}`);
    // p.com/x/sub is selected in both graphs; old.com/old only in the unpruned one and unrelated.
    assert.deepEqual(zips, ['p.com/x@v1.0.0', 'p.com/x/sub@v1.0.0']);
    assert.ok(plan.entries.some((e) => e.module === 'deep.com/deep' && e.zip === 'no'));
  });

  it('go 1.16 main module: unpruned graph, zips for everything selected', () => {
    const plan = load(mainModule('module example.com/p\ngo 1.16\nrequire old.com/old v1.0.0\n'));
    assert.deepEqual(brief(plan), ['deep.com/deep@v1.0.0 wanted dependency old.com/old@v1.0.0', 'old.com/old@v1.0.0 wanted root /proj/go.mod']);
  });

  it('replace and exclude of the main module; local directories are skipped with a note', () => {
    const plan = load(
      mainModule(
        'module example.com/p\ngo 1.18\nrequire (\n\ta.com/a v1.0.0\n\tb.com/b v1.0.0\n\tlocal.com/l v1.0.0\n)\n' +
          'exclude c.com/c v1.0.0\nreplace b.com/b => fork.com/b v1.0.9\nreplace local.com/l => ../l\n',
      ),
    );
    assert.deepEqual(brief(plan), [
      'a.com/a@v1.0.0 wanted root /proj/go.mod',
      'fork.com/b@v1.0.9 wanted root /proj/go.mod',
    ]);
    assert.deepEqual(plan.notes, ['local.com/l@v1.0.0 is replaced by the local directory /l: not mirrored']);
  });

  it('a manifest root: its own graph, selected zips; the unpruned go.mod closure beneath it', () => {
    const plan = load({ roots: [{ module: { path: 'b.com/b', version: 'v1.0.0' }, where: 'm.json: modules[0].versions[0]' }], gosum: [], mains: [], workspaces: [] });
    assert.deepEqual(brief(plan), [
      'b.com/b@v1.0.0 required root m.json: modules[0].versions[0]',
      'c.com/c@v1.1.0 wanted dependency b.com/b@v1.0.0',
      // A consumer's tidy makes c a root, so c's requirements are in its build list.
      't.com/testonly@v1.0.0 wanted dependency c.com/c@v1.1.0',
    ]);
  });

  it('--zips all zips every version in the graphs', () => {
    const plan = load(mainModule('module example.com/p\ngo 1.18\nrequire (\n\ta.com/a v1.0.0\n\tb.com/b v1.0.0\n)\n'), true);
    assert.equal(plan.entries.every((e) => e.zip === 'wanted'), true);
  });

  it('workspace: per-module graphs and the combined one; go.work replacements win', () => {
    const work = parseGoWork('go 1.18\nuse (\n\t./one\n\t./two\n)\nreplace b.com/b => fork.com/b v1.0.9\n', '/ws/go.work');
    const one = parseGoMod('module w.com/one\ngo 1.18\nrequire a.com/a v1.0.0\n', '/ws/one/go.mod');
    const two = parseGoMod('module w.com/two\ngo 1.18\nrequire (\n\tb.com/b v1.0.0\n\tw.com/one v0.0.0-00010101000000-000000000000\n)\n', '/ws/two/go.mod');
    const plan = load({
      roots: [],
      gosum: [],
      mains: [],
      workspaces: [{ file: '/ws/go.work', work, modules: [{ file: '/ws/one/go.mod', gomod: one }, { file: '/ws/two/go.mod', gomod: two }] }],
    });
    const keys = plan.entries.map((e) => `${e.module}@${e.version}`);
    assert.deepEqual(keys, [
      'a.com/a@v1.0.0',
      'c.com/c@v1.0.0',
      'fork.com/b@v1.0.9',
      'w.com/one@v0.0.0-00010101000000-000000000000',
    ]);
  });

  it('source precedence: root over go.sum over dependency; the strongest zip need wins', () => {
    const graphs = planGraphs({ roots: [], gosum: [], mains: [], workspaces: [] });
    const plan = planMirror({
      roots: [{ module: { path: 'x.com/x', version: 'v1.0.0' }, where: 'manifest' }],
      gosum: [
        { module: { path: 'x.com/x', version: 'v1.0.0' }, goMod: true, where: 'go.sum:1' },
        { module: { path: 'y.com/y', version: 'v1.0.0' }, goMod: true, where: 'go.sum:2' },
        { module: { path: 'y.com/y', version: 'v1.0.0' }, goMod: false, where: 'go.sum:3' },
      ],
      graphs,
      loaded: [],
    });
    assert.deepEqual(brief(plan), ['x.com/x@v1.0.0 required root manifest', 'y.com/y@v1.0.0 required gosum go.sum:2']);
  });
});

/**
 * Module graph loading and minimal version selection, table-driven over
 * small fixture graphs. Each case runs the load loop the sync closure runs
 * (load, fetch what is missing, load again) against an in-memory set of
 * go.mod summaries and checks which go.mod files were read, the nodes and
 * the selection.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GomirrorError } from '../../../src/errors.js';
import { compareVersions, createGraphLoader, createReplacer, isPathRelated, loadModuleGraph, noReplacement, targetKey, type GraphSpec, type LoadMode, type ModSummary, type ModuleGraph } from '../../../src/graph/index.js';
import { parseGoMod } from '../../../src/modfile/index.js';

/** `"a@v1.0.0": "go 1.17; b@v1.0.0 c@v1.1.0"` → summaries (module line = the path). */
function universe(spec: Record<string, string>): Map<string, ModSummary> {
  const out = new Map<string, ModSummary>();
  for (const [key, text] of Object.entries(spec)) {
    const [path = ''] = key.split('@');
    const goMatch = /go (\S+);/.exec(text);
    const reqs = text.replace(/go \S+;/, '').trim().split(/\s+/).filter(Boolean);
    out.set(key, {
      module: path,
      ...(goMatch?.[1] ? { go: goMatch[1] } : {}),
      require: reqs.map((r) => {
        const [p = '', v = ''] = r.split('@');
        return { path: p, version: v };
      }),
    });
  }
  return out;
}

const mv = (s: string): { path: string; version: string } => {
  const [path = '', version = ''] = s.split('@');
  return { path, version };
};

/**
 * Runs the closure loop; returns the final graph and the go.mod files read,
 * round by round. `incremental`: one loader advanced each round (as the sync
 * closure does) instead of a fresh load per round; both must agree.
 */
function loadAll(
  spec: GraphSpec,
  summaries: Map<string, ModSummary | GomirrorError>,
  incremental = false,
): { graph: ModuleGraph; rounds: string[][] } {
  const have = new Map<string, ModSummary | GomirrorError>();
  const rounds: string[][] = [];
  const loader = createGraphLoader(spec);
  for (let i = 0; i < 50; i++) {
    const lookup = (t: Parameters<typeof targetKey>[0]): ModSummary | GomirrorError | undefined => have.get(targetKey(t));
    const graph = incremental ? loader.advance(lookup) : loadModuleGraph(spec, lookup);
    if (graph.missing.length === 0) return { graph, rounds };
    const keys = graph.missing.map(targetKey).sort();
    rounds.push(keys);
    for (const k of keys) have.set(k, summaries.get(k) ?? new GomirrorError('E_NOT_FOUND', `${k}: not found`));
  }
  throw new Error('graph loading did not converge');
}

function mainSpec(go: string, requires: string[], mode?: LoadMode, extra: Partial<GraphSpec> = {}): GraphSpec {
  const pruning: LoadMode = mode ?? (go >= '1.17' ? 'pruned' : 'unpruned');
  const require = requires.map(mv);
  return {
    mains: [{ path: 'example.com/main', summary: { module: 'example.com/main', go, require } }],
    roots: require.map((module) => ({ module, mode: pruning })),
    replace: noReplacement,
    exclude: new Set(),
    ...extra,
  };
}

const selection = (g: ModuleGraph): Record<string, string> => Object.fromEntries([...g.selected].sort());
const nodeKeys = (g: ModuleGraph): string[] => [...g.nodes.keys()].sort();

/** Runs both ways and checks they agree; returns the fresh-per-round result. */
function loadBoth(spec: GraphSpec, summaries: Map<string, ModSummary | GomirrorError>): { graph: ModuleGraph; rounds: string[][] } {
  const fresh = loadAll(spec, summaries);
  const inc = loadAll(spec, summaries, true);
  assert.deepEqual(inc.rounds, fresh.rounds, 'rounds differ between incremental and fresh loading');
  assert.deepEqual([...inc.graph.nodes].sort(), [...fresh.graph.nodes].sort());
  assert.deepEqual([...inc.graph.selected].sort(), [...fresh.graph.selected].sort());
  assert.deepEqual(inc.graph.errors.map((e) => e.error.message).sort(), fresh.graph.errors.map((e) => e.error.message).sort());
  return fresh;
}

describe('loadModuleGraph', () => {
  const diamond = universe({
    'a.com/a@v1.0.0': 'go 1.17; c.com/c@v1.0.0',
    'b.com/b@v1.0.0': 'go 1.17; c.com/c@v1.1.0',
    'c.com/c@v1.0.0': 'go 1.17; d.com/d@v1.0.0',
    'c.com/c@v1.1.0': 'go 1.17; d.com/d@v1.2.0',
    'd.com/d@v1.0.0': 'go 1.17;',
    'd.com/d@v1.2.0': 'go 1.17;',
  });

  it('diamond, pruned: MVS picks the higher requirement; leaves are nodes but their go.mod is not read', () => {
    const { graph, rounds } = loadBoth(mainSpec('1.18', ['a.com/a@v1.0.0', 'b.com/b@v1.0.0']), diamond);
    assert.deepEqual(rounds, [['a.com/a@v1.0.0', 'b.com/b@v1.0.0']]);
    assert.deepEqual(nodeKeys(graph), ['a.com/a@v1.0.0', 'b.com/b@v1.0.0', 'c.com/c@v1.0.0', 'c.com/c@v1.1.0']);
    assert.deepEqual(selection(graph), { 'a.com/a': 'v1.0.0', 'b.com/b': 'v1.0.0', 'c.com/c': 'v1.1.0', 'example.com/main': '' });
    assert.deepEqual(graph.nodes.get('c.com/c@v1.1.0')?.requiredBy, mv('b.com/b@v1.0.0'));
    assert.equal(graph.nodes.get('a.com/a@v1.0.0')?.requiredBy, undefined);
  });

  it('diamond, unpruned (go 1.16 main): the whole graph beneath, breadth-first', () => {
    const { graph, rounds } = loadBoth(mainSpec('1.16', ['a.com/a@v1.0.0', 'b.com/b@v1.0.0']), diamond);
    assert.deepEqual(rounds, [
      ['a.com/a@v1.0.0', 'b.com/b@v1.0.0'],
      ['c.com/c@v1.0.0', 'c.com/c@v1.1.0'],
      ['d.com/d@v1.0.0', 'd.com/d@v1.2.0'],
    ]);
    assert.equal(graph.selected.get('d.com/d'), 'v1.2.0');
    assert.equal(graph.nodes.size, 6);
  });

  it('a go 1.16 dependency of a pruned main module is read all the way down', () => {
    const u = universe({
      'a.com/a@v1.0.0': 'go 1.16; b.com/b@v1.0.0',
      'b.com/b@v1.0.0': 'go 1.17; c.com/c@v1.0.0',
      'c.com/c@v1.0.0': 'go 1.17; d.com/d@v1.0.0',
      'd.com/d@v1.0.0': '',
      'x.com/x@v1.0.0': 'go 1.17; y.com/y@v1.0.0',
    });
    const { graph, rounds } = loadBoth(mainSpec('1.17', ['a.com/a@v1.0.0', 'x.com/x@v1.0.0']), u);
    assert.deepEqual(rounds, [['a.com/a@v1.0.0', 'x.com/x@v1.0.0'], ['b.com/b@v1.0.0'], ['c.com/c@v1.0.0'], ['d.com/d@v1.0.0']]);
    // y is x's requirement (x pruned): a node, never read.
    assert.deepEqual(nodeKeys(graph), ['a.com/a@v1.0.0', 'b.com/b@v1.0.0', 'c.com/c@v1.0.0', 'd.com/d@v1.0.0', 'x.com/x@v1.0.0', 'y.com/y@v1.0.0']);
  });

  it('a root module (manifest entry) is read with its own requirements as roots', () => {
    const u = universe({ 'r.com/r@v1.0.0': 'go 1.17; a.com/a@v1.0.0', 'a.com/a@v1.0.0': 'go 1.17; b.com/b@v1.0.0' });
    const spec: GraphSpec = { mains: [], roots: [{ module: mv('r.com/r@v1.0.0'), mode: 'root' }], replace: noReplacement, exclude: new Set() };
    const { graph, rounds } = loadBoth(spec, u);
    assert.deepEqual(rounds, [['r.com/r@v1.0.0'], ['a.com/a@v1.0.0']]);
    assert.deepEqual(nodeKeys(graph), ['a.com/a@v1.0.0', 'b.com/b@v1.0.0', 'r.com/r@v1.0.0']);
  });

  it('cycles terminate (A requires B requires A) and select the highest A', () => {
    const u = universe({
      'a.com/a@v1.0.0': 'go 1.16; b.com/b@v1.0.0',
      'b.com/b@v1.0.0': 'go 1.16; a.com/a@v1.1.0',
      'a.com/a@v1.1.0': 'go 1.16; b.com/b@v1.0.0',
    });
    const { graph } = loadBoth(mainSpec('1.16', ['a.com/a@v1.0.0']), u);
    assert.equal(graph.selected.get('a.com/a'), 'v1.1.0');
    assert.deepEqual(nodeKeys(graph), ['a.com/a@v1.0.0', 'a.com/a@v1.1.0', 'b.com/b@v1.0.0']);
  });

  it('a dependency requiring the main module: its go.mod is read, the main module still wins', () => {
    const u = universe({ 'a.com/a@v1.0.0': 'go 1.16; example.com/main@v0.9.0', 'example.com/main@v0.9.0': 'go 1.16; a.com/a@v1.0.0' });
    const { graph, rounds } = loadBoth(mainSpec('1.16', ['a.com/a@v1.0.0']), u);
    assert.deepEqual(rounds, [['a.com/a@v1.0.0'], ['example.com/main@v0.9.0']]);
    assert.equal(graph.selected.get('example.com/main'), '');
  });

  it('honours the main module exclude: requirements on excluded versions are dropped', () => {
    const spec = mainSpec('1.16', ['a.com/a@v1.0.0', 'b.com/b@v1.0.0'], undefined, { exclude: new Set(['c.com/c@v1.1.0']) });
    const { graph } = loadBoth(spec, diamond);
    assert.equal(graph.selected.get('c.com/c'), 'v1.0.0');
    assert.equal(graph.nodes.has('c.com/c@v1.1.0'), false);
    assert.equal(graph.selected.get('d.com/d'), 'v1.0.0');
  });

  it('honours replace: versions are selected by the required path, go.mod read from the replacement', () => {
    const main = parseGoMod(
      'module example.com/main\ngo 1.17\nrequire a.com/a v1.0.0\nreplace a.com/a => fork.com/a v1.0.5\nreplace b.com/b v1.0.0 => ../b\n',
      '/p/go.mod',
    );
    const u = universe({ 'fork.com/a@v1.0.5': 'go 1.16; b.com/b@v1.0.0' });
    u.set('dir:/b', { module: 'b.com/b', require: [mv('c.com/c@v1.0.0')] });
    // The fork's go.mod may keep the original module line.
    u.set('fork.com/a@v1.0.5', { ...(u.get('fork.com/a@v1.0.5') as ModSummary), module: 'a.com/a' });
    u.set('c.com/c@v1.0.0', { module: 'c.com/c', require: [] });
    const spec = mainSpec('1.17', ['a.com/a@v1.0.0'], undefined, { replace: createReplacer([{ replace: main.replace, dir: '/p', file: '/p/go.mod' }]) });
    const { graph, rounds } = loadBoth(spec, u);
    assert.deepEqual(rounds, [['fork.com/a@v1.0.5'], ['dir:/b'], ['c.com/c@v1.0.0']]);
    assert.deepEqual(nodeKeys(graph), ['a.com/a@v1.0.0', 'b.com/b@v1.0.0', 'c.com/c@v1.0.0']);
    assert.deepEqual(graph.errors, []);
  });

  it('reports a go.mod that declares another module path, and a missing one, and goes on', () => {
    const u = universe({ 'a.com/a@v1.0.0': 'go 1.16; b.com/b@v1.0.0', 'c.com/c@v1.0.0': 'go 1.16;' });
    u.set('b.com/b@v1.0.0', { module: 'evil.com/b', require: [mv('c.com/c@v1.0.0')] });
    const { graph } = loadBoth(mainSpec('1.16', ['a.com/a@v1.0.0', 'm.com/missing@v1.0.0']), u);
    const messages = graph.errors.map((e) => e.error.message).sort();
    assert.deepEqual(messages, [
      'b.com/b@v1.0.0: parsing go.mod: module declares its path as: evil.com/b\n\tbut was required as: b.com/b',
      'm.com/missing@v1.0.0: not found',
    ]);
    assert.equal(graph.nodes.has('c.com/c@v1.0.0'), false);
  });

  it('workspace: each main module reads its requirements with its own pruning, then selected versions are loaded', () => {
    const u = universe({
      'a.com/a@v1.0.0': 'go 1.17; c.com/c@v1.0.0',
      'a.com/a@v1.2.0': 'go 1.17; c.com/c@v1.3.0',
      'c.com/c@v1.0.0': 'go 1.17;',
      'c.com/c@v1.3.0': 'go 1.17; d.com/d@v1.0.0',
    });
    const spec: GraphSpec = {
      mains: [
        { path: 'w.com/one', summary: { module: 'w.com/one', go: '1.18', require: [mv('a.com/a@v1.0.0')] } },
        { path: 'w.com/two', summary: { module: 'w.com/two', go: '1.18', require: [mv('a.com/a@v1.2.0'), mv('w.com/one@v0.1.0')] } },
      ],
      roots: [{ module: mv('w.com/one@'), mode: 'root' }, { module: mv('w.com/two@'), mode: 'root' }],
      workspace: true,
      replace: noReplacement,
      exclude: new Set(),
    };
    const { graph } = loadBoth(spec, u);
    assert.equal(graph.selected.get('a.com/a'), 'v1.2.0');
    assert.equal(graph.selected.get('c.com/c'), 'v1.3.0');
    assert.equal(graph.selected.get('w.com/one'), '');
    // c v1.3.0 was selected above what a v1.0.0 asked for, so its go.mod was read: d is in the graph.
    assert.equal(graph.nodes.has('d.com/d@v1.0.0'), true);
    assert.equal(graph.nodes.has('w.com/one@v0.1.0'), true);
  });

  it('orders versions as the go command does', () => {
    const sorted = ['v1.0.0', '', 'v1.0.0-pre', 'v2.0.0+incompatible', 'v0.0.0-20240101000000-abcdefabcdef', 'v1.10.0', 'v1.9.0'].sort(compareVersions);
    assert.deepEqual(sorted, ['v0.0.0-20240101000000-abcdefabcdef', 'v1.0.0-pre', 'v1.0.0', 'v1.9.0', 'v1.10.0', 'v2.0.0+incompatible', '']);
  });

  it('relates module paths by path element', () => {
    assert.equal(isPathRelated('a.com/x', 'a.com/x/y'), true);
    assert.equal(isPathRelated('a.com/x/y', 'a.com/x'), true);
    assert.equal(isPathRelated('a.com/x', 'a.com/x'), true);
    assert.equal(isPathRelated('a.com/x', 'a.com/xy'), false);
  });

  it('rejects conflicting replacements', () => {
    const one = parseGoMod('module m\nreplace a.com/a => b.com/b v1.0.0\nreplace a.com/a => c.com/c v1.0.0\n', '/p/go.mod');
    assert.throws(() => createReplacer([{ replace: one.replace, dir: '/p', file: '/p/go.mod' }]), /\/p\/go\.mod:3: conflicting replacements for a\.com\/a/);
    const x = parseGoMod('module x\nreplace a.com/a => b.com/b v1.0.0\n', '/x/go.mod');
    const y = parseGoMod('module y\nreplace a.com/a v1.0.0 => c.com/c v1.0.0\n', '/y/go.mod');
    const r = createReplacer([
      { replace: x.replace, dir: '/x', file: '/x/go.mod' },
      { replace: y.replace, dir: '/y', file: '/y/go.mod' },
    ]);
    assert.deepEqual(r(mv('a.com/a@v1.1.0')), { kind: 'module', path: 'b.com/b', version: 'v1.0.0' });
    assert.throws(() => r(mv('a.com/a@v1.0.0')), /conflicting replacements for a\.com\/a@v1\.0\.0 in \/x\/go\.mod and \/y\/go\.mod/);
    const w = parseGoMod('module w\nreplace a.com/a => d.com/d v2.0.0+incompatible\n', '/w/go.work');
    const withWork = createReplacer(
      [{ replace: x.replace, dir: '/x', file: '/x/go.mod' }, { replace: y.replace, dir: '/y', file: '/y/go.mod' }],
      { replace: w.replace, dir: '/w', file: '/w/go.work' },
    );
    assert.deepEqual(withWork(mv('a.com/a@v1.0.0')), { kind: 'module', path: 'd.com/d', version: 'v2.0.0+incompatible' });
  });
});

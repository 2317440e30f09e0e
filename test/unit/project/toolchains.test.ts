import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { GomirrorError } from '../../../src/errors.js';
import { parseGoMod, parseGoWork } from '../../../src/modfile/index.js';
import { toolchainEntries } from '../../../src/project/index.js';

const dl = (go: string, p: string): string => `v0.0.1-go${go}.${p}`;
const PLATFORMS = ['linux-amd64'];
const LIST = ['1.21.0', '1.22.9', '1.23.3', '1.23.4', '1.24.1'].map((g) => dl(g, 'linux-amd64'));
const main = (file: string, text: string): { file: string; gomod: ReturnType<typeof parseGoMod> } => ({ file, gomod: parseGoMod(text, file) });

describe('toolchainEntries', () => {
  it('a go.mod, a go.work and its newer modules add the toolchain the go command switches to, naming the line', async () => {
    const work = parseGoWork('go 1.22.1\n\ntoolchain go1.22.9\n\nuse ./a\nuse ./b\n', '/w/go.work');
    const r = await toolchainEntries({
      toolchains: { queries: [], platforms: PLATFORMS },
      project: {
        mains: [main('/p/go.mod', 'module p\n\ngo 1.23.4\n'), main('/q/go.mod', 'module q\n\ngo 1.20\n')],
        workspaces: [{ file: '/w/go.work', work, modules: [main('/w/a/go.mod', 'module a\n\ngo 1.23\n\ntoolchain go1.24.1\n'), main('/w/b/go.mod', 'module b\n\ngo 1.22.0\n')] }],
      },
      roots: [],
      deps: true,
      loadMod: async () => Buffer.from(''),
      list: async () => {
        throw new Error('exact versions need no list');
      },
    });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.entries.map((e) => [e.version, e.from, e.source, e.zip]), [
      [dl('1.23.4', 'linux-amd64'), '/p/go.mod:3: go 1.23.4 (go1.23.4)', 'root', 'required'],
      [dl('1.22.9', 'linux-amd64'), '/w/go.work:3: toolchain go1.22.9 (go1.22.9)', 'root', 'required'],
      // a's go line is newer than go.work's; its toolchain line does not count in a workspace.
      [dl('1.23.0', 'linux-amd64'), '/w/a/go.mod:3: go 1.23 (go1.23.0)', 'root', 'required'],
    ]);
  });

  it('manifest roots with deps: a go line newer than 1.21 adds what a switch picks from the list', async () => {
    const mods: Record<string, string> = { 'example.com/new@v1.0.0': 'module example.com/new\n\ngo 1.23.1\n', 'example.com/old@v1.0.0': 'module example.com/old\n\ngo 1.21\n' };
    const opts = {
      toolchains: { queries: [], platforms: PLATFORMS },
      project: { mains: [], workspaces: [] },
      roots: [
        { module: 'example.com/new', version: 'v1.0.0', where: 'm.json: modules[0]' },
        { module: 'example.com/old', version: 'v1.0.0', where: 'm.json: modules[1]' },
      ],
      loadMod: async (p: string, v: string) => Buffer.from(mods[`${p}@${v}`] ?? ''),
      list: async () => LIST,
    };
    const r = await toolchainEntries({ ...opts, deps: true });
    assert.deepEqual(r.entries.map((e) => [e.version, e.from]), [
      [dl('1.23.4', 'linux-amd64'), 'example.com/new@v1.0.0 go.mod: go 1.23.1 (go 1.23.1: a switch picks go1.23.4)'],
    ]);
    assert.deepEqual((await toolchainEntries({ ...opts, deps: false })).entries, []);
  });

  it('queries that match nothing, and an unreachable list, are errors of golang.org/toolchain', async () => {
    const base = { project: { mains: [], workspaces: [] }, roots: [], deps: false, loadMod: async () => Buffer.from('') };
    const q = { text: 'go1.25', query: { kind: 'lang' as const, lang: '1.25' }, where: 'm.json: toolchains.versions[0]' };
    const none = await toolchainEntries({ ...base, toolchains: { queries: [q], platforms: PLATFORMS }, list: async () => LIST });
    assert.deepEqual(none.errors.map((e) => [e.module, e.error.code, e.error.message]), [
      ['golang.org/toolchain', 'E_NOT_FOUND', "m.json: toolchains.versions[0]: no go1.25.x release in the upstream's golang.org/toolchain list on every platform (linux-amd64)"],
    ]);
    const down = await toolchainEntries({
      ...base,
      toolchains: { queries: [q], platforms: PLATFORMS },
      list: async () => {
        throw new GomirrorError('E_HTTP', 'http://up/golang.org/toolchain/@v/list: HTTP 502');
      },
    });
    assert.deepEqual(down.errors.map((e) => [e.error.code, e.error.message]), [['E_HTTP', 'toolchains: http://up/golang.org/toolchain/@v/list: HTTP 502']]);
    assert.deepEqual(down.entries, []);
  });
});

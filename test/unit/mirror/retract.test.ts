/**
 * loadQueryRules + resolveQueries: `latest` and prefix queries skip retracted
 * versions, reading the retractions from the go.mod of latest; +incompatible
 * versions count only when the highest compatible version a query matches
 * has no go.mod of its own (Go: modload filterVersions, versionHasGoMod).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChecksumMismatchError, GomirrorError } from '../../../src/errors.js';
import { parseVersionQuery } from '../../../src/module/index.js';
import { loadQueryRules } from '../../../src/mirror/retract.js';
import { resolveQueries } from '../../../src/mirror/resolve.js';
import type { UpstreamClient } from '../../../src/upstream/client.js';

function upstream(list: string[], mods: Record<string, string | Error>, latest?: string): UpstreamClient & { calls: string[] } {
  const calls: string[] = [];
  const fail = async (): Promise<never> => {
    throw new Error('not used');
  };
  return {
    calls,
    list: async (p) => (calls.push(`list ${p}`), list),
    mod: async (p, v) => {
      calls.push(`mod ${p}@${v}`);
      const text = mods[v];
      if (text instanceof Error) throw text;
      if (text === undefined) throw new GomirrorError('E_NOT_FOUND', `${p}@${v}: .mod: not found`);
      return Buffer.from(text);
    },
    latest: async (p) => {
      calls.push(`latest ${p}`);
      if (latest === undefined) throw new GomirrorError('E_NOT_FOUND', `${p}@latest: not found`);
      return Buffer.from(JSON.stringify({ Version: latest, Time: '2024-01-01T00:00:00Z' }));
    },
    info: fail,
    zip: fail,
  };
}

const q = (...texts: string[]) => texts.map((text, i) => ({ text, query: parseVersionQuery(text), where: `m.json: modules[0].versions[${i}]` }));

/** Resolves each query on its own: its versions, or 'error'. */
async function resolveEach(up: UpstreamClient, path: string, texts: string[]): Promise<(string[] | 'error')[]> {
  const out: (string[] | 'error')[] = [];
  for (const query of q(...texts)) {
    const r = await resolveQueries(up, path, [query], await loadQueryRules(up, path, [query]));
    out.push(r.errors.length > 0 ? 'error' : r.versions);
  }
  return out;
}

describe('loadQueryRules: retractions', () => {
  const list = ['v1.0.0', 'v1.1.0', 'v1.2.0', 'v2.0.0+incompatible', 'v1.3.0-rc.1'];
  const mods = {
    'v1.2.0': 'module m.com/m\n\n// Oops.\nretract [v1.1.0, v1.2.0]\n',
    'v1.3.0-rc.1': 'module m.com/m\n\ngo 1.17\n',
  };

  it('skips retracted versions for latest and prefixes; a prefix whose versions are all retracted matches nothing', async () => {
    const up = upstream(list, mods);
    assert.deepEqual(await resolveEach(up, 'm.com/m', ['latest', 'v1', 'v1.1', 'v1.2', 'v1.2.0']), [
      ['v1.0.0'],
      ['v1.0.0'],
      'error',
      'error',
      ['v1.2.0'],
    ]);
  });

  it('keeps retracted versions in ranges, and drops +incompatible there when the last compatible version has a go.mod', async () => {
    const up = upstream(list, mods);
    assert.deepEqual(await resolveEach(up, 'm.com/m', ['>=v1.0.0', '<v3', 'all']), [
      ['v1.0.0', 'v1.1.0', 'v1.2.0', 'v1.3.0-rc.1'],
      ['v1.0.0', 'v1.1.0', 'v1.2.0', 'v1.3.0-rc.1', 'v2.0.0+incompatible'],
      ['v1.0.0', 'v1.1.0', 'v1.2.0', 'v1.3.0-rc.1', 'v2.0.0+incompatible'],
    ]);
  });

  it('latest with every version retracted takes @latest only when it is not retracted', async () => {
    const all = { 'v1.1.0': 'module m.com/m\n\nretract [v1.0.0, v1.1.0]\n' };
    assert.deepEqual(await resolveEach(upstream(['v1.0.0', 'v1.1.0'], all), 'm.com/m', ['latest', 'v1']), ['error', 'error']);
    assert.deepEqual(await resolveEach(upstream(['v1.0.0', 'v1.1.0'], all, 'v1.1.0'), 'm.com/m', ['latest']), ['error']);
    const pseudo = 'v1.1.1-0.20240101000000-abcdefabcdef';
    assert.deepEqual(await resolveEach(upstream(['v1.0.0', 'v1.1.0'], all, pseudo), 'm.com/m', ['latest']), [[pseudo]]);
  });

  it('reads nothing for exact versions and all; treats an unreadable latest go.mod as no retractions', async () => {
    const none = upstream(list, mods);
    await loadQueryRules(none, 'm.com/m', q('v1.1.0'));
    assert.deepEqual(none.calls, []);
    const broken = upstream(['v1.0.0', 'v1.1.0'], {});
    assert.deepEqual(await resolveEach(broken, 'm.com/m', ['latest']), [['v1.1.0']]);
  });

  it('throws a checksum mismatch of the go.mod it reads instead of ignoring it', async () => {
    const bad = new ChecksumMismatchError({ module: 'm.com/m', version: 'v1.2.0', file: '.mod', expected: 'h1:a', actual: 'h1:b', source: 'go.sum' });
    const up = upstream(['v1.0.0', 'v1.2.0'], { 'v1.2.0': bad });
    await assert.rejects(loadQueryRules(up, 'm.com/m', q('latest')), ChecksumMismatchError);
  });
});

describe('loadQueryRules: +incompatible', () => {
  const legacy = 'example.com/legacy';
  const list = ['v1.0.0', 'v2.0.0+incompatible', 'v2.1.0+incompatible'];
  const synthesized = Object.fromEntries(list.map((v) => [v, `module ${legacy}\n`]));

  it('latest picks +incompatible when the latest compatible version has no go.mod (Go issue 34165)', async () => {
    assert.deepEqual(await resolveEach(upstream(list, synthesized), legacy, ['latest', 'v1', 'v2', '>=v1.0.0', '<v2.0.0']), [
      ['v2.1.0+incompatible'],
      ['v1.0.0'],
      ['v2.1.0+incompatible'],
      ['v1.0.0', 'v2.0.0+incompatible', 'v2.1.0+incompatible'],
      ['v1.0.0'],
    ]);
  });

  it('latest stays compatible when that version has a real go.mod, even a pre-release', async () => {
    const real = { ...synthesized, 'v1.0.0': `module ${legacy}\n\ngo 1.17\n` };
    assert.deepEqual(await resolveEach(upstream(list, real), legacy, ['latest', 'v2', '>v1.0.0']), [
      ['v1.0.0'],
      ['v2.1.0+incompatible'],
      // As in Go: v1.0.0 is outside the range, so no compatible version decides.
      ['v2.0.0+incompatible', 'v2.1.0+incompatible'],
    ]);
    const pre = upstream(['v1.1.0-rc.1', ...list], { ...real, 'v1.1.0-rc.1': `module ${legacy}\n\ngo 1.17\n` });
    assert.deepEqual(await resolveEach(pre, legacy, ['latest']), [['v1.0.0']]);
  });

  it('fails the query when the deciding go.mod cannot be read', async () => {
    const up = upstream(list, { 'v2.1.0+incompatible': `module ${legacy}\n` });
    assert.deepEqual(await resolveEach(up, legacy, ['v1', 'latest']), [['v1.0.0'], 'error']);
  });
});

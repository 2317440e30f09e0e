/**
 * applyRetractions: `latest` and prefix queries skip retracted versions, as
 * the go command's do, reading the retractions from the latest go.mod.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GomirrorError } from '../../../src/errors.js';
import { parseVersionQuery } from '../../../src/module/index.js';
import { applyRetractions } from '../../../src/mirror/retract.js';
import type { UpstreamClient } from '../../../src/upstream/client.js';

function upstream(list: string[], mods: Record<string, string>): UpstreamClient & { calls: string[] } {
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
      if (text === undefined) throw new GomirrorError('E_NOT_FOUND', `${p}@${v}: .mod: not found`);
      return Buffer.from(text);
    },
    latest: fail,
    info: fail,
    zip: fail,
  };
}

const q = (...texts: string[]) => texts.map((text, i) => ({ text, query: parseVersionQuery(text), where: `m.json: modules[0].versions[${i}]` }));
const picked = (qs: Awaited<ReturnType<typeof applyRetractions>>): string[] =>
  qs.map((x) => (x.query.kind === 'exact' ? x.query.version : x.text));

describe('applyRetractions', () => {
  const list = ['v1.0.0', 'v1.1.0', 'v1.2.0', 'v2.0.0+incompatible', 'v1.3.0-rc.1'];
  const mods = { 'v1.2.0': 'module m.com/m\n\n// Oops.\nretract [v1.1.0, v1.2.0]\n' };

  it('picks the newest version not retracted, for latest and prefixes; leaves ranges alone', async () => {
    const up = upstream(list, mods);
    assert.deepEqual(picked(await applyRetractions(up, 'm.com/m', q('latest', 'v1', 'v1.1', '>=v1.0.0', 'v1.2.0'))), [
      'v1.0.0',
      'v1.0.0',
      'v1.1',
      '>=v1.0.0',
      'v1.2.0',
    ]);
    assert.deepEqual(up.calls, ['list m.com/m', 'mod m.com/m@v1.2.0']);
  });

  it('changes nothing without retractions, or without latest/prefix queries', async () => {
    const up = upstream(list, { 'v1.2.0': 'module m.com/m\n' });
    assert.deepEqual(picked(await applyRetractions(up, 'm.com/m', q('latest', 'v1'))), ['latest', 'v1']);
    const none = upstream(list, mods);
    assert.deepEqual(picked(await applyRetractions(none, 'm.com/m', q('all', 'v1.1.0'))), ['all', 'v1.1.0']);
    assert.deepEqual(none.calls, []);
  });

  it('leaves the query to resolution when the go.mod cannot be read', async () => {
    const up = upstream(list, {});
    assert.deepEqual(picked(await applyRetractions(up, 'm.com/m', q('latest'))), ['latest']);
  });
});

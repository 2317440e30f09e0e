import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GomirrorError } from '../../../src/errors.js';
import { parseVersionQuery } from '../../../src/module/index.js';
import { resolveQueries, type QueryInput } from '../../../src/mirror/resolve.js';
import type { UpstreamClient } from '../../../src/upstream/client.js';

/** An in-memory upstream: list answers per module, @latest bodies, call counts. */
function fakeUpstream(lists: Record<string, string[] | 'missing' | 'broken'>, latest: Record<string, string> = {}) {
  const calls = { list: 0, latest: 0 };
  const client: UpstreamClient = {
    async list(m) {
      calls.list++;
      const l = lists[m];
      if (l === undefined || l === 'missing') throw new GomirrorError('E_NOT_FOUND', `${m}: not found`);
      if (l === 'broken') throw new GomirrorError('E_HTTP', `${m}: HTTP 500`);
      return l;
    },
    async latest(m) {
      calls.latest++;
      const body = latest[m];
      if (!body) throw new GomirrorError('E_NOT_FOUND', `${m}@latest: not found`);
      return Buffer.from(body);
    },
    info: () => Promise.reject(new Error('unused')),
    mod: () => Promise.reject(new Error('unused')),
    zip: () => Promise.reject(new Error('unused')),
  };
  return { client, calls };
}

const q = (...texts: string[]): QueryInput[] => texts.map((text, i) => ({ text, query: parseVersionQuery(text), where: `versions[${i}]` }));

describe('resolveQueries', () => {
  const list = ['v1.0.0', 'v1.1.0', 'v1.2.0-rc.1', 'v0.9.0', 'v1.1.1-0.20240101000000-abcdefabcdef'];

  it('reads the list once for every query of a module and deduplicates', async () => {
    const { client, calls } = fakeUpstream({ 'example.com/m': list });
    const r = await resolveQueries(client, 'example.com/m', q('latest', 'v1', '>=v1.0.0', 'v1.0.0'));
    assert.deepEqual(r.errors, []);
    assert.deepEqual([...r.versions].sort(), ['v1.0.0', 'v1.1.0', 'v1.2.0-rc.1']);
    assert.equal(calls.list, 1);
  });

  it('needs no list for exact versions', async () => {
    const { client, calls } = fakeUpstream({});
    const r = await resolveQueries(client, 'example.com/m', q('v1.0.0', 'v0.0.0-20240101000000-abcdefabcdef'));
    assert.deepEqual(r.versions, ['v1.0.0', 'v0.0.0-20240101000000-abcdefabcdef']);
    assert.equal(calls.list, 0);
  });

  it('asks @latest only when latest finds no listed version', async () => {
    const body = JSON.stringify({ Version: 'v0.0.0-20240102030405-0123456789ab', Time: '2024-01-02T03:04:05Z' });
    const empty = fakeUpstream({ 'example.com/p': [] }, { 'example.com/p': body });
    const r = await resolveQueries(empty.client, 'example.com/p', q('latest'));
    assert.deepEqual(r.versions, ['v0.0.0-20240102030405-0123456789ab']);
    assert.equal(r.latestInfo?.toString(), body);
    assert.equal(empty.calls.latest, 1);
    const listed = fakeUpstream({ 'example.com/m': list }, { 'example.com/m': body });
    await resolveQueries(listed.client, 'example.com/m', q('latest'));
    assert.equal(listed.calls.latest, 0);
  });

  it('reports a query that matches nothing, naming its place, and keeps the others', async () => {
    const { client } = fakeUpstream({ 'example.com/m': list });
    const r = await resolveQueries(client, 'example.com/m', q('v1.0.0', '>=v3.0.0'));
    assert.deepEqual(r.versions, ['v1.0.0']);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]?.code, 'E_NOT_FOUND');
    assert.match(r.errors[0]?.message ?? '', /^versions\[1\]: no version of example\.com\/m matches ">=v3\.0\.0"/);
  });

  it('an unavailable list fails the queries that need it, not the exact ones', async () => {
    const { client } = fakeUpstream({ 'example.com/m': 'broken' });
    const r = await resolveQueries(client, 'example.com/m', q('v1.0.0', 'all'));
    assert.deepEqual(r.versions, ['v1.0.0']);
    assert.equal(r.errors[0]?.code, 'E_HTTP');
    assert.match(r.errors[0]?.message ?? '', /^versions\[1\]: /);
  });

  it('refuses an @latest that names a version invalid for the path', async () => {
    const { client } = fakeUpstream({ 'example.com/m/v2': 'missing' }, { 'example.com/m/v2': JSON.stringify({ Version: 'v1.0.0' }) });
    const r = await resolveQueries(client, 'example.com/m/v2', q('latest'));
    assert.deepEqual(r.versions, []);
    assert.equal(r.errors[0]?.code, 'E_VERSION');
  });
});

describe('resolveQueries with an avoid policy (vulnerable: refuse-latest)', () => {
  const list = ['v1.0.0', 'v1.1.0', 'v1.2.0', 'v1.3.0-rc.1'];
  // v1.1.0 and v1.2.0 are affected by a vulnerability that has a fix.
  const avoid = async (_m: string, v: string): Promise<string[]> => (['v1.1.0', 'v1.2.0'].includes(v) ? ['GO-2024-0001'] : []);

  it('latest falls back to the newest version the policy accepts, and says what it skipped', async () => {
    const { client, calls } = fakeUpstream({ 'example.com/m': list });
    const r = await resolveQueries(client, 'example.com/m', q('latest'), undefined, avoid);
    assert.deepEqual(r.versions, ['v1.0.0']);
    assert.deepEqual(r.skipped, [
      { version: 'v1.2.0', query: 'latest', reasons: ['GO-2024-0001'] },
      { version: 'v1.1.0', query: 'latest', reasons: ['GO-2024-0001'] },
    ]);
    assert.deepEqual(r.errors, []);
    assert.equal(calls.latest, 0);
  });

  it('a range keeps the versions the policy accepts; an exact version is always taken', async () => {
    const { client } = fakeUpstream({ 'example.com/m': list });
    const r = await resolveQueries(client, 'example.com/m', q('>=v1.0.0', 'v1.2.0'), undefined, avoid);
    assert.deepEqual([...r.versions].sort(), ['v1.0.0', 'v1.2.0', 'v1.3.0-rc.1']);
    assert.deepEqual(r.skipped?.map((s) => `${s.version} ${s.query}`), ['v1.1.0 >=v1.0.0', 'v1.2.0 >=v1.0.0']);
  });

  it('every candidate skipped: nothing picked, no error, no @latest request', async () => {
    const { client, calls } = fakeUpstream({ 'example.com/m': ['v1.1.0', 'v1.2.0'] }, { 'example.com/m': '{"Version":"v1.2.0"}' });
    const r = await resolveQueries(client, 'example.com/m', q('latest'), undefined, avoid);
    assert.deepEqual(r.versions, []);
    assert.deepEqual(r.errors, []);
    assert.equal(r.skipped?.length, 2);
    assert.equal(calls.latest, 0);
  });

  it('without a policy nothing changes', async () => {
    const { client } = fakeUpstream({ 'example.com/m': list });
    const r = await resolveQueries(client, 'example.com/m', q('latest'));
    assert.deepEqual(r.versions, ['v1.2.0']);
    assert.equal(r.skipped, undefined);
  });
});

describe('resolveQueries: branches and commits', () => {
  const pseudo = 'v1.1.1-0.20240302100000-0123456789ab';
  const upstream = (infos: Record<string, string>): { client: UpstreamClient; asked: string[] } => {
    const asked: string[] = [];
    const { client } = fakeUpstream({});
    return {
      asked,
      client: {
        ...client,
        async info(m, rev) {
          asked.push(`${m}@${rev}`);
          const v = infos[rev];
          if (!v) throw new GomirrorError('E_VCS', `${m}@${rev}: from version control: unknown revision ${rev}`);
          return Buffer.from(JSON.stringify({ Version: v, Time: '2024-03-02T10:00:00Z' }));
        },
      },
    };
  };

  it('asks the upstream for the revision, reads no list, and notes the pseudo-version', async () => {
    const { client, asked } = upstream({ main: pseudo, '0123456': pseudo, 'v1.0.0-tagged-branch': 'v1.0.0' });
    const r = await resolveQueries(client, 'example.com/m', q('main', '0123456'));
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.versions, [pseudo]);
    assert.deepEqual(asked, ['example.com/m@main', 'example.com/m@0123456']);
    assert.deepEqual(r.notes, [`versions[0]: example.com/m@main is ${pseudo} (pseudo-version)`, `versions[1]: example.com/m@0123456 is ${pseudo} (pseudo-version)`]);
  });

  it('an unknown revision is an error for that query; a version that does not fit the path too', async () => {
    const { client } = upstream({ main: 'v2.0.0' });
    const r = await resolveQueries(client, 'example.com/m', q('nope', 'main'));
    assert.deepEqual(r.versions, []);
    assert.equal(r.errors.length, 2);
    assert.match(r.errors[0]?.message ?? '', /^versions\[0\]: example\.com\/m@nope: from version control: unknown revision nope/);
    assert.equal(r.errors[1]?.code, 'E_VERSION');
  });
});

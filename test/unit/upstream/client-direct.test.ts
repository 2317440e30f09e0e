import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GomirrorError } from '../../../src/errors.js';
import { createUpstreamClient, parseProxyList, type DirectSource, type Transport } from '../../../src/upstream/index.js';

/** A proxy that has only what `files` names (by URL); everything else is 404. */
function fakeTransport(files: Record<string, string>, calls: string[]): Transport {
  const get = async (url: string): Promise<Buffer> => {
    calls.push(url);
    const body = files[url];
    if (body === undefined) throw new GomirrorError('E_NOT_FOUND', `${url}: 404 Not Found`);
    return Buffer.from(body);
  };
  return {
    getBuffer: get,
    getToFile: async (url: string) => ({ size: (await get(url)).length }),
    stats: { requests: 0, retries: 0, bytes: 0 },
    close: async () => undefined,
  } as unknown as Transport;
}

function fakeDirect(calls: string[]): DirectSource {
  const note = (what: string): Buffer => {
    calls.push(what);
    return Buffer.from(what);
  };
  return {
    list: async (m) => (calls.push(`list ${m}`), ['v1.0.0', 'v1.1.0']),
    latest: async (m) => note(`latest ${m}`),
    info: async (m, v) => note(`info ${m}@${v}`),
    mod: async (m, v) => note(`mod ${m}@${v}`),
    zip: async (m, v) => (note(`zip ${m}@${v}`), { size: 1 }),
  };
}

describe('upstream client: direct', () => {
  const proxyFiles = { 'https://p.example/example.com/pub/@v/v1.0.0.mod': 'module example.com/pub\n' };

  it('falls through to version control on 404, as GOPROXY=proxy,direct does', async () => {
    const http: string[] = [];
    const vcs: string[] = [];
    const c = createUpstreamClient({ entries: parseProxyList('https://p.example,direct'), transport: fakeTransport(proxyFiles, http), direct: fakeDirect(vcs) });
    assert.equal((await c.mod('example.com/pub', 'v1.0.0')).toString(), 'module example.com/pub\n');
    assert.deepEqual(vcs, []);
    assert.equal((await c.mod('corp.example/lib', 'v1.0.0')).toString(), 'mod corp.example/lib@v1.0.0');
    assert.deepEqual(await c.list('corp.example/lib'), ['v1.0.0', 'v1.1.0']);
    assert.equal((await c.info('corp.example/lib', 'main')).toString(), 'info corp.example/lib@main');
    assert.deepEqual(vcs, ['mod corp.example/lib@v1.0.0', 'list corp.example/lib', 'info corp.example/lib@main']);
    assert.deepEqual(http, [
      'https://p.example/example.com/pub/@v/v1.0.0.mod',
      'https://p.example/corp.example/lib/@v/v1.0.0.mod',
      'https://p.example/corp.example/lib/@v/list',
      'https://p.example/corp.example/lib/@v/main.info',
    ]);
  });

  it('sends noproxy modules straight to version control, never to a proxy', async () => {
    const http: string[] = [];
    const vcs: string[] = [];
    const c = createUpstreamClient({
      entries: parseProxyList('https://p.example'),
      transport: fakeTransport(proxyFiles, http),
      direct: fakeDirect(vcs),
      noproxy: (m) => m.startsWith('corp.example/'),
    });
    await c.zip('corp.example/lib', 'v1.0.0', '/dev/null');
    await c.latest('corp.example/lib');
    assert.deepEqual(http, []);
    assert.deepEqual(vcs, ['zip corp.example/lib@v1.0.0', 'latest corp.example/lib']);
    await c.mod('example.com/pub', 'v1.0.0');
    assert.deepEqual(http, ['https://p.example/example.com/pub/@v/v1.0.0.mod']);
  });

  it('a version control error is the answer (nothing after direct); without a source, direct is refused as before', async () => {
    const failing: DirectSource = { ...fakeDirect([]), mod: async () => Promise.reject(new GomirrorError('E_VCS', 'corp.example/lib@v1.0.0: from version control: unknown revision')) };
    const c = createUpstreamClient({ entries: parseProxyList('https://p.example,direct'), transport: fakeTransport({}, []), direct: failing });
    await assert.rejects(c.mod('corp.example/lib', 'v1.0.0'), (e: GomirrorError) => e.code === 'E_VCS' && /unknown revision/.test(e.message));
    const plain = createUpstreamClient({ entries: parseProxyList('https://p.example,direct'), transport: fakeTransport({}, []) });
    await assert.rejects(plain.mod('corp.example/lib', 'v1.0.0'), (e: GomirrorError) => e.code === 'E_NOT_FOUND');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { checkToolchain, type DoctorGoClient, type DoctorProbes, type DoctorProject } from '../../../src/doctor/index.js';

const BASE = 'https://goproxy.corp';
const HELD = '/golang.org/toolchain/@v/v0.0.1-go1.23.4.linux-amd64.info';

function ctx(): { base: string; probes: DoctorProbes; timeoutMs: number; urls: string[] } {
  const urls: string[] = [];
  const probes: DoctorProbes = {
    lookup: async () => ({ addresses: [], ms: 0 }),
    connect: async () => ({ ms: 0 }),
    tls: async () => {
      throw new Error('unused');
    },
    get: async (url) => {
      urls.push(url);
      const ok = new URL(url).pathname === HELD;
      return { status: ok ? 200 : 404, contentType: 'application/json', body: Buffer.from(ok ? '{}' : 'not found'), contentLength: undefined, ttfbMs: 1 };
    },
  };
  return { base: BASE, probes, timeoutMs: 1000, urls };
}

const CLIENT: DoctorGoClient = { version: 'go1.22.12', platform: 'linux-amd64', gotoolchain: 'auto' };
const project = (go: string, toolchain?: string): DoctorProject => ({
  file: '/src/app/go.mod',
  go,
  ...(toolchain ? { toolchain } : {}),
  lines: { go: 3, ...(toolchain ? { toolchain: 5 } : {}) },
});

describe('doctor: toolchain switch', () => {
  it('ok when the mirror holds the toolchain the project makes the client switch to', async () => {
    const c = ctx();
    const r = await checkToolchain(c, project('1.23.4'), CLIENT, 'sum.golang.org');
    assert.equal(r.status, 'ok', r.detail);
    assert.equal(r.detail, '/src/app/go.mod:3 (go 1.23.4) makes go1.22.12 switch to go1.23.4: the mirror holds golang.org/toolchain@v0.0.1-go1.23.4.linux-amd64');
    assert.deepEqual(c.urls, [`${BASE}${HELD}`]);
  });
  it('fails, saying what to mirror, when the mirror does not hold it', async () => {
    const r = await checkToolchain(ctx(), project('1.22.0', 'go1.23.9'), CLIENT, 'sum.golang.org');
    assert.equal(r.status, 'fail');
    assert.equal(r.detail, '/src/app/go.mod:5 (toolchain go1.23.9) makes go1.22.12 switch to go1.23.9, but the mirror does not hold golang.org/toolchain@v0.0.1-go1.23.9.linux-amd64 (HTTP 404)');
    assert.match(r.fix ?? '', /add "go1\.23\.9" to the manifest's toolchains\.versions/);
  });
  it('fails with GOSUMDB=off: toolchains are verified with the database anyway', async () => {
    const r = await checkToolchain(ctx(), project('1.23.4'), CLIENT, undefined);
    assert.equal(r.status, 'fail');
    assert.match(r.detail, /even with GOSUMDB=off/);
  });
  it('no switch when the client is new enough (a language version needs its .0 release)', async () => {
    const c = ctx();
    assert.equal((await checkToolchain(c, project('1.22'), CLIENT, 'sum.golang.org')).status, 'ok');
    assert.equal((await checkToolchain(c, project('1.22.12'), CLIENT, 'sum.golang.org')).detail, 'no switch: /src/app/go.mod:3 says go 1.22.12, and go1.22.12 runs it');
    // GOTOOLCHAIN=go1.24.0+auto raises the floor.
    assert.equal((await checkToolchain(c, project('1.23.4'), { ...CLIENT, gotoolchain: 'go1.24.0+auto' }, 'sum.golang.org')).status, 'ok');
    assert.deepEqual(c.urls, []);
  });
  it('skips clients that never download toolchains', async () => {
    assert.equal((await checkToolchain(ctx(), project('1.23.4'), { ...CLIENT, gotoolchain: 'local' }, 'x')).status, 'skip');
    assert.equal((await checkToolchain(ctx(), project('1.23.4'), { ...CLIENT, gotoolchain: 'path' }, 'x')).status, 'skip');
    assert.equal((await checkToolchain(ctx(), project('1.23.4'), { version: 'go1.19.8', platform: 'linux-amd64', gotoolchain: 'local' }, 'x')).status, 'skip');
  });
});

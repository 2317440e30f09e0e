/**
 * mirrorVersion's branches, driven with in-memory fakes (fakes.ts): what it
 * asks the upstream for, what it makes visible and in which order, and what
 * it refuses. The end-to-end suites cover the same code against real files.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GomirrorError } from '../../../src/errors.js';
import { hashGoMod } from '../../../src/dirhash/index.js';
import { mirrorVersion, type MirrorContext } from '../../../src/mirror/mirror-version.js';
import { fakeStager, fakeUpstream, fakeZipHash, goMod, infoJSON, memoryStore, memorySums, World, type Served } from './fakes.js';

const M = 'example.com/Mod';
const V = 'v1.2.0';
const MOD = goMod(M);
const ZIP = 'zip bytes of example.com/Mod v1.2.0';
const MOD_H1 = hashGoMod(Buffer.from(MOD));
const ZIP_H1 = fakeZipHash(ZIP);
const OTHER_H1 = 'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
/** The escaped @v directory of M, as events name it. */
const DIR = 'example.com/!mod/@v';

interface Setup {
  served?: Served;
  /** Hashes already in the tree's record. */
  recorded?: { mod?: string; zip?: string };
  /** Hashes from go.sum inputs. */
  expected?: { mod?: string; zip?: string };
  authenticate?: MirrorContext['authenticate'];
}

function setup(s: Setup = {}) {
  const world = new World();
  const initial: Record<string, string> = {};
  if (s.recorded?.mod) initial[`${M} ${V}/go.mod`] = s.recorded.mod;
  if (s.recorded?.zip) initial[`${M} ${V}`] = s.recorded.zip;
  const sums = memorySums(world, initial);
  const ctx: MirrorContext = {
    upstream: fakeUpstream(world, { [M]: { [V]: s.served ?? { mod: MOD, zip: ZIP } } }),
    store: memoryStore(world),
    sums,
    stage: fakeStager(world),
  };
  const expected = s.expected;
  if (expected) ctx.expected = (_m, _v, isMod) => (isMod ? expected.mod : expected.zip);
  if (s.authenticate) ctx.authenticate = s.authenticate;
  const onDisk = async (): Promise<Set<string>> => ctx.store.versionDirNames(M);
  return { world, ctx, sums, onDisk };
}

/** A version fully on disk from an earlier run, with its hashes recorded. */
function mirrored(extra: Setup = {}) {
  const t = setup({ recorded: { mod: MOD_H1, zip: ZIP_H1 }, ...extra });
  t.world.put(M, V, { info: infoJSON(V), mod: MOD, zip: ZIP });
  return t;
}

describe('mirrorVersion', () => {
  it('fetches a new version, checks it, and makes .mod, .zip, .info visible in that order', async () => {
    const { world, ctx, sums, onDisk } = setup();
    const o = await mirrorVersion(ctx, M, V, await onDisk());
    assert.equal(o.status, 'fetched');
    assert.equal(o.error, undefined);
    assert.equal(o.modOnly, undefined);
    assert.equal(o.bytes, MOD.length + ZIP.length + infoJSON(V).length);
    assert.deepEqual(world.events.filter((e) => e.startsWith('get')).sort(), [`get ${M}@${V}.info`, `get ${M}@${V}.mod`, `get ${M}@${V}.zip`]);
    assert.deepEqual(world.events.slice(3), [`check ${DIR}/v1.2.0.zip.tmp`, `commit ${DIR}/v1.2.0.mod`, `commit ${DIR}/v1.2.0.zip`, `commit ${DIR}/v1.2.0.info`]);
    assert.equal(world.file(M, V, 'zip'), ZIP);
    assert.equal(world.file(M, V, 'mod'), MOD);
    assert.equal(world.file(M, V, 'info'), infoJSON(V));
    assert.equal(sums.get(M, V, true), MOD_H1);
    assert.equal(sums.get(M, V, false), ZIP_H1);
    assert.deepEqual(world.temporaries(), []);
  });

  it('reads nothing for a version on disk whose hashes the tree recorded, and still asks the checksum database', async () => {
    const asked: unknown[] = [];
    const { world, ctx, onDisk } = mirrored({ authenticate: async (...args) => void asked.push(args) });
    const o = await mirrorVersion(ctx, M, V, await onDisk());
    assert.deepEqual({ status: o.status, bytes: o.bytes, modOnly: o.modOnly }, { status: 'present', bytes: 0, modOnly: undefined });
    assert.deepEqual(world.events, []);
    assert.deepEqual(asked, [[M, V, { mod: MOD_H1, zip: ZIP_H1 }]]);
  });

  it('without a directory listing, re-hashes the .mod on disk and trusts the recorded zip', async () => {
    const { world, ctx } = mirrored();
    const o = await mirrorVersion(ctx, M, V);
    assert.equal(o.status, 'present');
    assert.equal(world.count('get'), 0);
    assert.equal(world.count('check'), 0);
    assert.equal(world.count('commit'), 0);
  });

  it('checks a zip on disk that has no record again instead of downloading it', async () => {
    const { world, ctx, sums, onDisk } = setup({ recorded: { mod: MOD_H1 } });
    world.put(M, V, { info: infoJSON(V), mod: MOD, zip: ZIP });
    const o = await mirrorVersion(ctx, M, V, await onDisk());
    assert.equal(o.status, 'present');
    assert.deepEqual(world.events, [`check ${DIR}/v1.2.0.zip`]);
    assert.equal(sums.get(M, V, false), ZIP_H1);
  });

  it('fetches only the missing zip of a recorded version and holds it to the record', async () => {
    const { world, ctx, onDisk } = setup({ recorded: { mod: MOD_H1, zip: ZIP_H1 } });
    world.put(M, V, { info: infoJSON(V), mod: MOD });
    const o = await mirrorVersion(ctx, M, V, await onDisk());
    assert.equal(o.status, 'fetched');
    assert.equal(o.bytes, ZIP.length);
    assert.deepEqual(world.events, [`get ${M}@${V}.zip`, `check ${DIR}/v1.2.0.zip.tmp`, `commit ${DIR}/v1.2.0.zip`]);
  });

  describe('refuses, as a SECURITY error, bytes that differ from a known hash', () => {
    const refused = async (t: ReturnType<typeof setup>, file: string, source: string) => {
      const o = await mirrorVersion(t.ctx, M, V, await t.onDisk());
      assert.equal(o.status, 'failed');
      assert.equal(o.error?.code, 'E_CHECKSUM_MISMATCH');
      assert.equal(o.error?.kind, 'security');
      assert.match(o.error?.message ?? '', new RegExp(`^SECURITY ERROR: checksum mismatch for ${M}@${V} \\(${file.replace('.', '\\.')}\\).*${source}`));
      assert.equal(t.world.count('commit'), 0, 'nothing becomes visible');
      assert.deepEqual(t.world.temporaries(), []);
      return o;
    };

    it('a .mod against the tree record', async () => {
      const t = setup({ recorded: { mod: OTHER_H1 } });
      await refused(t, '.mod', 'the tree record');
      assert.equal(t.sums.get(M, V, true), OTHER_H1, 'the record is kept');
      assert.equal(t.sums.get(M, V, false), undefined);
    });

    it('a zip against a go.sum input', async () => {
      const t = setup({ expected: { mod: MOD_H1, zip: OTHER_H1 } });
      await refused(t, '.zip', 'go.sum');
      assert.equal(t.world.count('check'), 1, 'the zip was checked, then refused');
      assert.equal(t.sums.size, 0);
    });

    it('a tree record a go.sum input disagrees with, before any request', async () => {
      const t = setup({ recorded: { mod: MOD_H1 }, expected: { mod: OTHER_H1 } });
      await refused(t, '.mod', 'go.sum');
      assert.equal(t.world.count('get'), 0);
    });
  });

  describe('.mod only', () => {
    it("zip 'no': fetches and writes .mod and .info, never the zip", async () => {
      const { world, ctx, sums, onDisk } = setup();
      const o = await mirrorVersion(ctx, M, V, await onDisk(), 'no');
      assert.deepEqual({ status: o.status, modOnly: o.modOnly }, { status: 'fetched', modOnly: true });
      assert.equal(world.count(`get ${M}@${V}.zip`), 0);
      assert.deepEqual(world.events.filter((e) => !e.startsWith('get')), [`commit ${DIR}/v1.2.0.mod`, `commit ${DIR}/v1.2.0.info`]);
      assert.equal(sums.get(M, V, true), MOD_H1);
      assert.equal(sums.get(M, V, false), undefined);
    });

    it("zip 'no' on a re-run is present without a request", async () => {
      const { world, ctx, onDisk } = setup({ recorded: { mod: MOD_H1 } });
      world.put(M, V, { info: infoJSON(V), mod: MOD });
      const o = await mirrorVersion(ctx, M, V, await onDisk(), 'no');
      assert.deepEqual({ status: o.status, modOnly: o.modOnly }, { status: 'present', modOnly: true });
      assert.deepEqual(world.events, []);
    });

    it("zip 'wanted' and the upstream has none: a .mod-only version, not a failure", async () => {
      const { world, ctx, onDisk } = setup({ served: { mod: MOD } });
      const o = await mirrorVersion(ctx, M, V, await onDisk(), 'wanted');
      assert.deepEqual({ status: o.status, modOnly: o.modOnly, error: o.error }, { status: 'fetched', modOnly: true, error: undefined });
      assert.equal(world.file(M, V, 'zip'), undefined);
      assert.equal(world.file(M, V, 'info'), infoJSON(V));
      assert.deepEqual(world.temporaries(), []);
    });

    it("zip 'required' and the upstream has none: the version fails and nothing is written", async () => {
      const { world, ctx, sums, onDisk } = setup({ served: { mod: MOD } });
      const o = await mirrorVersion(ctx, M, V, await onDisk());
      assert.equal(o.status, 'failed');
      assert.equal(o.error?.code, 'E_NOT_FOUND');
      assert.equal(world.count('commit'), 0);
      assert.deepEqual(world.temporaries(), []);
      assert.equal(sums.size, 0);
    });
  });

  describe('checksum database refusal', () => {
    const refuse: MirrorContext['authenticate'] = async (m, v) => {
      throw new GomirrorError('E_SUMDB_SECURITY', `SECURITY ERROR: ${m}@${v}: the checksum database has other hashes`);
    };

    it('a new version the database refuses is never written nor recorded', async () => {
      const asked: unknown[] = [];
      const { world, ctx, sums, onDisk } = setup({
        authenticate: async (...args) => {
          asked.push(args);
          return refuse(...args);
        },
      });
      const o = await mirrorVersion(ctx, M, V, await onDisk());
      assert.equal(o.status, 'failed');
      assert.equal(o.error?.code, 'E_SUMDB_SECURITY');
      assert.deepEqual(asked, [[M, V, { mod: MOD_H1, zip: ZIP_H1 }]], 'asked with the hashes of the downloaded bytes');
      assert.equal(world.count('commit'), 0);
      assert.deepEqual(world.temporaries(), []);
      assert.equal(sums.size, 0);
    });

    it('a version already in the tree that the database refuses fails too', async () => {
      const { world, ctx, onDisk } = mirrored({ authenticate: refuse });
      const o = await mirrorVersion(ctx, M, V, await onDisk());
      assert.equal(o.status, 'failed');
      assert.equal(o.error?.code, 'E_SUMDB_SECURITY');
      assert.deepEqual(world.events, []);
    });
  });

  describe('bad upstream files fail the version and leave nothing behind', () => {
    it('an .info naming another version', async () => {
      const { world, ctx, onDisk } = setup({ served: { mod: MOD, zip: ZIP, info: infoJSON('v1.2.1') } });
      const o = await mirrorVersion(ctx, M, V, await onDisk());
      assert.equal(o.error?.code, 'E_BAD_RESPONSE');
      assert.match(o.error?.message ?? '', /instead of requested version v1\.2\.0/);
      assert.equal(world.count('commit'), 0);
      assert.deepEqual(world.temporaries(), []);
    });

    it('a zip that fails its check', async () => {
      const { world, ctx, sums, onDisk } = setup({ served: { mod: MOD, zip: 'corrupt' } });
      const o = await mirrorVersion(ctx, M, V, await onDisk());
      assert.equal(o.error?.code, 'E_ZIP_INVALID');
      assert.equal(world.count('commit'), 0);
      assert.deepEqual(world.temporaries(), []);
      assert.equal(sums.size, 0);
    });
  });
});

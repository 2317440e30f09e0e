import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { ChecksumMismatchError, GomirrorError } from '../../../src/errors.js';
import { createSumdbVerifier, type SumdbVerifier } from '../../../src/sumdb/client/verifier.js';
import { verifySumdbMirror } from '../../../src/sumdb/mirror/verify-mirror.js';
import type { ProxyEntry } from '../../../src/upstream/proxy-list.js';
import { parseGosumdb } from '../../../src/sumdb/index.js';
import { treeFiles } from '../../helpers/tree.js';
import { FakeDb, fakeNet, h1, makeKey, type FakeNet, type TestKey } from './fake-db.js';

const NAME = 'sum.test.example';
const DB = 'http://db.test';
const key: TestKey = makeKey(NAME);
const MODS = ['example.com/a', 'example.com/Upper', 'example.com/c'];
const hashesOf = (m: string, v = 'v1.0.0'): { zip: string; mod: string } => ({ zip: h1(`${m}@${v}`), mod: h1(`${m}@${v}/go.mod`) });

/** A database of 700 records: the three modules spread among fillers. */
function makeDb(seed = 'filler'): FakeDb {
  const db = new FakeDb(key, seed);
  db.grow(10);
  for (const m of MODS) {
    db.addModule(m, 'v1.0.0');
    db.grow(290);
  }
  return db;
}

describe('the verifying client (createSumdbVerifier)', () => {
  let root: string;
  let net: FakeNet;
  let db: FakeDb;
  const open = (opts: { gosumdb?: string; upstream?: ProxyEntry[]; nosumdb?: string[] } = {}): SumdbVerifier =>
    createSumdbVerifier({
      spec: parseGosumdb(opts.gosumdb ?? `${key.vkey} ${DB}`) as NonNullable<ReturnType<typeof parseGosumdb>>,
      root,
      upstream: opts.upstream ?? [],
      transport: net.transport,
      nosumdb: opts.nosumdb ?? [],
      concurrency: 4,
    });
  const sumdbFile = (rel: string): string => path.join(root, 'sumdb', NAME, rel);
  const authenticateAll = async (v: SumdbVerifier): Promise<void> => {
    for (const m of MODS) await v.authenticate(m, 'v1.0.0', hashesOf(m));
  };

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'gomirror-sumdb-unit-'));
    net = fakeNet();
    db = makeDb();
    net.routes.set(DB, db);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('verifies versions, publishes the mirror and the state; a later run verifies from the mirror alone', async () => {
    const v = open();
    await authenticateAll(v);
    const r = await v.finish();
    assert.deepEqual({ ...r, refused: r.refused?.message }, { name: NAME, verified: 3, skipped: 0, treeSize: db.size, tilesWritten: r.tilesWritten, lookupsWritten: 3, refused: undefined });
    const files = (await treeFiles(root)).filter((f) => !f.includes('/tile/'));
    assert.deepEqual(files, [
      `.gomirror/sumdb/${NAME}/key`,
      `.gomirror/sumdb/${NAME}/latest`,
      `sumdb/${NAME}/latest`,
      `sumdb/${NAME}/lookup/example.com/!upper@v1.0.0`,
      `sumdb/${NAME}/lookup/example.com/a@v1.0.0`,
      `sumdb/${NAME}/lookup/example.com/c@v1.0.0`,
      `sumdb/${NAME}/supported`,
    ]);
    assert.equal(await readFile(sumdbFile('latest'), 'utf8'), db.signed());
    assert.equal(await readFile(sumdbFile('lookup/example.com/a@v1.0.0'), 'utf8'), db.serve('/lookup/example.com/a@v1.0.0')?.toString());
    assert.deepEqual(await verifySumdbMirror(root, { sumdb: key.vkey, nosumdb: [] }), []);

    net.routes.clear();
    net.requests.length = 0;
    const again = open();
    await authenticateAll(again);
    const r2 = await again.finish();
    assert.equal(r2.refused, undefined);
    assert.deepEqual(net.requests, [], 'nothing fetched: lookups and tiles come from the mirror');
  });

  it('finds the database through a proxy that answers supported, and falls through 404 to the next', async () => {
    net.routes.clear();
    net.routes.set(`http://p1.test/sumdb/${NAME}/supported`, { status: 404 });
    net.routes.set(`http://p2.test/sumdb/${NAME}/supported`, { status: 200 });
    net.routes.set(`http://p2.test/sumdb/${NAME}`, db);
    const entries: ProxyEntry[] = [
      { kind: 'url', url: 'http://p1.test', fallBackOnAnyError: false },
      { kind: 'url', url: 'http://p2.test', fallBackOnAnyError: false },
    ];
    const v = open({ gosumdb: key.vkey, upstream: entries });
    await authenticateAll(v);
    assert.ok(net.requests.every((u) => u.startsWith('http://p1.test/sumdb/') || u.startsWith('http://p2.test/sumdb/')), net.requests.join('\n'));
    assert.equal(net.requests.filter((u) => u.endsWith('/supported')).length, 2, 'supported is asked once per proxy');
  });

  it('goes to https://<name> when no proxy serves the database, and stops at an error after a comma', async () => {
    net.routes.clear();
    net.routes.set(`https://${NAME}`, db);
    const v = open({ gosumdb: key.vkey, upstream: [{ kind: 'url', url: 'http://p.test', fallBackOnAnyError: false }] });
    await v.authenticate(MODS[0] as string, 'v1.0.0', hashesOf(MODS[0] as string));
    assert.ok(net.requests.some((u) => u.startsWith(`https://${NAME}/lookup/`)));

    net.routes.set(`http://p.test/sumdb/${NAME}/supported`, { status: 500 });
    const broken = open({ gosumdb: key.vkey, upstream: [{ kind: 'url', url: 'http://p.test', fallBackOnAnyError: false }] });
    await assert.rejects(broken.authenticate('example.com/a', 'v1.0.0', hashesOf('example.com/a')), (e: unknown) =>
      e instanceof GomirrorError && e.code === 'E_SUMDB' && /unavailable through http:\/\/p\.test/.test(e.message),
    );
    const piped = open({ gosumdb: key.vkey, upstream: [{ kind: 'url', url: 'http://p.test', fallBackOnAnyError: true }] });
    await piped.authenticate('example.com/a', 'v1.0.0', hashesOf('example.com/a'));
  });

  it('stops asking a database that failed five times in a row', async () => {
    net.routes.set(DB, { status: 0 });
    const v = open();
    for (let i = 0; i < 8; i++) {
      await assert.rejects(v.authenticate(`example.com/m${i}`, 'v1.0.0', hashesOf('x')), (e: unknown) => e instanceof GomirrorError && e.code === 'E_NETWORK');
    }
    assert.equal(net.requests.length, 5);
    await assert.rejects(v.authenticate('example.com/m9', 'v1.0.0', hashesOf('x')), /failed 5 times in a row/);
  });

  it('refuses a version whose hash differs from the record, and writes nothing of it', async () => {
    const v = open();
    await assert.rejects(v.authenticate('example.com/a', 'v1.0.0', { ...hashesOf('example.com/a'), zip: h1('tampered') }), (e: unknown) => {
      assert.ok(e instanceof ChecksumMismatchError);
      assert.equal(e.kind, 'security');
      assert.equal(e.expected, hashesOf('example.com/a').zip);
      assert.match(e.message, /SECURITY ERROR: checksum mismatch for example\.com\/a@v1\.0\.0 \(\.zip\).*the checksum database sum\.test\.example/);
      return true;
    });
    await v.authenticate('example.com/c', 'v1.0.0', hashesOf('example.com/c'));
    const r = await v.finish();
    assert.equal(r.lookupsWritten, 1);
    assert.equal((await treeFiles(root)).some((f) => f.includes('example.com/a@')), false);
  });

  it('skips nosumdb modules and names unknown ones with a hint', async () => {
    const v = open({ nosumdb: ['example.com/private*'] });
    await v.authenticate('example.com/private/x', 'v1.0.0', hashesOf('x'));
    await assert.rejects(v.authenticate('example.com/nowhere', 'v1.0.0', hashesOf('x')), (e: unknown) =>
      e instanceof GomirrorError &&
      e.code === 'E_SUMDB' &&
      /^example\.com\/nowhere@v1\.0\.0: verifying with sum\.test\.example: not found in the checksum database/.test(e.message) &&
      /nosumdb/.test(e.hint ?? ''),
    );
    const r = await v.finish();
    assert.equal(r.skipped, 1);
    assert.equal(r.verified, 0);
  });

  it('refuses a record the database altered after signing', async () => {
    db.forged.set('example.com/a@v1.0.0', `example.com/a v1.0.0 ${h1('x')}\nexample.com/a v1.0.0/go.mod ${h1('y')}\n`);
    const v = open();
    await assert.rejects(v.authenticate('example.com/a', 'v1.0.0', { zip: h1('x'), mod: h1('y') }), (e: unknown) =>
      e instanceof GomirrorError && e.code === 'E_SUMDB_SECURITY' && /does not match its signed tree/.test(e.message),
    );
  });

  it('refuses a fork or a rollback, then trusts nothing more from that database and publishes nothing', async () => {
    const v = open();
    await authenticateAll(v);
    await v.finish();
    const state = await readFile(path.join(root, '.gomirror/sumdb', NAME, 'latest'), 'utf8');
    const before = await treeFiles(root);

    const fork = makeDb('forked filler');
    fork.addModule('example.com/new', 'v1.0.0');
    net.routes.set(DB, fork);
    const w = open();
    await assert.rejects(w.authenticate('example.com/new', 'v1.0.0', hashesOf('example.com/new')), (e: unknown) =>
      e instanceof GomirrorError &&
      e.code === 'E_SUMDB_SECURITY' &&
      new RegExp(`^example\\.com/new@v1\\.0\\.0: .*SECURITY ERROR: checksum database sum\\.test\\.example misbehaved: its tree of size ${fork.size} does not contain its earlier tree of size ${db.size} \\(a fork`).test(e.message),
    );
    await assert.rejects(w.authenticate('example.com/a', 'v1.0.0', hashesOf('example.com/a')), /misbehaved/);
    const r = await w.finish();
    assert.match(r.refused?.message ?? '', /misbehaved/);
    assert.equal(await readFile(path.join(root, '.gomirror/sumdb', NAME, 'latest'), 'utf8'), state);
    assert.deepEqual(await treeFiles(root), before);
  });

  it('fetches a damaged stored lookup again, and heals a damaged mirror tile', async () => {
    const v = open();
    await authenticateAll(v);
    await v.finish();
    await writeFile(sumdbFile('lookup/example.com/a@v1.0.0'), 'garbage');
    const tiles = (await treeFiles(root)).filter((f) => /tile\/8\/0\/\d{3}$/.test(f));
    const tile = path.join(root, tiles[0] as string);
    const good = await readFile(tile);
    await writeFile(tile, Buffer.alloc(good.length, 1));
    db.grow(5);
    const w = open();
    await authenticateAll(w);
    const r = await w.finish();
    assert.equal(r.refused, undefined);
    assert.equal(r.lookupsWritten, 1);
    assert.deepEqual(await readFile(tile), good);
    assert.deepEqual(await verifySumdbMirror(root, { sumdb: key.vkey }), []);
  });

  it('verifySumdbMirror names a missing tile, an altered record, a hash the tree disagrees with and a missing lookup', async () => {
    db.grow(3);
    const v = open();
    await authenticateAll(v);
    db.grow(40);
    db.addModule('example.com/later', 'v1.0.0');
    await v.authenticate('example.com/later', 'v1.0.0', hashesOf('example.com/later'));
    await v.finish();
    assert.deepEqual(await verifySumdbMirror(root, { sumdb: key.vkey }), []);

    const partials = (await treeFiles(root)).filter((f) => f.includes('/tile/8/0/') && f.includes('.p/'));
    assert.ok(partials.length >= 2, 'notes of two tree sizes: two partial level-0 tiles');
    await rm(path.join(root, partials[0] as string));
    const lookup = sumdbFile('lookup/example.com/c@v1.0.0');
    const original = await readFile(lookup, 'utf8');
    await writeFile(lookup, original.replace(hashesOf('example.com/c').zip, h1('other')));
    await writeFile(path.join(root, '.gomirror/go.sum'), `example.com/a v1.0.0 ${h1('different')}\nexample.com/b v1.0.0 ${h1('b')}\n`);
    const problems = await verifySumdbMirror(root, { sumdb: key.vkey, nosumdb: [] });
    const summary = problems.map((p) => `${p.code} ${p.file}: ${p.message}`);
    const expectOne = (re: RegExp): void => assert.equal(summary.filter((p) => re.test(p)).length, 1, `${re}\n${summary.join('\n')}`);
    expectOne(new RegExp(`^E_SUMDB ${partials[0]?.replace(/[.]/g, '\\.')}: missing`));
    expectOne(/^E_SUMDB_SECURITY sumdb\/sum\.test\.example\/lookup\/example\.com\/c@v1\.0\.0: record \d+ is not the one in the signed tree/);
    expectOne(/^E_CHECKSUM_MISMATCH sumdb\/sum\.test\.example\/lookup\/example\.com\/a@v1\.0\.0: the database has h1:\S+ for the \.zip, the tree h1:/);
    expectOne(/^E_SUMDB sumdb\/sum\.test\.example\/lookup: no lookup for example\.com\/b@v1\.0\.0/);
    assert.deepEqual(await verifySumdbMirror(path.join(root, 'nothing-here')), []);
  });
});

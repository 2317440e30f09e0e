/**
 * `gomirror publish` runs in memory that does not grow with the tree (issue
 * 17). Over a tree of 20,000 versions (60,200 files) written straight to disk,
 * publish runs as a child process with an old-space limit the code before the
 * fix needed more than (checked when the limits were chosen): it held rsync's
 * whole output, every change and the report as one string; for S3 the whole
 * tree listing, the whole record and the whole plan. Here such a structure
 * fails with "heap out of memory" instead of passing.
 */
import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { decodeState, encodeState, STATE_KEY, type PublishedObject } from '../../src/publish/index.js';
import { describeCli, runCli } from '../helpers/cli.js';
import { writeFlatTree } from '../helpers/flat-tree.js';
import { S3RVER_CREDENTIALS, startS3Server, type S3Server } from '../helpers/s3-server.js';

const MODULES = 200;
const PER_MODULE = 100;
// A .info, .mod and .zip per version, a list per module.
const FILES = MODULES * PER_MODULE * 3 + MODULES;

let work: string;
let root: string;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'gomirror-scale-publish-'));
  root = path.join(work, 'tree');
  await writeFlatTree(root, MODULES, PER_MODULE);
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** `gomirror <args>` with V8's old space capped at `mb`. */
function runCapped(mb: number, args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof runCli> {
  return runCli(args, { env: { ...env, NODE_OPTIONS: `--max-old-space-size=${mb}` } });
}

interface Report {
  ok: boolean;
  targets: { destination: string; ok: boolean; sent: number; deleted: number; unchanged?: number; changes: { code: string; path: string }[] }[];
}

/** Every file of the flat tree, in path order. */
function treeFiles(): string[] {
  const out: string[] = [];
  for (let j = 0; j < MODULES; j++) {
    const dir = `flat.example.com/m${j}/@v`;
    out.push(`${dir}/list`);
    for (let i = 0; i < PER_MODULE; i++) for (const ext of ['info', 'mod', 'zip']) out.push(`${dir}/v1.0.${i}.${ext}`);
  }
  return out.sort();
}

describe(`publish in flat memory (${FILES} files written straight to disk)`, () => {
  // At 24 MB the code that held rsync's output, the changes and the report whole died of heap exhaustion here;
  // the streamed one passes at 16, so 20 gives room.
  it('rsync: a --dry-run prints, and a publish reports, every file without holding them (old space 20 MB)', async () => {
    const dest = path.join(work, 'rsync-dest');
    const report = path.join(work, 'rsync-report.json');
    const dry = await runCapped(20, ['publish', '--root', root, '--to', dest, '--dry-run', '--report', report, '--log-format', 'json']);
    assert.equal(dry.code, 0, describeCli(dry));
    const printed = dry.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { msg?: string }).msg ?? '')
      .filter((m) => m.startsWith(`${dest}: >f`));
    assert.equal(printed.length, FILES, 'a line per file that would be sent');
    await assert.rejects(stat(dest), 'a dry run sends nothing');

    const r = await runCapped(20, ['publish', '--root', root, '--to', dest, '--report', report, '--log-format', 'json']);
    assert.equal(r.code, 0, describeCli(r));
    const doc = JSON.parse(await readFile(report, 'utf8')) as Report;
    const t = doc.targets[0] as Report['targets'][number];
    assert.equal(t?.sent, FILES);
    const sent = t.changes.filter((c) => c.code.startsWith('>f')).map((c) => c.path);
    assert.deepEqual([...sent].sort(), treeFiles(), 'the report names every file sent');
    assert.equal((await stat(path.join(dest, 'flat.example.com/m199/@v/v1.0.99.zip'))).size, 'not a zip'.length);
  });

  describe('S3', () => {
    let s3: S3Server;
    let env: NodeJS.ProcessEnv;
    before(async () => {
      s3 = await startS3Server('goproxy');
      env = { ...S3RVER_CREDENTIALS, AWS_ENDPOINT_URL_S3: s3.url, AWS_REGION: 'us-east-1' };
    });
    after(() => s3.close());

    // At 32 MB the code that listed the tree and planned every upload in memory died here; the streamed one passes at 20.
    it('a --dry-run to an empty bucket plans every file on disk (old space 24 MB)', async () => {
      const report = path.join(work, 's3-dry.json');
      const r = await runCapped(24, ['publish', '--root', root, '--to', 's3://goproxy/p', '--dry-run', '--report', report, '--log-format', 'json'], env);
      assert.equal(r.code, 0, describeCli(r));
      const doc = JSON.parse(await readFile(report, 'utf8')) as Report;
      const t = doc.targets[0] as Report['targets'][number];
      assert.deepEqual([t?.sent, t?.unchanged], [FILES, 0]);
      // Module files first, lists after them, each phase in path order.
      const lists = treeFiles().filter((f) => f.endsWith('/list'));
      const versions = treeFiles().filter((f) => !f.endsWith('/list'));
      assert.deepEqual(
        t.changes.map((c) => `${c.code} ${c.path}`),
        [...versions, ...lists].map((f) => `upload ${f}`),
      );
      assert.deepEqual(await s3.keys(), [], 'a dry run sends nothing');
    });

    // At 32 MB the code that read the record whole died here; the streamed one passes at 20.
    it('a publish over a full record reads and rewrites it a line at a time (old space 24 MB)', async () => {
      // The record a publish of this tree would have left, and one object since gone from the tree.
      const objects: Record<string, PublishedObject> = {};
      for (const rel of treeFiles()) {
        const st = await stat(path.join(root, rel));
        objects[rel] = { size: st.size, sha256: '0'.repeat(64), mtimeMs: st.mtimeMs };
      }
      const gone = 'flat.example.com/gone/@v/v1.0.0.zip';
      objects[gone] = { size: 1, sha256: '1'.repeat(64), mtimeMs: 1 };
      const client = new S3Client({ endpoint: s3.url, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
      await client.send(new PutObjectCommand({ Bucket: 'goproxy', Key: `p/${STATE_KEY}`, Body: encodeState({ objects, missingSince: {} }, 0) }));
      client.destroy();

      const r = await runCapped(24, ['publish', '--root', root, '--to', 's3://goproxy/p', '--log-format', 'json'], env);
      assert.equal(r.code, 0, describeCli(r));
      assert.match(r.stdout, /s3:\/\/goproxy\/p: send 0 files, delete 0, 60200 unchanged/);
      // The gone object is now recorded as missing: the record was rewritten, with every object still in it.
      const state = decodeState((await s3.get(`p/${STATE_KEY}`)).body, 'record');
      assert.deepEqual(Object.keys(state.missingSince), [gone]);
      assert.equal(Object.keys(state.objects).length, FILES + 1);
      assert.deepEqual(state.objects['flat.example.com/m7/@v/list'], objects['flat.example.com/m7/@v/list']);
      assert.deepEqual(await s3.keys(), [`p/${STATE_KEY}`], 'nothing sent but the record');
    });
  });
});

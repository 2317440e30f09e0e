import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { GomirrorError } from '../../../src/errors.js';
import type { Logger } from '../../../src/logger.js';
import { createRsyncRunner, publishTree, RsyncMissingError, type ObjectStore, type RsyncRunner } from '../../../src/publish/index.js';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
    progress: () => undefined,
  };
}

/** A runner that answers from a script, keyed by destination and pass, and records every call. */
function fakeRunner(answer: (target: string, call: number) => string | Error): RsyncRunner & { calls: string[][] } {
  const calls: string[][] = [];
  const run = async (args: readonly string[]): Promise<string> => {
    calls.push([...args]);
    const a = answer(args.at(-1) as string, calls.length);
    if (a instanceof Error) throw a;
    return a;
  };
  return Object.assign(run, { calls });
}

// publish takes the tree lock: a tree of its own, never the shared tmpdir.
const root = mkdtempSync(path.join(tmpdir(), 'gomirror-unit-publish-'));

describe('publishTree', () => {
  it('runs the passes of each destination in order, the destinations at once, and counts files', async () => {
    const run = fakeRunner(() => '>f+++++++++ a/@v/v1.0.0.zip\n*deleting   a/@v/old.zip\n');
    const logger = recordingLogger();
    const r = await publishTree({ root, to: ['/m1', 'host:/m2'], delete: true, dryRun: false }, logger, run);
    assert.equal(r.ok, true);
    assert.deepEqual(r.outcomes.map((o) => [o.destination, o.sent, o.deleted]), [['/m1', 3, 3], ['host:/m2', 3, 3]]);
    // Both destinations start before either finishes its first pass.
    // At once: each destination starts before the other's last pass (the exact interleaving follows the spools' I/O).
    const dests = run.calls.map((c) => c.at(-1));
    assert.deepEqual([...dests].sort(), ['/m1/', '/m1/', '/m1/', 'host:/m2/', 'host:/m2/', 'host:/m2/']);
    assert.ok(dests.indexOf('host:/m2/') < dests.lastIndexOf('/m1/') && dests.indexOf('/m1/') < dests.lastIndexOf('host:/m2/'), dests.join(' '));
    for (const dest of ['/m1/', 'host:/m2/']) {
      const calls = run.calls.filter((c) => c.at(-1) === dest);
      assert.ok(calls[0]?.includes('--exclude=@v/list'), 'modules pass first');
      assert.ok(calls[1]?.includes('--include=@v/list'), 'index pass second');
      assert.ok(calls[2]?.includes('--delete'), 'delete pass last');
    }
    // Each destination says its passes in order; which destination speaks first follows the I/O.
    for (const dest of ['/m1', 'host:/m2']) {
      const mine = logger.lines.filter((l) => l.startsWith(`info: ${dest}: `));
      assert.equal(mine[0], `info: ${dest}: modules pass: 2 files changed`, logger.lines.join('\n'));
      assert.equal(mine.length, 3, logger.lines.join('\n'));
    }
    // The changes, spooled pass by pass, read back in order.
    assert.deepEqual(
      (await r.outcomes[1]?.changes.array())?.map((c) => `${c.code} ${c.path}`),
      Array(3).fill(['>f+++++++++ a/@v/v1.0.0.zip', '*deleting a/@v/old.zip']).flat(),
    );
    await r.dispose();
  });

  it('a failed destination stops its own passes, not the others, and fails the run', async () => {
    const refused = new GomirrorError('E_RSYNC', 'rsync exited 10: error in socket I/O', { hint: 'check the host' });
    const run = fakeRunner((target) => (target.startsWith('rsync://') ? refused : ''));
    const logger = recordingLogger();
    const r = await publishTree({ root, to: ['rsync://127.0.0.1:1/m', '/m2'], delete: false, dryRun: false }, logger, run);
    assert.equal(r.ok, false);
    assert.deepEqual(r.outcomes.map((o) => o.ok), [false, true]);
    assert.equal(r.outcomes[0]?.error?.code, 'E_RSYNC');
    assert.equal(r.outcomes[0]?.error?.message, 'publish to rsync://127.0.0.1:1/m failed in the modules pass: rsync exited 10: error in socket I/O');
    assert.equal(r.outcomes[0]?.error?.hint, 'check the host');
    assert.equal(r.outcomes[0]?.error?.cause, refused);
    // The failed destination never got its index pass: no list can name missing files there.
    // The failed destination's one pass, the other's later ones; the destinations interleave as their I/O goes.
    assert.deepEqual(run.calls.map((c) => c.at(-1)).sort(), ['/m2/', '/m2/', 'rsync://127.0.0.1:1/m/']);
    assert.match(logger.lines.join('\n'), /^error: publish to rsync:\/\/127\.0\.0\.1:1\/m failed/m);
    assert.equal(r.outcomes[0]?.changes.length, 0, 'a failed pass reports no changes');
    await r.dispose();
  });

  it('a missing rsync is said once, not once per destination', async () => {
    const run = fakeRunner(() => new RsyncMissingError('rsync', new Error('spawn rsync ENOENT')));
    const logger = recordingLogger();
    const r = await publishTree({ root, to: ['/a', '/b'], delete: false, dryRun: false }, logger, run);
    assert.equal(r.ok, false);
    assert.deepEqual(r.outcomes.map((o) => o.ok), [false, false]);
    assert.match(r.outcomes[0]?.error?.message ?? '', /rsync is not installed/);
    assert.match(r.outcomes[0]?.error?.hint ?? '', /apt-get install rsync/);
    assert.deepEqual(logger.lines, ['error: rsync is not installed: cannot run rsync']);
    await r.dispose();
  });

  it('refuses a missing root or no destination before running anything', async () => {
    const run = fakeRunner(() => '');
    await assert.rejects(publishTree({ root: path.join(root, 'no-such-tree-x'), to: ['/m'], delete: false, dryRun: false }, recordingLogger(), run), {
      code: 'E_USAGE',
      message: /is not a directory$/,
    });
    await assert.rejects(publishTree({ root, to: [], delete: false, dryRun: false }, recordingLogger(), run), { code: 'E_USAGE' });
    await assert.rejects(publishTree({ root, to: ['/m'], delete: false, dryRun: false, bwlimit: -5 }, recordingLogger(), run), {
      code: 'E_USAGE',
      message: '--bwlimit -5: give a whole number of KiB/s above 0',
    });
    assert.deepEqual(run.calls, []);
  });
});

describe('createRsyncRunner', () => {
  it('turns a missing program into RsyncMissingError with the install command', async () => {
    const run = createRsyncRunner('/nonexistent/rsync-x');
    await assert.rejects(run(['--version'], () => undefined), (err: GomirrorError) => {
      assert.ok(err instanceof RsyncMissingError);
      assert.equal(err.code, 'E_RSYNC');
      assert.equal(err.message, 'rsync is not installed: cannot run /nonexistent/rsync-x');
      assert.equal(err.hint, 'Install it with apt-get install rsync (ssh destinations need it too)');
      return true;
    });
  });

  it('turns a non-zero exit into E_RSYNC with the meaning and the cause kept', async () => {
    // `false` stands in for an rsync that fails: exit 1 with nothing on stderr.
    const run = createRsyncRunner('false');
    await assert.rejects(run([], () => undefined), (err: GomirrorError) => {
      assert.equal(err.code, 'E_RSYNC');
      assert.equal(err.message, 'rsync exited 1: syntax or usage error');
      assert.ok(err.cause instanceof Error);
      return true;
    });
  });
});

describe('publishTree with S3 targets', () => {
  const memory = (): ObjectStore & { keys: string[] } => {
    const keys: string[] = [];
    return {
      keys,
      get: async () => undefined,
      async putFile(key) {
        keys.push(key);
        return { size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' };
      },
      putBytes: async (key) => void keys.push(key),
      delete: async () => undefined,
    };
  };

  it('refuses S3 credentials that do not resolve before any target starts', async () => {
    const run = fakeRunner(() => '');
    const openS3 = async (): Promise<ObjectStore> => {
      throw new GomirrorError('E_USAGE', 's3://b: no AWS credentials found');
    };
    await assert.rejects(publishTree({ root, to: ['/m1', 's3://bucket/p'], delete: false, dryRun: false }, recordingLogger(), { rsync: run, openS3 }), {
      code: 'E_USAGE',
      message: 's3://b: no AWS credentials found',
    });
    assert.deepEqual(run.calls, []);
  });

  it('publishes rsync and S3 targets side by side and writes a report with one entry per target', async () => {
    const tree = await mkdtemp(path.join(tmpdir(), 'gomirror-unit-publish-s3-'));
    try {
      await mkdir(path.join(tree, 'a.com/@v'), { recursive: true });
      await writeFile(path.join(tree, 'a.com/@v/list'), '');
      const refused = new GomirrorError('E_RSYNC', 'rsync exited 10: error in socket I/O');
      const run = fakeRunner(() => refused);
      const store = memory();
      const report = path.join(tree, 'report.json');
      const r = await publishTree(
        { root: tree, to: ['rsync://h/m', 's3://bucket/p'], delete: false, dryRun: false, report },
        recordingLogger(),
        { rsync: run, openS3: async () => store },
      );
      assert.equal(r.ok, false);
      assert.deepEqual(r.outcomes.map((o) => [o.destination, o.kind, o.ok, o.sent]), [
        ['rsync://h/m', 'daemon', false, 0],
        ['s3://bucket/p', 's3', true, 1],
      ]);
      assert.deepEqual(store.keys, ['p/a.com/@v/list', 'p/.gomirror/published.json.gz']);
      const doc = JSON.parse(await readFile(report, 'utf8')) as { ok: boolean; targets: { destination: string; ok: boolean; error?: { code: string } }[] };
      assert.equal(doc.ok, false);
      assert.deepEqual(doc.targets.map((t) => [t.destination, t.ok, t.error?.code]), [
        ['rsync://h/m', false, 'E_RSYNC'],
        ['s3://bucket/p', true, undefined],
      ]);
      await r.dispose();
    } finally {
      await rm(tree, { recursive: true, force: true });
    }
  });

  it('refuses a target named twice and bad numbers', async () => {
    for (const [opts, message] of [
      [{ to: ['s3://bucket/p', 's3://bucket/p/'] }, '--to s3://bucket/p is named twice'],
      [{ to: ['/m'], concurrency: 0 }, '--concurrency 0: give a whole number from 1 to 256'],
      [{ to: ['/m'], listMaxAge: -1 }, '--list-max-age -1: give whole seconds from 0 to 31536000'],
    ] as const) {
      await assert.rejects(publishTree({ root, delete: false, dryRun: false, ...opts }, recordingLogger(), fakeRunner(() => '')), { code: 'E_USAGE', message });
    }
  });
});

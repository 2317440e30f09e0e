/**
 * stageVersion: check a version's zip, then write its new files (fsynced,
 * under temp names, nothing renamed), inline and through the built worker
 * pool a sync uses. The zip check itself is covered by zip-check.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { escapePath, escapeVersion } from '../../../src/module/index.js';
import { createStagePool } from '../../../src/mirror/stage-pool.js';
import { stageVersion, type Stager } from '../../../src/mirror/stage.js';
import { buildUpstream, type Upstream } from '../../helpers/fixture-upstream.js';
import { builtStagePool } from '../../helpers/built.js';

const MODULE = 'example.com/Staged';
const VERSION = 'v1.2.0';
const GO_MOD = `module ${MODULE}\n\ngo 1.17\n`;

const WAYS: { name: string; open: () => Promise<{ stage: Stager; close: () => Promise<void> }> }[] = [
  { name: 'inline', open: async () => ({ stage: stageVersion, close: async () => undefined }) },
  {
    name: 'on a worker thread',
    open: async () => {
      const pool = await builtStagePool(1);
      return { stage: (job) => pool.stage(job), close: () => pool.close() };
    },
  },
];

for (const way of WAYS) {
  describe(`stageVersion ${way.name}`, () => {
    let upstream: Upstream;
    let work: string;
    let zip: string;
    let stage: Stager;
    let close: () => Promise<void>;

    before(async () => {
      upstream = await buildUpstream({ modules: [{ path: MODULE, versions: [{ version: VERSION, files: { 'a.go': 'package a\n' } }] }] });
      zip = path.join(upstream.dir, escapePath(MODULE), '@v', `${escapeVersion(VERSION)}.zip`);
      work = await mkdtemp(path.join(tmpdir(), 'gomirror-stage-'));
      ({ stage, close } = await way.open());
    });
    after(async () => {
      await close();
      await upstream.cleanup();
      await rm(work, { recursive: true, force: true });
    });

    it("checks the zip against x/mod's hash and writes the new files byte for byte", async () => {
      const mod = path.join(work, 'v1.2.0.mod.tmp-1');
      const info = path.join(work, 'v1.2.0.info.tmp-1');
      const infoBytes = Buffer.from('{"Version":"v1.2.0","Time":"2024-01-01T00:00:00Z"}');
      const result = await stage({
        zip: { file: zip, modulePath: MODULE, version: VERSION, goMod: Buffer.from(GO_MOD), fsync: true },
        files: [
          { file: mod, data: Buffer.from(GO_MOD) },
          { file: info, data: infoBytes },
        ],
      });
      assert.equal(result.zip?.h1, upstream.hashes.get(`${MODULE} ${VERSION}`));
      assert.equal(result.zip?.goMod?.toString(), GO_MOD);
      assert.equal(await readFile(mod, 'utf8'), GO_MOD);
      assert.deepEqual(await readFile(info), infoBytes);
    });

    it('writes nothing when the zip fails its check', async () => {
      const dir = await mkdtemp(path.join(work, 'bad-'));
      const other = Buffer.from(`module ${MODULE}\n\ngo 1.21\n`);
      await assert.rejects(
        stage({ zip: { file: zip, modulePath: MODULE, version: VERSION, goMod: other, fsync: true }, files: [{ file: path.join(dir, 'x.mod.tmp'), data: other }] }),
        (err: Error & { code?: string }) => err.code === 'E_ZIP_INVALID' && /go\.mod in zip differs from \.mod file/.test(err.message),
      );
      assert.deepEqual(await readdir(dir), []);
    });

    it('never overwrites an existing file, and says which file failed', async () => {
      const taken = path.join(work, 'taken.tmp');
      await writeFile(taken, 'already here');
      await assert.rejects(stage({ files: [{ file: taken, data: Buffer.from('new') }] }), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'E_FS');
        assert.ok(err.message.includes(taken), err.message);
        return true;
      });
      assert.equal(await readFile(taken, 'utf8'), 'already here');
    });
  });
}

describe('the staging pool', () => {
  it('runs the jobs on this thread when its worker cannot start', async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'gomirror-stage-'));
    const pool = createStagePool(2, new URL('file:///nonexistent/stage-worker.js'));
    try {
      const files = [1, 2, 3].map((i) => ({ file: path.join(work, `f${i}.tmp`), data: Buffer.from(`file ${i}\n`) }));
      await Promise.all(files.map((f) => pool.stage({ files: [f] })));
      for (const f of files) assert.equal(await readFile(f.file, 'utf8'), f.data.toString());
    } finally {
      await pool.close();
      await rm(work, { recursive: true, force: true });
    }
  });
});

describe('the staging pool when a worker dies', () => {
  /** A worker entry (plain JS, outside the build) doing `body` with each job it gets. */
  const workerFile = async (dir: string, body: string): Promise<URL> => {
    const file = path.join(dir, `worker-${Math.random().toString(36).slice(2)}.mjs`);
    await writeFile(
      file,
      `import { parentPort } from 'node:worker_threads';\nimport { writeFileSync } from 'node:fs';\n` +
        `parentPort.on('message', ({ id, job }) => { ${body} });\n`,
    );
    return pathToFileURL(file);
  };
  // The worker writes a partial temp file for every job (as a crash mid-write leaves it), then dies.
  const cases: Array<[string, string]> = [
    ['exits without an error', `for (const f of job.files) writeFileSync(f.file, 'partial'); process.exit(0);`],
    ['crashes', `for (const f of job.files) writeFileSync(f.file, 'partial'); throw new Error('worker crashed');`],
  ];
  for (const [what, body] of cases) {
    it(`a worker that ${what} hands its jobs back; this thread redoes them over the temp files it left`, { timeout: 20_000 }, async () => {
      const work = await mkdtemp(path.join(tmpdir(), 'gomirror-stage-'));
      const reasons: string[] = [];
      const pool = createStagePool(1, await workerFile(work, body), (e) => reasons.push(e.message));
      try {
        const files = [1, 2, 3].map((i) => ({ file: path.join(work, `f${i}.tmp`), data: Buffer.from(`file ${i}\n`) }));
        await Promise.all(files.map((f) => pool.stage({ files: [f] })));
        for (const f of files) assert.equal(await readFile(f.file, 'utf8'), f.data.toString());
        assert.equal(reasons.length, 1, 'reported once');
        assert.match(reasons[0] ?? '', what === 'crashes' ? /worker crashed/ : /staging worker exited \(code 0\)/);
      } finally {
        await pool.close();
        await rm(work, { recursive: true, force: true });
      }
    });
  }

  it('a worker that cannot load is reported, not silent', async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'gomirror-stage-'));
    const reasons: string[] = [];
    const pool = createStagePool(2, new URL('file:///nonexistent/stage-worker.js'), (e) => reasons.push(e.message));
    try {
      const f = { file: path.join(work, 'f.tmp'), data: Buffer.from('x') };
      await pool.stage({ files: [f] });
      assert.equal(reasons.length, 1);
      assert.match(reasons[0] ?? '', /Cannot find module|ERR_MODULE_NOT_FOUND|nonexistent/);
    } finally {
      await pool.close();
      await rm(work, { recursive: true, force: true });
    }
  });
});

describe('warming the staging pool', () => {
  it('warm() starts one worker before any job, and that worker takes the jobs', { timeout: 20_000 }, async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'gomirror-stage-warm-'));
    const loads = path.join(work, 'loads');
    const entry = path.join(work, 'worker.mjs');
    await writeFile(
      entry,
      `import { parentPort } from 'node:worker_threads';\nimport { appendFileSync } from 'node:fs';\n` +
        `appendFileSync(${JSON.stringify(loads)}, 'loaded\\n');\n` +
        `parentPort.on('message', ({ id }) => parentPort.postMessage({ id, result: {} }));\n`,
    );
    const pool = createStagePool(1, pathToFileURL(entry));
    try {
      pool.warm();
      pool.warm();
      for (let i = 0; i < 2000 && !(await readFile(loads, 'utf8').catch(() => '')); i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(await readFile(loads, 'utf8'), 'loaded\n', 'loaded before any job was staged');
      await Promise.all([pool.stage({ files: [] }), pool.stage({ files: [] })]);
      assert.equal(await readFile(loads, 'utf8'), 'loaded\n', 'one worker took both jobs');
    } finally {
      await pool.close();
      await rm(work, { recursive: true, force: true });
    }
  });
});

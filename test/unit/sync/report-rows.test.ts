/**
 * The streamed report (report-rows.ts): modules added in any order, spilled
 * beside the report file, and written in module order must give exactly the
 * bytes JSON.stringify(buildSyncReport(...), null, 2) gives, while only the
 * rows of modules that did not go well stay in memory.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GomirrorError } from '../../../src/errors.js';
import { buildSyncReport, type ReportHeader } from '../../../src/sync/report.js';
import { createReportRows } from '../../../src/sync/report-rows.js';
import type { ModuleOutcome } from '../../../src/sync/run.js';

const header: ReportHeader = {
  toolVersion: '0.0.0-test',
  dryRun: false,
  root: '/srv/goproxy',
  upstream: 'http://127.0.0.1:1',
  startedAt: new Date('2026-01-01T00:00:00Z'),
  finishedAt: new Date('2026-01-01T00:01:02.345Z'),
  requests: 12,
  retries: 1,
  graphBytes: 99,
};

function outcome(i: number): ModuleOutcome {
  const module = `example.com/m${String(i).padStart(3, '0')}`;
  const versions = [3, 1, 2].map((n) => ({
    module,
    version: `v1.${n}.0`,
    status: (i % 7 === 0 && n === 2 ? 'failed' : i % 2 ? 'fetched' : 'present') as 'fetched' | 'present' | 'failed',
    bytes: i % 2 ? 100 * n : 0,
    source: (n === 1 ? 'dependency' : 'root') as 'dependency' | 'root',
    from: n === 1 ? `example.com/x@v1.0.0` : `mirror.json: modules[${i}]`,
    ...(i % 5 === 0 && n === 3 ? { modOnly: true } : {}),
    ...(i % 7 === 0 && n === 2 ? { error: new GomirrorError('E_NETWORK', `${module}@v1.2.0: reset "quoted"\nline`) } : {}),
  }));
  return {
    module,
    versions,
    errors: i % 11 === 0 ? [new GomirrorError('E_NOT_FOUND', 'no such version', { hint: 'check it' })] : [],
    planned: [],
    seconds: i / 1000,
    ...(i % 13 === 0 ? { resolved: [`mirror.json: modules[${i}]: main is v0.0.0-2024`] } : {}),
  };
}

describe('streamed sync report', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gomirror-rows-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const outcomes = Array.from({ length: 60 }, (_, i) => outcome(i));
  // Modules finish in no particular order.
  const shuffled = [...outcomes].sort((a, b) => ((a.module.length * 31 + Number(a.module.slice(-2)) * 17) % 23) - ((b.module.length * 31 + Number(b.module.slice(-2)) * 17) % 23));
  const retries = new Map([['example.com/m004', 2]]);

  it('writes the bytes JSON.stringify gives for the whole report, and keeps only the rows that did not go well', async () => {
    const file = path.join(dir, 'report.json');
    // Small chunks: the spill file is written many times.
    const rows = createReportRows({ dryRun: false, file, moduleRetries: retries, chunkBytes: 2000 });
    for (const o of shuffled) await rows.add(o);
    const { report } = rows.report(header);
    await rows.write(file, report);
    await rows.close();
    const whole = buildSyncReport({ ...header, outcomes, moduleRetries: retries });
    assert.equal(await readFile(file, 'utf8'), JSON.stringify(whole, null, 2) + '\n');
    assert.deepEqual(report.summary, whole.summary);
    assert.equal(report.ok, whole.ok);
    assert.deepEqual(report.modules, whole.modules.filter((m) => !m.ok), 'only modules that did not go well stay in memory');
    assert.ok(report.modules.length < outcomes.length / 2);
    assert.deepEqual([...rows.changed].sort(), whole.modules.filter((m) => m.fetched > 0).map((m) => m.path));
    assert.deepEqual(await readdir(dir), ['report.json'], 'the spill file is gone');
  });

  it('adds unfinished modules to a report written midway (an interrupted run)', async () => {
    const file = path.join(dir, 'partial.json');
    const rows = createReportRows({ dryRun: false, file, chunkBytes: 3000 });
    const [done, unfinished] = [shuffled.slice(0, 40), shuffled.slice(40)];
    for (const o of done) await rows.add(o);
    const { report, extra } = rows.report(header, unfinished);
    const interrupted = { ...report, ok: false, fatal: { code: 'E_INTERRUPTED', message: 'interrupted by SIGTERM' } };
    await rows.write(file, interrupted, extra);
    await rows.close();
    const whole = buildSyncReport({ ...header, outcomes });
    assert.equal(await readFile(file, 'utf8'), JSON.stringify({ ...whole, ok: false, fatal: interrupted.fatal }, null, 2) + '\n');
  });

  it('writes an empty report as JSON.stringify does, and keeps every row of a dry run', async () => {
    const file = path.join(dir, 'empty.json');
    const rows = createReportRows({ dryRun: false, file });
    await rows.write(file, rows.report(header).report);
    await rows.close();
    assert.equal(await readFile(file, 'utf8'), JSON.stringify(buildSyncReport({ ...header, outcomes: [] }), null, 2) + '\n');

    const dry = createReportRows({ dryRun: true });
    for (const o of shuffled) await dry.add(o);
    const { report } = dry.report({ ...header, dryRun: true });
    assert.deepEqual(report, buildSyncReport({ ...header, dryRun: true, outcomes }));
    await dry.close();
  });
});

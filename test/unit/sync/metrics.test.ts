import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { formatSyncMetrics, parseLastSuccess, writeSyncMetrics } from '../../../src/sync/metrics.js';
import type { SyncReport } from '../../../src/sync/report.js';

function report(over: Partial<SyncReport['summary']> = {}, ok = true): SyncReport {
  return {
    tool: 'gomirror',
    toolVersion: '0.0.0',
    command: 'sync',
    dryRun: false,
    root: '/srv/goproxy',
    upstream: 'https://proxy.example',
    startedAt: '2025-01-01T00:00:00.000Z',
    finishedAt: '2025-01-01T00:01:00.000Z',
    durationSeconds: 60,
    ok,
    summary: { modules: 3, versions: 10, fetched: 4, present: 5, failed: 1, planned: 0, errors: 2, bytes: 12345, requests: 40, retries: 7, ...over },
    modules: [],
  };
}

/** `name{labels} value` lines as a map. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

describe('formatSyncMetrics', () => {
  it('counts the versions known vulnerabilities affect, and those the policy skipped (0 without a database)', () => {
    const r = 'root="/srv/goproxy"';
    const s = samples(formatSyncMetrics({ root: '/srv/goproxy', startedAt: 1, finishedAt: 2, report: report({ vulnerable: 3, vulnerableSkipped: 1 }) }));
    assert.equal(s.get(`gomirror_sync_vulnerable_versions{${r}}`), 3);
    assert.equal(s.get(`gomirror_sync_vulnerable_skipped{${r}}`), 1);
    const none = samples(formatSyncMetrics({ root: '/srv/goproxy', startedAt: 1, finishedAt: 2, report: report() }));
    assert.equal(none.get(`gomirror_sync_vulnerable_versions{${r}}`), 0);
  });

  it('renders every gauge of a successful run with HELP and TYPE once per name', () => {
    const text = formatSyncMetrics({ root: '/srv/goproxy', startedAt: 1000, finishedAt: 1061.5, report: report({ failed: 0, errors: 0 }) });
    const s = samples(text);
    const r = 'root="/srv/goproxy"';
    assert.equal(s.get(`gomirror_sync_success{${r}}`), 1);
    assert.equal(s.get(`gomirror_sync_last_run_timestamp_seconds{${r}}`), 1061.5);
    assert.equal(s.get(`gomirror_sync_last_success_timestamp_seconds{${r}}`), 1061.5);
    assert.equal(s.get(`gomirror_sync_duration_seconds{${r}}`), 61.5);
    assert.equal(s.get(`gomirror_sync_modules{${r}}`), 3);
    assert.equal(s.get(`gomirror_sync_versions{${r},status="fetched"}`), 4);
    assert.equal(s.get(`gomirror_sync_versions{${r},status="present"}`), 5);
    assert.equal(s.get(`gomirror_sync_versions{${r},status="failed"}`), 0);
    assert.equal(s.get(`gomirror_sync_downloaded_bytes{${r}}`), 12345);
    assert.equal(s.get(`gomirror_sync_requests{${r}}`), 40);
    assert.equal(s.get(`gomirror_sync_retries{${r}}`), 7);
    assert.equal(s.get(`gomirror_sync_fatal{${r},code=""}`), 0);
    assert.equal(text.match(/^# TYPE gomirror_sync_versions gauge$/gm)?.length, 1);
    for (const name of new Set([...s.keys()].map((k) => k.split('{')[0]))) {
      assert.match(text, new RegExp(`^# HELP ${name} \\S`, 'm'), name);
    }
    assert.ok(text.endsWith('\n'));
  });

  it('a failed run keeps the previous success time and says why it stopped', () => {
    const partial = samples(formatSyncMetrics({ root: '/t', startedAt: 1, finishedAt: 2, report: report({}, false), lastSuccess: 500 }));
    assert.equal(partial.get('gomirror_sync_success{root="/t"}'), 0);
    assert.equal(partial.get('gomirror_sync_last_success_timestamp_seconds{root="/t"}'), 500);
    assert.equal(partial.get('gomirror_sync_versions{root="/t",status="failed"}'), 1);
    const fatal = samples(formatSyncMetrics({ root: '/t', startedAt: 1, finishedAt: 2, fatalCode: 'E_MANIFEST' }));
    assert.equal(fatal.get('gomirror_sync_success{root="/t"}'), 0);
    assert.equal(fatal.get('gomirror_sync_fatal{root="/t",code="E_MANIFEST"}'), 1);
    assert.equal(fatal.get('gomirror_sync_last_success_timestamp_seconds{root="/t"}'), 0);
  });

  it('escapes label values', () => {
    const text = formatSyncMetrics({ root: 'C:\\a "b"\nc', startedAt: 0, finishedAt: 1 });
    assert.match(text, /gomirror_sync_success\{root="C:\\\\a \\"b\\"\\nc"\} 0/);
    assert.equal(parseLastSuccess(formatSyncMetrics({ root: 'C:\\a "b"', startedAt: 0, finishedAt: 9, report: report({ failed: 0, errors: 0 }) }), 'C:\\a "b"'), 9);
  });
});

describe('parseLastSuccess', () => {
  it('finds the value for the same root only', () => {
    const text = formatSyncMetrics({ root: '/a', startedAt: 0, finishedAt: 77, report: report({ failed: 0, errors: 0 }) });
    assert.equal(parseLastSuccess(text, '/a'), 77);
    assert.equal(parseLastSuccess(text, '/b'), undefined);
    assert.equal(parseLastSuccess('garbage\n', '/a'), undefined);
  });
});

describe('writeSyncMetrics', () => {
  it('replaces the file atomically and carries the last success over a failed run', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gomirror-metrics-'));
    try {
      const file = path.join(dir, 'gomirror.prom');
      await writeSyncMetrics(file, { root: '/t', startedAt: 10, finishedAt: 20, report: report({ failed: 0, errors: 0 }) });
      await writeSyncMetrics(file, { root: '/t', startedAt: 30, finishedAt: 40, fatalCode: 'E_NETWORK' });
      const s = samples(await readFile(file, 'utf8'));
      assert.equal(s.get('gomirror_sync_last_success_timestamp_seconds{root="/t"}'), 20);
      assert.equal(s.get('gomirror_sync_last_run_timestamp_seconds{root="/t"}'), 40);
      assert.deepEqual(await readdir(dir), ['gomirror.prom']);
      await writeFile(file, 'not metrics');
      await writeSyncMetrics(file, { root: '/t', startedAt: 30, finishedAt: 40, fatalCode: 'E_NETWORK' });
      assert.equal(samples(await readFile(file, 'utf8')).get('gomirror_sync_last_success_timestamp_seconds{root="/t"}'), 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

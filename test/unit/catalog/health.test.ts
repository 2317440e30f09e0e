import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { compactReport, healthChart, summarizeReport } from '../../../src/catalog/index.js';

function report(startedAt: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    tool: 'gomirror',
    command: 'sync',
    dryRun: false,
    startedAt,
    finishedAt: startedAt,
    durationSeconds: 1.5,
    ok: true,
    summary: { modules: 2, versions: 5, fetched: 3, present: 2, failed: 0, errors: 0, bytes: 2048 },
    modules: [
      { path: 'example.com/a', ok: true, errors: [], versions: [{ version: 'v1.0.0', status: 'fetched', bytes: 10 }] },
      {
        path: 'example.com/<b>',
        ok: false,
        errors: [{ code: 'E_NOT_FOUND', message: 'example.com/<b>: not found' }],
        versions: [
          { version: 'v1.0.0', status: 'present', bytes: 0 },
          { version: 'v2.0.0', status: 'failed', bytes: 0, error: { code: 'E_ZIP_INVALID', message: 'bad zip <script>' } },
        ],
      },
    ],
    ...over,
  };
}

describe('summarizeReport', () => {
  test('counts and every failure with its message', () => {
    const s = summarizeReport(report('2026-01-02T03:04:05.000Z'), 'r.json');
    assert.equal(s?.versions, 5);
    assert.equal(s?.bytes, 2048);
    assert.deepEqual(s?.failures, [
      { what: 'example.com/<b>', code: 'E_NOT_FOUND', message: 'example.com/<b>: not found' },
      { what: 'example.com/<b>@v2.0.0', code: 'E_ZIP_INVALID', message: 'bad zip <script>' },
    ]);
  });

  test('anything that is not a sync report is left out', () => {
    for (const bad of [null, [], 'x', { tool: 'other' }, report('2026-01-01T00:00:00Z', { dryRun: true }), report('not a time')]) {
      assert.equal(summarizeReport(bad, 'x.json'), undefined);
    }
  });

  test('the kept report drops the rows of versions that went well', () => {
    const r = report('2026-01-02T03:04:05.000Z') as unknown as Parameters<typeof compactReport>[0];
    const c = compactReport(r) as unknown as { modules: { path: string; versions: { version: string }[] }[]; summary: unknown };
    assert.deepEqual(c.modules.map((m) => [m.path, m.versions.map((v) => v.version)]), [['example.com/<b>', ['v2.0.0']]]);
    assert.deepEqual(c.summary, (r as unknown as { summary: unknown }).summary);
  });
});

describe('healthChart', () => {
  const runs = [0, 1, 2, 3].map((i) => {
    const s = summarizeReport(report(`2026-01-0${i + 1}T00:00:00Z`, { summary: { versions: 10 * i, bytes: 1000 * i, failed: i === 2 ? 3 : 0, errors: 0 } }), `${i}.json`);
    assert.ok(s);
    return s;
  });

  test('one point per run for versions and bytes, one failure bar per run, a line through the points', () => {
    const svg = healthChart(runs);
    assert.match(svg, /^<svg [^>]*viewBox="0 0 720 260"/);
    assert.equal(svg.match(/<circle class="pt-versions"/g)?.length, 4);
    assert.equal(svg.match(/<rect class="pt-bytes"/g)?.length, 4);
    assert.equal(svg.match(/<rect class="bar-failures/g)?.length, 4);
    assert.equal(svg.match(/<rect class="bar-failures bad"/g)?.length, 1);
    assert.equal(svg.match(/<polyline class="line versions" points="([^"]+)"/)?.[1]?.split(' ').length, 4);
    // Highest run at the top of the plot, the zero run on its baseline.
    const ys = [...svg.matchAll(/<circle class="pt-versions" cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    assert.ok((ys[0] as number) > (ys[3] as number), ys.join());
    assert.match(svg, /<title>2026-01-03 00:00:00 UTC: 3 failures<\/title>/);
  });

  test('a single run is a single point', () => {
    const svg = healthChart(runs.slice(0, 1));
    assert.equal(svg.match(/<circle class="pt-versions"/g)?.length, 1);
    assert.equal(svg.includes('<polyline'), false);
  });
});

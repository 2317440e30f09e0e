/**
 * tightenHeapGrowth keeps V8's young generation at its starting size: a
 * sync makes many objects that survive a scavenge (summaries, plan entries,
 * rows), and V8 then grows the young generation to 2 x 16 MB of RSS that
 * holds no data. Each case runs in a process of its own (V8 flags are
 * process-wide), allocating objects that survive a few scavenges each.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const module = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/heap-growth.ts');

/** The young generation's size (MB) after the churn, in a process started with `execArgv`, tightened first when `tighten`. */
function newSpaceMb(tighten: boolean, execArgv: string[] = [], worker = false): number {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { Worker } from 'node:worker_threads';
    const { tightenHeapGrowth } = await import(${JSON.stringify(module)});
    if (${tighten}) tightenHeapGrowth({});
    if (${worker}) {
      const w = new Worker('setTimeout(() => undefined, 200)', { eval: true });
      await new Promise((resolve) => w.on('exit', resolve));
    }
    const keep = [];
    for (let i = 0; i < 3e6; i++) {
      keep.push({ n: i, s: 'v' + i });
      if (keep.length > 200000) keep.splice(0, 100000);
    }
    const s = getHeapSpaceStatistics().find((x) => x.space_name === 'new_space');
    console.log(s.space_size);`;
  const r = spawnSync(process.execPath, [...execArgv, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim()) / (1 << 20);
}

describe('tightenHeapGrowth', () => {
  it('keeps the young generation small where V8 would grow it to its largest', () => {
    assert.ok(newSpaceMb(false) >= 16, 'the churn grows an untouched young generation');
    assert.ok(newSpaceMb(true) <= 8, 'tightened, it stays near its starting size');
  });

  it('keeps it small after a worker thread started (Node sets the flags again then)', () => {
    assert.ok(newSpaceMb(true, [], true) <= 8);
  });

  it('leaves a young generation size the user chose as it is', () => {
    assert.ok(newSpaceMb(true, ['--semi-space-growth-factor=2']) >= 16);
  });
});

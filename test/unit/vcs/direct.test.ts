import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createDirectSource } from '../../../src/vcs/index.js';

/**
 * A stand-in go command: logs each start and end with its pid, takes a
 * moment, and answers `go mod download -json M@V...` as the go command does,
 * with files it writes itself (a go.mod naming `declared/<M>` when M ends in
 * /wrong, an Error object for versions v9.x).
 */
const FAKE_GO = `#!/bin/sh
log="$FAKE_GO_LOG"
echo "start $$" >> "$log"
sleep 0.2
while [ -n "$FAKE_GO_GATE" ] && [ ! -e "$FAKE_GO_GATE" ]; do sleep 0.05; done
if [ "$1 $2" = "mod download" ]; then
  shift 3
  for arg in "$@"; do
    m="\${arg%@*}"; v="\${arg#*@}"
    case "$v" in v9*) printf '{"Path":"%s","Version":"%s","Error":"%s: invalid version: unknown revision %s"}\\n' "$m" "$v" "$arg" "$v"; continue;; esac
    d="$FAKE_GO_DIR/$(echo "$arg" | tr '/@' '__')"; mkdir -p "$d"
    decl="$m"; case "$m" in */wrong) decl="declared/$m";; esac
    printf 'module %s\\n' "$decl" > "$d/go.mod"; printf '{"Version":"%s"}' "$v" > "$d/info"; printf 'zip' > "$d/zip"
    printf '{\\n\\t"Path": "%s",\\n\\t"Version": "%s",\\n\\t"Info": "%s",\\n\\t"GoMod": "%s",\\n\\t"Zip": "%s"\\n}\\n' "$m" "$v" "$d/info" "$d/go.mod" "$d/zip"
  done
fi
echo "end $$" >> "$log"
`;

/** Longer than the source's gathering window, so each request would have gone out alone. */
const GATHER_GAP_MS = 30;

let dir: string;
let goBin: string;
let log: string;
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gomirror-fakego-'));
  goBin = path.join(dir, 'go');
  log = path.join(dir, 'log');
  await writeFile(goBin, FAKE_GO);
  await chmod(goBin, 0o755);
});
after(() => rm(dir, { recursive: true, force: true }));

const source = (concurrency: number, gate = '') =>
  createDirectSource({
    goBin,
    concurrency,
    root: path.join(dir, `tree-${concurrency}`),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', FAKE_GO_LOG: log, FAKE_GO_DIR: path.join(dir, 'files'), FAKE_GO_GATE: gate },
    private: [],
    noproxy: [],
    nosumdb: [],
  });

/** The most go commands that ran at once, by the log. */
async function maxAtOnce(): Promise<number> {
  let now = 0;
  let max = 0;
  for (const line of (await readFile(log, 'utf8')).split('\n')) {
    if (line.startsWith('start')) max = Math.max(max, ++now);
    if (line.startsWith('end')) now--;
  }
  return max;
}

describe('vcs direct source', () => {
  it('batches versions into few go commands and runs at most --vcs-concurrency at once', async () => {
    await writeFile(log, '');
    const d = source(2);
    const versions = Array.from({ length: 60 }, (_, i) => [`corp.example/m${i % 7}`, `v1.0.${i}`] as const);
    // .info, .mod and .zip of every version, asked for all at once: one download per version.
    const got = await Promise.all(versions.flatMap(([m, v]) => [d.info(m, v), d.mod(m, v), d.zip(m, v, path.join(dir, `z-${m.replace('/', '_')}-${v}`))]));
    assert.equal(got.length, 180);
    assert.equal((await d.mod('corp.example/m3', 'v1.0.3')).toString(), 'module corp.example/m3\n');
    assert.equal(d.stats.downloads, 3, 'ceil(60 / 24) go mod download runs');
    assert.equal(d.stats.runs, 3);
    assert.equal(await maxAtOnce(), 2);
  });

  it('versions asked for one by one while every go command slot is busy share the next go command', async () => {
    await writeFile(log, '');
    const gate = path.join(dir, 'gate');
    const d = source(1, gate);
    const first = d.info('corp.example/a', 'v1.0.0');
    while (!(await readFile(log, 'utf8')).includes('start')) await delay(10);
    // Five more, each in its own turn of the event loop, while the first go command holds the only slot.
    const rest: Promise<Buffer>[] = [];
    for (let i = 1; i <= 5; i++) {
      rest.push(d.info(`corp.example/m${i}`, 'v1.0.0'));
      await delay(GATHER_GAP_MS);
    }
    await writeFile(gate, '');
    await Promise.all([first, ...rest]);
    assert.equal(d.stats.downloads, 2, 'the first alone, then the five together');
  });

  it('an Error object or a go.mod naming another path fails that version only', async () => {
    const d = source(4);
    const [bad, wrong, good] = await Promise.allSettled([
      d.mod('corp.example/lib', 'v9.0.0'),
      d.mod('corp.example/wrong', 'v1.0.0'),
      d.mod('corp.example/lib', 'v1.0.0'),
    ]);
    assert.equal(bad.status, 'rejected');
    assert.match(String((bad as PromiseRejectedResult).reason), /corp\.example\/lib@v9\.0\.0: from version control: invalid version: unknown revision v9\.0\.0/);
    assert.equal(wrong.status, 'rejected');
    assert.match(String((wrong as PromiseRejectedResult).reason), /corp\.example\/wrong@v1\.0\.0: from version control: go\.mod declares its path as "declared\/corp\.example\/wrong", not corp\.example\/wrong/);
    assert.equal(good.status, 'fulfilled');
    assert.equal(d.stats.downloads, 1, 'all three in one go command');
  });
});

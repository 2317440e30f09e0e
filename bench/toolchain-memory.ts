/**
 * Peak memory of mirroring Go toolchains: TC_COUNT (default 10) toolchain
 * zips of TC_MB (default 90) MB each, in a release's layout (mktoolchain),
 * served by a plain nginx, verified against a fixture checksum database,
 * mirrored by one `gomirror sync --toolchains ...` at the default
 * concurrency. Prints the peak RSS (VmHWM) of the gomirror process; the goal
 * is under 200 MB. `node --import tsx bench/toolchain-memory.ts`
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { REPO_ROOT } from '../test/helpers/go-tools.js';
import { startFixtureSumdb } from '../test/helpers/fixture-sumdb.js';
import { writeToolchains } from '../test/helpers/fixture-toolchains.js';
import { runSampled, type Sampled } from './run-sampled.js';
import { startStaticNginx } from './static-nginx.js';

const COUNT = Number(process.env.TC_COUNT ?? 10);
const MB = Number(process.env.TC_MB ?? 90);
const BIN = path.join(REPO_ROOT, 'bin/gomirror.js');

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(process.env.BENCH_DIR ?? tmpdir(), 'gomirror-tcmem-'));
  const gos = Array.from({ length: COUNT }, (_, i) => `1.30.${i}`);
  try {
    console.log(`writing ${COUNT} toolchain zips of ${MB} MB ...`);
    const goSum = await writeToolchains(path.join(work, 'up'), gos.map((go) => ({ go, platform: 'linux-amd64', sizeBytes: MB * 1_000_000 })));
    const nginx = await startStaticNginx(path.join(work, 'up'), path.join(work, 'nginx'));
    const db = await startFixtureSumdb({ goSum, fillers: 100 });
    try {
      const args = [BIN, 'sync', '--out', path.join(work, 'tree'), '--upstream', nginx.url, '--sumdb', db.gosumdb,
        '--toolchains', gos.map((g) => `go${g}`).join(','), '--platforms', 'linux-amd64', '--log-format', 'json'];
      const { peakMb, seconds, code, stderr } = await measure(process.execPath, args);
      if (code !== 0) throw new Error(`gomirror sync exited ${code}:\n${stderr}`);
      console.log(`mirrored ${COUNT} x ${MB} MB toolchain zips in ${seconds.toFixed(1)} s; peak RSS ${peakMb.toFixed(0)} MB (goal < 200 MB)`);
    } finally {
      await db.close();
      await nginx.stop();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function measure(cmd: string, args: string[]): Promise<Sampled> {
  return runSampled(cmd, args, { env: { ...process.env, GOSUMDB: 'off', GOPROXY: '' }, stderrTail: 8000 });
}

await main();

/**
 * `node --import tsx bench/serve-upstream.ts <dir> [delayMs]`: builds the
 * benchmark's upstream into <dir> (once; kept for later runs), serves it
 * (nginx, or delayserve with a delay) and writes a manifest for it, then
 * waits: for profiling one contender by hand (`node --cpu-prof bin/gomirror.js
 * sync --manifest <dir>/manifest.json ...`).
 */
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildBenchUpstream } from '../test/helpers/fixture-upstream.js';
import { startDelayServer } from './delay-server.js';
import { startStaticNginx } from './static-nginx.js';

const [dir = '', delay = '0'] = process.argv.slice(2);
if (dir === '') throw new Error('usage: serve-upstream.ts <dir> [delayMs]');
const VERSIONS = Number(process.env.BENCH_VERSIONS ?? 640);
const up = path.join(dir, 'upstream');
const built = await access(path.join(up, 'hashes')).then(() => true, () => false);
const upstream = await buildBenchUpstream(VERSIONS, { dir: up });
if (!built) await writeFile(path.join(up, 'hashes'), upstream.goSum);
const byModule = new Map<string, string[]>();
for (const k of upstream.hashes.keys()) {
  if (k.endsWith('/go.mod')) continue;
  const [m, v] = k.split(' ') as [string, string];
  byModule.set(m, [...(byModule.get(m) ?? []), v]);
}
await mkdir(path.join(dir, 'nginx'), { recursive: true });
const server = Number(delay) > 0 ? await startDelayServer(up, Number(delay)) : await startStaticNginx(up, path.join(dir, 'nginx'));
const manifest = path.join(dir, `manifest-${delay}.json`);
await writeFile(manifest, JSON.stringify({ upstream: server.url, sumdb: 'off', deps: false, modules: [...byModule].map(([p, vs]) => ({ path: p, versions: vs })) }));
console.log(`${server.url} ${manifest} (${byModule.size} modules)`);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
process.on('SIGINT', () => void server.stop().then(() => process.exit(0)));
setInterval(() => undefined, 1 << 30);

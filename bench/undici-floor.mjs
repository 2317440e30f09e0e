/**
 * `npm run bench`'s floor contender: what Node.js and undici (the HTTP client
 * gomirror is built on) take to download the same files as `curl --parallel`
 * and write each to disk, and nothing else: no hashes, no zip check, no
 * fsync, no rename, no index, no catalog. gomirror cannot be faster than this
 * on the same machine; the gap between the two is what gomirror's own work
 * costs, the gap between this and curl or go is the platform's.
 *
 * Plain JavaScript, run by `node` directly (no TypeScript loader at start-up).
 * Usage: node bench/undici-floor.mjs CURL_CONFIG CONCURRENCY
 * where CURL_CONFIG is the `url = "..."` / `output = "..."` file the
 * benchmark gives curl: the same URLs, written to the same kind of paths.
 */
import { Buffer } from 'node:buffer';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { URL } from 'node:url';
import { Agent } from 'undici';

const [config, concurrencyArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg ?? 16);
if (!config || !(concurrency > 0)) {
  process.stderr.write('usage: node bench/undici-floor.mjs CURL_CONFIG CONCURRENCY\n');
  process.exit(2);
}

const lines = (await readFile(config, 'utf8')).split('\n');
/** @type {{ url: string, output: string }[]} */
const jobs = [];
for (let i = 0; i + 1 < lines.length; i += 2) {
  const url = /^url = "(.*)"$/.exec(lines[i])?.[1];
  const output = /^output = "(.*)"$/.exec(lines[i + 1])?.[1];
  if (url === undefined || output === undefined) break;
  jobs.push({ url, output });
}

// One keep-alive connection per concurrent transfer, as curl --parallel-max.
const agent = new Agent({ connections: concurrency, pipelining: 1 });
/** Each directory is made once, by the first file that needs it. */
const dirs = new Map();
/** Writes run while the next downloads go on; all are awaited at the end. */
const writes = [];
let next = 0;
async function save(output, data) {
  const dir = path.dirname(output);
  if (!dirs.has(dir)) dirs.set(dir, mkdir(dir, { recursive: true }));
  await dirs.get(dir);
  await writeFile(output, data);
}
async function worker() {
  while (next < jobs.length) {
    const { url, output } = jobs[next++];
    const { origin } = new URL(url);
    const { statusCode, body } = await agent.request({ origin, path: url.slice(origin.length), method: 'GET' });
    const chunks = [];
    for await (const chunk of body) chunks.push(chunk);
    if (statusCode !== 200) throw new Error(`${url}: HTTP ${statusCode}`);
    writes.push(save(output, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
await Promise.all(writes);
await agent.close();

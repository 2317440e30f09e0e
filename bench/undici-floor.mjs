/**
 * `npm run bench`'s floor contender: what Node.js and undici (the HTTP client
 * gomirror is built on) take to download the same files as `curl --parallel`
 * and write each to disk, and nothing else: no hashes, no zip check, no
 * fsync, no rename, no index, no catalog. gomirror cannot be faster than this
 * on the same machine; the gap between the two is what gomirror's own work
 * costs, the gap between this and curl or go is the platform's.
 *
 * Plain JavaScript, run by `node` directly (no TypeScript loader at start-up).
 * Usage: node bench/undici-floor.mjs CURL_CONFIG [CONCURRENCY (default 16)]
 * where CURL_CONFIG is the `url = "..."` / `output = "..."` file the
 * benchmark gives curl: the same URLs, written to the same kind of paths.
 */
import { Buffer } from 'node:buffer';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { URL } from 'node:url';
import { Agent } from 'undici';

const SPARE_CONNECTIONS = 4;

const [config, concurrencyArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg ?? 16);
if (!config || !(concurrency > 0)) {
  process.stderr.write('usage: node bench/undici-floor.mjs CURL_CONFIG [CONCURRENCY]\n');
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

// `concurrency` transfers at a time (the workers below), as curl --parallel-max,
// over keep-alive connections with a few to spare: with pipelining 1, undici
// lets a full event-loop turn pass before it reuses a connection whose
// response just ended, and a spare one takes the next request meanwhile
// (3.54 s against 3.73 s at 20 ms; in-flight requests stay at `concurrency`).
const agent = new Agent({ connections: concurrency + SPARE_CONNECTIONS, pipelining: 1 });
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
/**
 * GETs `url` through undici's dispatch API, as gomirror's transport does (no
 * stream objects per request): the status and the body's chunks.
 * @param {string} url
 * @returns {Promise<{ statusCode: number, chunks: Buffer[] }>}
 */
function get(url) {
  const { origin } = new URL(url);
  return new Promise((resolve, reject) => {
    let statusCode = 0;
    /** @type {Buffer[]} */
    const chunks = [];
    agent.dispatch(
      { origin, path: url.slice(origin.length), method: 'GET' },
      {
        onRequestStart() {},
        onResponseStart(_controller, status) {
          statusCode = status;
        },
        onResponseData(_controller, chunk) {
          chunks.push(chunk);
        },
        onResponseEnd() {
          resolve({ statusCode, chunks });
        },
        onResponseError(_controller, err) {
          reject(err);
        },
      },
    );
  });
}

async function worker() {
  while (next < jobs.length) {
    const { url, output } = jobs[next++];
    const { statusCode, chunks } = await get(url);
    if (statusCode !== 200) throw new Error(`${url}: HTTP ${statusCode}`);
    writes.push(save(output, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
await Promise.all(writes);
await agent.close();

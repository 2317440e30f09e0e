/**
 * The transport's HTTP parser (undici's llhttp, WebAssembly) stays on V8's
 * baseline code: its TurboFan compilation cost 0.3-0.5 s of CPU and up to
 * 40 MB of compiler memory per sync (src/upstream/undici.ts). A child
 * process downloads through the transport with V8 tracing each WebAssembly
 * compilation; none may be TurboFan's.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../../helpers/go-tools.js';

// Enough answers for V8's dynamic tiering to find the parser hot (it did
// after about 100 without the flag); each is 64 KiB, as zips arrive.
const REQUESTS = 400;

describe('WebAssembly of the HTTP parser', () => {
  it('is never compiled by TurboFan, however many answers it parses', { timeout: 60_000 }, async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'gomirror-wasm-tier-'));
    try {
      const child = path.join(work, 'child.mts');
      const transportUrl = pathToFileURL(path.join(REPO_ROOT, 'src/upstream/transport.ts')).href;
      await writeFile(
        child,
        `import { createServer } from 'node:http';\n` +
          `import { createTransport } from ${JSON.stringify(transportUrl)};\n` +
          `const body = Buffer.alloc(64 << 10, 7);\n` +
          `const server = createServer((_req, res) => res.end(body));\n` +
          `await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));\n` +
          `const url = 'http://127.0.0.1:' + server.address().port + '/x.zip';\n` +
          `const t = createTransport({ concurrency: 4 });\n` +
          `let bytes = 0;\n` +
          `for (let i = 0; i < ${REQUESTS}; i++) bytes += (await t.getBuffer(url, 1 << 20)).length;\n` +
          `await t.close();\n` +
          `server.close();\n` +
          `console.log('bytes ' + bytes);\n`,
      );
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--trace-wasm-compilation-times', child], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^bytes ${REQUESTS * (64 << 10)}$`, 'm'));
      // V8 prints `Compiled function <module>#<index> using <tier>, ...; bodysize <n> ...`
      // for each function of each WebAssembly module (the test's TypeScript
      // loader runs one of its own, which tiers up before the transport loads).
      const compiled = [...r.stdout.matchAll(/Compiled function (0x[0-9a-f]+)#\d+ using (\w+),[^;]*; bodysize (\d+)/g)].map((m) => ({
        module: m[1]!,
        tier: m[2]!,
        bodySize: Number(m[3]),
      }));
      assert.ok(compiled.length > 0, `V8 traced no WebAssembly compilation; its output was:\n${r.stdout.slice(0, 2000)}`);
      // llhttp is the module with the largest function: its parser's state machine.
      const largest = compiled.reduce((a, b) => (b.bodySize > a.bodySize ? b : a));
      assert.ok(largest.bodySize > 10_000, `the HTTP parser was compiled (largest function body: ${largest.bodySize} bytes)`);
      const parser = compiled.filter((c) => c.module === largest.module);
      assert.ok(parser.some((c) => c.tier === 'Liftoff'));
      assert.deepEqual(parser.filter((c) => c.tier !== 'Liftoff'), []);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});

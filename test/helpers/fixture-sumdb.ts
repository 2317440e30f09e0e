/**
 * A fixture checksum database: test/fixtures/sumdbserver, which serves a
 * log built and signed by golang.org/x/mod/sumdb's own server on 127.0.0.1.
 * It holds the records of a go.sum (true hashes of a fixture upstream, or
 * doctored ones) among thousands of filler records, so proofs cross tile
 * levels. It stops when close() is called or the test process dies.
 *
 *     const db = await startFixtureSumdb({ goSum: upstream.goSum });
 *     // gomirror sync --sumdb "<db.vkey> <db.url>"; go client: GOSUMDB=<db.vkey>
 *     await db.close();
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { goTool } from './go-tools.js';

/** Options of startFixtureSumdb(). */
export interface FixtureSumdbOptions {
  /** go.sum lines: the module versions the database knows, with their hashes. */
  goSum: string;
  /** Database name (host[/path]). Default `sum.fixture.example`. */
  name?: string;
  /** Signer key (PRIVATE+KEY+...): reuse it to restart the same database, or to fork it. */
  skey?: string;
  /** Filler records among which the real ones are spread. Default 3000. */
  fillers?: number;
  /** Append fillers at start until the tree has this many records (continue an earlier history). */
  minSize?: number;
  /** Append this many fillers before answering each lookup, so notes of many sizes are handed out. */
  growEvery?: number;
  /** Sign a different history (filler 7 changed) with the same key. */
  fork?: boolean;
}

/** A running fixture database. */
export interface FixtureSumdb {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  name: string;
  /** Verifier key `name+hash+key`: a GOSUMDB value. */
  vkey: string;
  skey: string;
  /** `<vkey> <url>`: GOSUMDB with an explicit URL. */
  gosumdb: string;
  /** Tree size and requests served so far. */
  stats(): Promise<{ size: number; lookups: number; tiles: number }>;
  /** Appends n fillers; returns the new tree size. */
  grow(n: number): Promise<number>;
  /** Stops the server. Idempotent. */
  close(): Promise<void>;
}

/** Starts test/fixtures/sumdbserver; fails with its stderr if it does not come up. */
export async function startFixtureSumdb(opts: FixtureSumdbOptions): Promise<FixtureSumdb> {
  const bin = await goTool('sumdbserver');
  const dir = await mkdtemp(path.join(tmpdir(), 'gomirror-sumdb-'));
  const gosum = path.join(dir, 'go.sum');
  await writeFile(gosum, opts.goSum);
  const args = ['-gosum', gosum, '-name', opts.name ?? 'sum.fixture.example', '-fillers', String(opts.fillers ?? 3000), '-timeout', '5m'];
  if (opts.skey) args.push('-skey', opts.skey);
  if (opts.minSize) args.push('-min-size', String(opts.minSize));
  if (opts.growEvery) args.push('-grow-every', String(opts.growEvery));
  if (opts.fork) args.push('-fork');
  // stdin stays open while we live: the server exits when it closes.
  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const first = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.on('close', (code) => reject(new Error(`sumdbserver exited ${code} before it was ready:\n${stderr}`)));
  });
  const info = JSON.parse(first) as { url: string; name: string; vkey: string; skey: string };
  let closed = false;
  const admin = async (p: string, method = 'GET'): Promise<Record<string, number>> => {
    const res = await fetch(`${info.url}${p}`, { method });
    if (!res.ok) throw new Error(`sumdbserver ${p}: HTTP ${res.status}`);
    return (await res.json()) as Record<string, number>;
  };
  return {
    ...info,
    gosumdb: `${info.vkey} ${info.url}`,
    async stats() {
      const s = await admin('/admin/stats');
      return { size: s.size ?? 0, lookups: s.lookups ?? 0, tiles: s.tiles ?? 0 };
    },
    async grow(n) {
      return (await admin(`/admin/grow?n=${n}`, 'POST')).size ?? 0;
    },
    async close() {
      if (!closed) {
        closed = true;
        child.stdin.end();
        // It exits when stdin closes; a kill is the fallback, never the plan.
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

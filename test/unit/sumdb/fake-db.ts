/**
 * An in-memory checksum database for unit tests of the verifying client:
 * an append-only log built with our tlog code, notes signed with a fresh
 * Ed25519 key, and a fake Transport that serves it (and optionally a proxy
 * in front of it) the way HTTP would, counting requests.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

import { GomirrorError } from '../../../src/errors.js';
import type { Transport } from '../../../src/upstream/transport.js';
import { formatTree, parseTilePath, recordHash, storedHashesForRecordHash, tileWidthIn, treeHash, type HashReader } from '../../../src/sumdb/index.js';
import { readTileData } from './vectors.js';

/** A signing key and its verifier key `name+hash+base64(0x01 ‖ key)`. */
export interface TestKey {
  vkey: string;
  sign(text: string): string;
}

export function makeKey(name: string, pair = generateKeyPairSync('ed25519')): TestKey {
  const raw = Buffer.from((pair.publicKey.export({ format: 'jwk' }) as { x: string }).x, 'base64url');
  const data = Buffer.concat([Buffer.from([1]), raw]);
  const hash = createHash('sha256').update(`${name}\n`).update(data).digest().subarray(0, 4);
  const priv: KeyObject = pair.privateKey;
  return {
    vkey: `${name}+${hash.toString('hex')}+${data.toString('base64')}`,
    sign: (text) => `${text}\n— ${name} ${Buffer.concat([hash, sign(null, Buffer.from(text), priv)]).toString('base64')}\n`,
  };
}

export const h1 = (s: string): string => `h1:${createHash('sha256').update(s).digest('base64')}`;

export class FakeDb {
  readonly hashes: Buffer[] = [];
  readonly texts: Buffer[] = [];
  readonly ids = new Map<string, number>();
  /** Lookup texts served instead of the logged one (a lying database). */
  readonly forged = new Map<string, string>();
  private fillers = 0;

  constructor(
    readonly key: TestKey,
    private readonly fillerSeed = 'filler',
  ) {}

  readonly read: HashReader = (indexes) => indexes.map((x) => this.hashes[x] as Buffer);

  get size(): number {
    return this.texts.length;
  }

  /** Appends a record; returns its id. */
  append(text: string, key?: string): number {
    const id = this.texts.length;
    this.texts.push(Buffer.from(text));
    this.hashes.push(...storedHashesForRecordHash(id, recordHash(Buffer.from(text)), this.read));
    if (key) this.ids.set(key, id);
    return id;
  }

  /** Appends a module version with made-up (or given) hashes. */
  addModule(path: string, version: string, hashes: { zip: string; mod: string } = { zip: h1(`${path}@${version}`), mod: h1(`${path}@${version}/go.mod`) }): number {
    return this.append(`${path} ${version} ${hashes.zip}\n${path} ${version}/go.mod ${hashes.mod}\n`, `${path}@${version}`);
  }

  grow(k: number): void {
    for (let i = 0; i < k; i++, this.fillers++) {
      const p = `filler.example.com/m${this.fillers}`;
      this.append(`${p} v1.0.0 ${h1(`${this.fillerSeed} ${this.fillers}`)}\n`);
    }
  }

  signed(): string {
    return this.key.sign(formatTree({ n: this.size, hash: treeHash(this.size, this.read) }));
  }

  /** Answers a database path (`/lookup/...`, `/tile/...`, `/latest`), or undefined for 404. */
  serve(path: string): Buffer | undefined {
    if (path === '/latest') return Buffer.from(this.signed());
    if (path.startsWith('/lookup/')) {
      const key = decodeURIComponent(path.slice('/lookup/'.length)).replace(/!([a-z])/g, (_, c: string) => c.toUpperCase());
      const id = this.ids.get(key);
      if (id === undefined) return undefined;
      const text = this.forged.get(key) ?? (this.texts[id] as Buffer).toString();
      return Buffer.from(`${id}\n${text}\n${this.signed()}`);
    }
    const t = parseTilePath(path.slice(1));
    if (!t || t.l < 0 || tileWidthIn(t.h, t.l, t.n, this.size) < t.w) return undefined;
    return readTileData(t, this.read);
  }
}

/** Request log and fault switches of a FakeNet. */
export interface FakeNet {
  transport: Transport;
  /** URLs requested, in order. */
  requests: string[];
  /** Routes by URL prefix: a database (serve()) or a fixed answer (status 0: a network failure). */
  routes: Map<string, FakeDb | { status: number; body?: string }>;
}

export function fakeNet(): FakeNet {
  const requests: string[] = [];
  const routes: FakeNet['routes'] = new Map();
  const stats = { requests: 0, retries: 0, bytes: 0 };
  const get = async (url: string): Promise<Buffer> => {
    requests.push(url);
    stats.requests++;
    for (const [prefix, route] of routes) {
      if (!url.startsWith(prefix)) continue;
      if (route instanceof FakeDb) {
        const body = route.serve(url.slice(prefix.length));
        if (body) return body;
        break;
      }
      if (route.status === 200) return Buffer.from(route.body ?? '');
      if (route.status === 404) break;
      if (route.status === 0) throw new GomirrorError('E_NETWORK', `${url}: ECONNREFUSED`);
      throw new GomirrorError('E_HTTP', `${url}: HTTP ${route.status}`);
    }
    throw new GomirrorError('E_NOT_FOUND', `${url}: not found (HTTP 404)`);
  };
  const transport: Transport = {
    stats,
    getBuffer: (url) => get(url),
    getToFile: () => Promise.reject(new Error('not used')),
    close: async () => undefined,
  };
  return { transport, requests, routes };
}

/**
 * Vectors from golang.org/x/mod/sumdb (test/fixtures/sumdbvectors), and an
 * in-memory log of the same synthetic records built with our own code, so
 * each test compares the two.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { promisify } from 'node:util';

import { goTool } from '../../helpers/go-tools.js';
import { recordHash, storedHashesForRecordHash, storedHashIndex, type HashReader, type Tile } from '../../../src/sumdb/index.js';

/** What sumdbvectors prints. */
export interface Vectors {
  records: number;
  treeHashes: Record<string, string>;
  storedHashCount: number;
  recordProofs: { T: number; N: number; Proof: string[] }[];
  treeProofs: { T: number; N: number; Proof: string[] }[];
  tileData: Record<string, string>;
  newTiles: { H: number; Old: number; New: number; Tiles: string[] | null }[];
  /** Indexes < 0 mean "TreeHash(-index)", the reads of an older tree's hash. */
  tileReads: { Tree: number; Indexes: number[]; Tiles: string[] }[];
  note: { skey: string; vkey: string; signed: string; lookup: string };
}

let cached: Promise<Vectors> | undefined;

/** Runs the Go program once per process. */
export function loadVectors(): Promise<Vectors> {
  cached ??= (async () => {
    const bin = await goTool('sumdbvectors');
    const { stdout } = await promisify(execFile)(bin, [], { maxBuffer: 16 << 20 });
    return JSON.parse(stdout) as Vectors;
  })();
  return cached;
}

/** The text of synthetic record i, as sumdbvectors writes it. */
export function recordText(i: number): Buffer {
  const b64 = (s: string): string => Buffer.from(s.slice(0, 32)).toString('base64');
  const zip = b64(`zip${String(i).padStart(32, '0')}`);
  const mod = b64(`mod${String(i).padStart(32, '0')}`);
  return Buffer.from(`example.com/m${i} v1.0.0 h1:${zip}\nexample.com/m${i} v1.0.0/go.mod h1:${mod}\n`);
}

/** The stored hashes of a log of n records of recordText, and a reader over them. */
export function buildLog(n: number, text: (i: number) => Buffer = recordText): { hashes: Buffer[]; read: HashReader } {
  const hashes: Buffer[] = [];
  const read: HashReader = (indexes) =>
    indexes.map((x) => {
      const h = hashes[x];
      if (!h) throw new Error(`hash ${x} not stored`);
      return h;
    });
  for (let i = 0; i < n; i++) hashes.push(...storedHashesForRecordHash(i, recordHash(text(i)), read));
  return { hashes, read };
}

/** Tile data straight from a hash store (tlog.ReadTileData). */
export function readTileData(t: Tile, read: HashReader): Buffer {
  const start = t.n * 2 ** t.h;
  return Buffer.concat(read(Array.from({ length: t.w }, (_, i) => storedHashIndex(t.h * t.l, start + i))));
}

/** Signs `text` like note.Sign with a signer key `PRIVATE+KEY+<name>+<hash>+<base64(0x01 ‖ seed)>`. */
export function signNote(skey: string, text: string): string {
  const [, , name, hash, ...rest] = skey.split('+');
  const seed = Buffer.from(rest.join('+'), 'base64').subarray(1);
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  const sig = sign(null, Buffer.from(text), createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(parseInt(hash ?? '', 16));
  return `${text}\n— ${name} ${Buffer.concat([prefix, sig]).toString('base64')}\n`;
}

/**
 * The parts of `bundle export` that would otherwise grow with the tree, kept
 * on disk or compact: the index is written to a file as it is made (never a
 * whole string), the tree's index files are snapshotted into one file, and
 * the sums are held as one sorted text per module.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { compareGoStrings, formatGoSum, openGoSumLines, type GoSumEntry } from '../gosum/index.js';
import type { BundleFile, BundleIndex } from './index-format.js';

const FLUSH_AT = 1 << 16;

/** Appends text to a new file through a small buffer, counting and hashing the bytes. */
export class TextFileWriter {
  private parts: string[] = [];
  private pending = 0;
  private size = 0;
  private readonly hash = createHash('sha256');

  private constructor(private readonly fh: FileHandle) {}

  static async create(file: string): Promise<TextFileWriter> {
    return new TextFileWriter(await open(file, 'wx', 0o644));
  }

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.pending += text.length;
    if (this.pending >= FLUSH_AT) await this.flush();
  }

  /** Flushes and closes; the file's size and SHA-256. */
  async close(): Promise<{ size: number; sha256: string }> {
    await this.flush();
    await this.fh.close();
    return { size: this.size, sha256: this.hash.digest('hex') };
  }

  private async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const buf = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.pending = 0;
    this.hash.update(buf);
    this.size += buf.length;
    await this.fh.write(buf);
  }
}

/**
 * Writes the index to `file` byte for byte as serializeIndex would make it
 * (index-format.ts), from `files` in path order and `sums` in go.sum order.
 */
export async function writeIndexFile(
  file: string,
  head: Pick<BundleIndex, 'format' | 'tool' | 'created' | 'since' | 'sumdbKeys'>,
  files: AsyncIterable<BundleFile>,
  sums: Iterable<string>,
): Promise<{ size: number; sha256: string }> {
  const w = await TextFileWriter.create(file);
  const headText = JSON.stringify({ format: head.format, tool: head.tool, created: head.created, since: head.since }, null, 2).slice(0, -2);
  await w.write(`${headText},\n  "files": `);
  let n = 0;
  for await (const f of files) {
    await w.write(`${n++ === 0 ? '[\n' : ',\n'}    ${JSON.stringify({ path: f.path, size: f.size, sha256: f.sha256, bundled: f.bundled })}`);
  }
  await w.write(n === 0 ? '[]' : '\n  ]');
  await w.write(',\n  "sums": ');
  n = 0;
  for (const s of sums) await w.write(`${n++ === 0 ? '[\n' : ',\n'}    ${JSON.stringify(s)}`);
  await w.write(n === 0 ? '[]' : '\n  ]');
  const keys = head.sumdbKeys ?? [];
  if (keys.length > 0) await w.write(`,\n  "sumdbKeys": [\n${keys.map((k) => `    ${JSON.stringify(k)}`).join(',\n')}\n  ]`);
  await w.write('\n}\n');
  return w.close();
}

/** BundleFiles written one JSON a line, read back in the same order. */
export class BundleFileSpool {
  private constructor(
    private readonly file: string,
    private readonly w: TextFileWriter,
  ) {}

  static async create(file: string): Promise<BundleFileSpool> {
    return new BundleFileSpool(file, await TextFileWriter.create(file));
  }

  add(f: BundleFile): Promise<void> {
    return this.w.write(`${JSON.stringify(f)}\n`);
  }

  async *read(): AsyncGenerator<BundleFile> {
    await this.w.close();
    for await (const line of createInterface({ input: createReadStream(this.file), crlfDelay: Infinity })) {
      if (line !== '') yield JSON.parse(line) as BundleFile;
    }
  }
}

/** Merges two sequences, each sorted by path, into one. */
export async function* mergeByPath(a: AsyncIterable<BundleFile>, b: Iterable<BundleFile>): AsyncGenerator<BundleFile> {
  const rest = b[Symbol.iterator]();
  let next = rest.next();
  for await (const f of a) {
    while (!next.done && next.value.path < f.path) {
      yield next.value;
      next = rest.next();
    }
    yield f;
  }
  for (; !next.done; next = rest.next()) yield next.value;
}

/**
 * The h1 lines of the bundled .zip and .mod files. Which are wanted is noted
 * during the walk; their hashes are then filled in from `.gomirror/go.sum`,
 * read a line at a time, so only the lines this bundle carries are ever held,
 * one small map per module.
 */
export class BundledSums {
  /** Module path → `version` or `version/go.mod` → hash ('' until found). */
  private readonly byModule = new Map<string, Map<string, string>>();

  want(path: string, version: string, goMod: boolean): void {
    let m = this.byModule.get(path);
    if (m === undefined) this.byModule.set(path, (m = new Map()));
    m.set(goMod ? `${version}${GO_MOD}` : version, '');
  }

  /** Takes the hashes of wanted lines from the go.sum file `file` (absent: none). Throws E_GOSUM for a malformed line. */
  async fill(file: string): Promise<void> {
    const lines = await openGoSumLines(file);
    if (!lines) return;
    for await (const parsed of lines) {
      const m = this.byModule.get(parsed.path);
      const key = parsed.goMod ? `${parsed.version}${GO_MOD}` : parsed.version;
      if (m?.has(key)) m.set(key, parsed.hash);
    }
  }

  /** Wanted lines that no record gave a hash. */
  *missing(): Generator<Omit<GoSumEntry, 'hash'>> {
    for (const [path, m] of this.byModule) {
      for (const [key, hash] of m) if (hash === '') yield { path, ...splitKey(key) };
    }
  }

  set(e: GoSumEntry): void {
    this.byModule.get(e.path)?.set(e.goMod ? `${e.version}${GO_MOD}` : e.version, e.hash);
  }

  /** The lines in go.sum order (formatGoSum's), one module at a time. */
  *lines(): Generator<string> {
    for (const path of [...this.byModule.keys()].sort(compareGoStrings)) {
      const entries = [...(this.byModule.get(path) as Map<string, string>)].map(([key, hash]) => ({ path, ...splitKey(key), hash }));
      for (const line of formatGoSum(entries).split('\n')) if (line !== '') yield line;
    }
  }
}

const GO_MOD = '/go.mod';

function splitKey(key: string): { version: string; goMod: boolean } {
  return key.endsWith(GO_MOD) ? { version: key.slice(0, -GO_MOD.length), goMod: true } : { version: key, goMod: false };
}

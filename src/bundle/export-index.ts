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
import { compareGoStrings, formatGoSum, parseGoSum, type GoSumEntry } from '../gosum/index.js';
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
 * go.sum lines collected module by module (a module's files are neighbours in
 * a walk of the tree) and kept as one sorted text per module: the same lines,
 * in the same order, as formatGoSum of them all.
 */
export class SumsByModule {
  private readonly texts = new Map<string, string>();
  private current: { path: string; entries: GoSumEntry[] } | undefined;

  add(e: GoSumEntry): void {
    if (this.current?.path !== e.path) {
      this.settle();
      this.current = { path: e.path, entries: [] };
    }
    this.current.entries.push(e);
  }

  *lines(): Generator<string> {
    this.settle();
    for (const p of [...this.texts.keys()].sort(compareGoStrings)) {
      for (const line of (this.texts.get(p) as string).split('\n')) if (line !== '') yield line;
    }
  }

  private settle(): void {
    const c = this.current;
    if (c === undefined) return;
    this.current = undefined;
    const before = this.texts.get(c.path);
    this.texts.set(c.path, formatGoSum(before === undefined ? c.entries : [...parseGoSum(before, 'bundle sums'), ...c.entries]));
  }
}

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
import { compareGoStrings, formatGoSum, openSumsByModule, type GoSumEntry, type SumsByModule } from '../gosum/index.js';
import type { BundleFile, BundleIndex } from './index-format.js';
import { flatString } from '../flat-string.js';

const FLUSH_AT = 1 << 16;

/** Appends text to a new file through a small buffer, counting and hashing the bytes. */
export class TextFileWriter {
  private parts: string[] = [];
  private pending = 0;
  private size = 0;
  private readonly hash = createHash('sha256');
  private closed: Promise<{ size: number; sha256: string }> | undefined;

  private constructor(private readonly fh: FileHandle) {}

  static async create(file: string): Promise<TextFileWriter> {
    return new TextFileWriter(await open(file, 'wx', 0o644));
  }

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.pending += text.length;
    if (this.pending >= FLUSH_AT) await this.flush();
  }

  /** Flushes and closes (once; later calls give the same answer); the file's size and SHA-256. */
  close(): Promise<{ size: number; sha256: string }> {
    this.closed ??= (async () => {
      try {
        await this.flush();
      } finally {
        await this.fh.close();
      }
      return { size: this.size, sha256: this.hash.digest('hex') };
    })();
    return this.closed;
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
  sums: Iterable<string> | AsyncIterable<string>,
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
  for await (const s of sums) await w.write(`${n++ === 0 ? '[\n' : ',\n'}    ${JSON.stringify(s)}`);
  await w.write(n === 0 ? '[]' : '\n  ]');
  const keys = head.sumdbKeys ?? [];
  if (keys.length > 0) await w.write(`,\n  "sumdbKeys": [\n${keys.map((k) => `    ${JSON.stringify(k)}`).join(',\n')}\n  ]`);
  await w.write('\n}\n');
  return w.close();
}

/** Records written one JSON a line to a work file, read back in the same order (what is held does not grow). */
export class JsonLinesSpool<T> {
  private constructor(
    private readonly file: string,
    private readonly w: TextFileWriter,
  ) {}

  static async create<T>(file: string): Promise<JsonLinesSpool<T>> {
    return new JsonLinesSpool<T>(file, await TextFileWriter.create(file));
  }

  add(record: T): Promise<void> {
    return this.w.write(`${JSON.stringify(record)}\n`);
  }

  /** Closes the work file without reading it (after a failure). */
  async close(): Promise<void> {
    await this.w.close();
  }

  async *read(): AsyncGenerator<T> {
    await this.w.close();
    for await (const line of createInterface({ input: createReadStream(this.file), crlfDelay: Infinity })) {
      if (line !== '') yield JSON.parse(line) as T;
    }
  }
}

/** BundleFiles in a spool. */
export const BundleFileSpool = {
  create: (file: string): Promise<JsonLinesSpool<BundleFile>> => JsonLinesSpool.create<BundleFile>(file),
};

/** Merges two sequences, each sorted by `key`, into one (on a tie, `a`'s item first). */
export async function* mergeSorted<T>(a: AsyncIterable<T>, b: Iterable<T> | AsyncIterable<T>, key: (item: T) => string): AsyncGenerator<T> {
  const rest = Symbol.asyncIterator in b ? b[Symbol.asyncIterator]() : b[Symbol.iterator]();
  let next = await rest.next();
  for await (const item of a) {
    while (!next.done && key(next.value) < key(item)) {
      yield next.value;
      next = await rest.next();
    }
    yield item;
  }
  for (; !next.done; next = await rest.next()) yield next.value;
}

/** Merges two sequences of index entries, each sorted by path, into one. */
export function mergeByPath(a: AsyncIterable<BundleFile>, b: Iterable<BundleFile> | AsyncIterable<BundleFile>): AsyncGenerator<BundleFile> {
  return mergeSorted(a, b, (f) => f.path);
}

/**
 * The h1 lines of the bundled .zip and .mod files. Which are wanted is noted
 * during the walk, one short text of versions per module; their hashes are
 * then read from `.gomirror/go.sum` a module at a time (openSumsByModule
 * holds where each module's lines lie, not the lines), so neither the record
 * nor the bundle's 200,000 lines (at 100,000 versions) are ever held whole.
 */
export class BundledSums {
  /** Module path → wanted keys (`version` or `version/go.mod`), each ending in a newline. */
  private readonly wanted = new Map<string, string>();
  /** The module being walked and its wanted keys so far: its files come one after another. */
  private current: string | undefined;
  private currentKeys: string[] = [];
  /** Hashes computed for wanted lines the record lacks: `path key` → hash. */
  private readonly computed = new Map<string, string>();
  private record: SumsByModule | undefined;

  want(path: string, version: string, goMod: boolean): void {
    if (path !== this.current) this.settle();
    this.current = path;
    this.currentKeys.push(goMod ? `${version}${GO_MOD}` : version);
  }

  /**
   * Files the keys of the module walked last as one flat string. Appended a
   * file at a time, each module's text was a chain of concatenations holding
   * the walked paths its versions were cut from: some 16 MB at 100,000
   * versions, all of it marked by every full garbage collection of the walk.
   */
  private settle(): void {
    if (this.current === undefined) return;
    this.currentKeys.push('');
    // join makes one flat string (a module seen again, which a walk in path order never gives, is joined to its first run).
    const keys = [this.wanted.get(this.current) ?? '', this.currentKeys.join('\n')].join('');
    this.wanted.set(flatString(this.current), keys);
    this.current = undefined;
    this.currentKeys = [];
  }

  /** Takes the hashes of wanted lines from the go.sum file `file` (absent: none). Throws E_GOSUM for a malformed line. */
  async fill(file: string): Promise<void> {
    this.settle();
    await this.record?.close();
    this.record = await openSumsByModule(file);
  }

  /** Wanted lines that no record gave a hash. */
  async *missing(): AsyncGenerator<Omit<GoSumEntry, 'hash'>> {
    this.settle();
    for (const path of this.wanted.keys()) {
      for (const e of await this.entries(path)) if (e.hash === '') yield { path, version: e.version, goMod: e.goMod };
    }
  }

  set(e: GoSumEntry): void {
    this.computed.set(`${e.path} ${e.goMod ? `${e.version}${GO_MOD}` : e.version}`, e.hash);
  }

  /** The lines in go.sum order (formatGoSum's), one module at a time. */
  async *lines(): AsyncGenerator<string> {
    this.settle();
    for (const path of [...this.wanted.keys()].sort(compareGoStrings)) {
      for (const line of formatGoSum(await this.entries(path)).split('\n')) if (line !== '') yield line;
    }
  }

  /** Closes the record. */
  async close(): Promise<void> {
    await this.record?.close();
    this.record = undefined;
  }

  /** The module's wanted entries with their hashes ('' when none is known). */
  private async entries(path: string): Promise<GoSumEntry[]> {
    const record = await this.record?.forModule(path);
    const keys = (this.wanted.get(path) ?? '').split('\n').filter((k) => k !== '');
    return [...new Set(keys)].map((key) => {
      const { version, goMod } = splitKey(key);
      return { path, version, goMod, hash: this.computed.get(`${path} ${key}`) ?? record?.get(path, version, goMod) ?? '' };
    });
  }
}

const GO_MOD = '/go.mod';

function splitKey(key: string): { version: string; goMod: boolean } {
  return key.endsWith(GO_MOD) ? { version: key.slice(0, -GO_MOD.length), goMod: true } : { version: key, goMod: false };
}

/**
 * How the catalog writes: every file aside first (`.<name>.tmp-…`, never
 * seen by nginx or a publish) and renamed in only when its bytes change, so
 * a publish with checksums sends nothing new. Writes are batched: the temp
 * files of a batch are fsynced together on the thread pool, renamed, and
 * each directory is fsynced once, instead of one fsync-rename-fsync round
 * after another. Nothing is half-written at any moment: a crash leaves the
 * old file or the new one, and temp files that sweepStaleTemps removes.
 *
 * With `deferSync` the batch is only renamed in (still atomic for every
 * reader of the running system) and made durable later, all at once, by
 * durable.ts; see there why that is safe for pages derived from the tree.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { openCreating, syncDir, syncFile, tempPathFor } from '../tree/index.js';

/** Files renamed in per batch: their names are all a batch holds. */
const BATCH = 256;
const limit = pLimit(8);

/** A file written in pieces (feed, search index, all-modules page, state), hashed as it goes. */
export class StreamedFile {
  readonly tmp: string;
  private readonly hash: Hash = createHash('sha256');
  private chunks: string[] = [];
  private buffered = 0;
  private size = 0;

  private constructor(
    readonly dest: string,
    private readonly fh: FileHandle,
    tmp: string,
  ) {
    this.tmp = tmp;
  }

  static async create(dest: string): Promise<StreamedFile> {
    const tmp = tempPathFor(dest);
    return new StreamedFile(dest, await openCreating(tmp), tmp);
  }

  async write(text: string): Promise<void> {
    this.chunks.push(text);
    this.buffered += text.length;
    if (this.buffered >= 1 << 17) await this.drain();
  }

  private async drain(): Promise<void> {
    const data = Buffer.from(this.chunks.join(''));
    this.chunks = [];
    this.buffered = 0;
    this.hash.update(data);
    this.size += data.length;
    await this.fh.write(data);
  }

  /** Closes the temp file; whether its bytes differ from the file at `dest`. */
  async finish(): Promise<boolean> {
    try {
      await this.drain();
    } finally {
      await this.fh.close();
    }
    const mine = this.hash.digest('hex');
    const old = await stat(this.dest).catch(() => undefined);
    return !(old?.size === this.size && (await fileHash(this.dest).catch(() => '')) === mine);
  }

  /** Closes it, then hands it to `pages` when its bytes changed, else removes it. */
  async commitTo(pages: PageWriter): Promise<void> {
    if (await this.finish()) await pages.adopt(this.tmp, this.dest);
    else await rm(this.tmp, { force: true });
  }

  /** Drops the temp file (the run failed, or nothing changed). */
  async discard(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(this.tmp, { force: true });
  }
}

function fileHash(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (b) => h.update(b))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** Writes pages in batches; `written` counts the files whose bytes changed. */
export class PageWriter {
  written = 0;
  private queue: [tmp: string, dest: string][] = [];

  /** `deferSync`: no fsync per batch; the caller syncs the file system once at the end (durable.ts). */
  constructor(
    private readonly root: string,
    private readonly options: { deferSync?: boolean } = {},
  ) {}

  /** Writes `text` at `rel` (a slash path under the root) unless the file holds exactly it. */
  async put(rel: string, text: string): Promise<void> {
    const dest = path.join(this.root, ...rel.split('/'));
    const data = Buffer.from(text);
    const old = await readFile(dest).catch(() => undefined);
    if (old?.equals(data)) return;
    const tmp = tempPathFor(dest);
    const fh = await openCreating(tmp);
    try {
      await fh.writeFile(data);
    } catch (err) {
      await fh.close().catch(() => undefined);
      await rm(tmp, { force: true });
      throw err;
    }
    await fh.close();
    await this.adopt(tmp, dest);
  }

  /** Takes a finished temp file to rename in with the next batch. */
  async adopt(tmp: string, dest: string): Promise<void> {
    this.queue.push([tmp, dest]);
    this.written++;
    if (this.queue.length >= BATCH) await this.flush();
  }

  /** fsyncs every temp file of the batch, renames them in, then fsyncs each directory once (only renames with `deferSync`). */
  async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    if (this.options.deferSync) {
      for (const [tmp, dest] of batch) await rename(tmp, dest);
      return;
    }
    try {
      await Promise.all(batch.map(([tmp]) => limit(() => syncFile(tmp))));
    } catch (err) {
      await Promise.all(batch.map(([tmp]) => rm(tmp, { force: true })));
      throw err;
    }
    for (const [tmp, dest] of batch) await rename(tmp, dest);
    const dirs = new Set(batch.map(([, dest]) => path.dirname(dest)));
    await Promise.all([...dirs].map((d) => limit(() => syncDir(d))));
  }

  /** Removes the temp files not renamed in yet (the run failed). */
  async abandon(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    await Promise.all(batch.map(([tmp]) => rm(tmp, { force: true })));
  }
}

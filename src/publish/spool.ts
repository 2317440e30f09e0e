/**
 * Lines kept on disk instead of in memory: what a publish learns per file
 * (rsync's change lines, the S3 upload plan, the S3 record) grows with the
 * tree, so it goes to temp files in a scratch directory of the run and is
 * read back line by line (issue 17: memory flat at 100,000 versions).
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** Bytes gathered before a write: few syscalls, little memory. */
const CHUNK = 64 * 1024;

/** A directory of temp files for one publish run, made on first use; dispose() removes it. */
export class Scratch {
  #dir: Promise<string> | undefined;
  #count = 0;

  /** A new, empty spool in the scratch directory. */
  async spool(): Promise<LineSpool> {
    return LineSpool.create(await this.file());
  }

  /** A fresh file name in the scratch directory (the file is not created). */
  async file(): Promise<string> {
    this.#dir ??= mkdtemp(path.join(tmpdir(), 'gomirror-publish-'));
    return path.join(await this.#dir, `${this.#count++}`);
  }

  async dispose(): Promise<void> {
    const dir = this.#dir;
    this.#dir = undefined;
    if (dir) await rm(await dir.catch(() => ''), { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * An append-only file of lines. append() is synchronous (lines gather in a
 * chunk, written in order in the background); finish() waits for the writes
 * and closes the file, after which lines() reads it back, as often as wanted.
 */
export class LineSpool {
  #fh: FileHandle | undefined;
  #chunk: string[] = [];
  #chunkBytes = 0;
  #writing: Promise<void> = Promise.resolve();
  #failed: Error | undefined;
  count = 0;

  private constructor(
    readonly file: string,
    fh: FileHandle,
  ) {
    this.#fh = fh;
  }

  static async create(file: string): Promise<LineSpool> {
    return new LineSpool(file, await open(file, 'wx', 0o600));
  }

  /** Appends one line (without its newline; it must contain none). */
  append(line: string): void {
    this.#chunk.push(line);
    this.#chunkBytes += line.length + 1;
    this.count++;
    if (this.#chunkBytes >= CHUNK) this.#flush();
  }

  /** Waits until the lines written so far are on disk (keeps the memory of a fast producer bounded). */
  async drain(): Promise<void> {
    this.#flush();
    await this.#writing;
    if (this.#failed !== undefined) throw this.#failed;
  }

  async finish(): Promise<void> {
    if (!this.#fh) return;
    this.#flush();
    const fh = this.#fh;
    this.#fh = undefined;
    await this.#writing;
    await fh.close();
    if (this.#failed !== undefined) throw this.#failed;
  }

  /** The lines in the order appended; call after finish(). */
  lines(): AsyncIterable<string> {
    return readLines(this.file, this.count);
  }

  #flush(): void {
    if (this.#chunk.length === 0 || !this.#fh) return;
    const text = this.#chunk.join('\n') + '\n';
    this.#chunk = [];
    this.#chunkBytes = 0;
    const fh = this.#fh;
    this.#writing = this.#writing.then(async () => {
      if (this.#failed !== undefined) return;
      try {
        await fh.write(text);
      } catch (err) {
        this.#failed = err instanceof Error ? err : new Error(String(err));
      }
    });
  }
}

/** The lines of `file` (none when `count` is 0: the file may be absent). */
export async function* readLines(file: string, count = 1): AsyncGenerator<string> {
  if (count === 0) return;
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8', highWaterMark: CHUNK }), crlfDelay: Infinity });
  for await (const line of rl) yield line;
}

/**
 * What staging learnt of each tree file it wrote (size, SHA-256, volume),
 * kept in a work file in tar order instead of a map of 344,000 entries at
 * 100,000 versions. Export writes the tar in a few runs, each in path order
 * (immutable files, then each commit rank's index files), so the records read
 * back in path order by merging those runs; a tar of many runs (never
 * written by export) is sorted in memory instead.
 */
import { createReadStream } from 'node:fs';
import { TextFileWriter } from './export-index.js';
import { lines } from './index-stream.js';

/** A tree file written to staging. */
export interface StagedRecord {
  readonly rel: string;
  readonly size: number;
  readonly sha256: string;
  /** The volume its data started in, for messages. */
  readonly volume: string;
}

type Row = [rel: string, size: number, sha256: string, volume: number];

const MAX_MERGED_RUNS = 32;

export class StagedRecords {
  private readonly runStarts: number[] = [0];
  private readonly volumes: string[] = [];
  private prev: string | undefined;
  private bytes = 0;
  private closed = false;
  count = 0;

  private constructor(
    private readonly file: string,
    private readonly w: TextFileWriter,
  ) {}

  static async create(file: string): Promise<StagedRecords> {
    return new StagedRecords(file, await TextFileWriter.create(file));
  }

  async add(r: StagedRecord): Promise<void> {
    let v = this.volumes.indexOf(r.volume);
    if (v < 0) v = this.volumes.push(r.volume) - 1;
    if (this.prev !== undefined && !(this.prev < r.rel)) this.runStarts.push(this.bytes);
    this.prev = r.rel;
    const line = `${JSON.stringify([r.rel, r.size, r.sha256, v] satisfies Row)}\n`;
    this.bytes += Buffer.byteLength(line);
    this.count++;
    await this.w.write(line);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.w.close();
  }

  /** The records in the order they were staged (tar order). */
  async *inTarOrder(): AsyncGenerator<StagedRecord> {
    await this.close();
    yield* this.run(0, this.bytes);
  }

  /** The records in path order. */
  async *sorted(): AsyncGenerator<StagedRecord> {
    await this.close();
    if (this.count === 0) return;
    const ends = [...this.runStarts.slice(1), this.bytes];
    if (this.runStarts.length > MAX_MERGED_RUNS) {
      const all: StagedRecord[] = [];
      for await (const r of this.run(0, this.bytes)) all.push(r);
      all.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
      yield* all;
      return;
    }
    const runs = this.runStarts.map((start, i) => this.run(start, ends[i] as number)[Symbol.asyncIterator]());
    const heads = await Promise.all(runs.map((r) => r.next()));
    for (;;) {
      let min = -1;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i] as IteratorResult<StagedRecord>;
        if (!h.done && (min < 0 || h.value.rel < (heads[min] as IteratorYieldResult<StagedRecord>).value.rel)) min = i;
      }
      if (min < 0) return;
      yield (heads[min] as IteratorYieldResult<StagedRecord>).value;
      heads[min] = await (runs[min] as AsyncIterator<StagedRecord>).next();
    }
  }

  private async *run(start: number, end: number): AsyncGenerator<StagedRecord> {
    if (end <= start) return;
    const bytes = (): AsyncIterable<Buffer> => createReadStream(this.file, { start, end: end - 1, highWaterMark: 1 << 16 }) as AsyncIterable<Buffer>;
    for await (const line of lines(bytes)) {
      if (line === '') continue;
      const [rel, size, sha256, v] = JSON.parse(line) as Row;
      yield { rel, size, sha256, volume: this.volumes[v] as string };
    }
  }
}

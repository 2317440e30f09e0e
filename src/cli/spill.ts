/**
 * A result spilled to a temporary file while a command works, and printed
 * when it is done: the output stays what it was (nothing on stdout if the
 * command fails half-way) without holding a tree-sized result in memory.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Spill {
  /** Appends text (waits when the file is behind). */
  write(text: string): Promise<void>;
  /** The text written so far, in chunks; call once, after the last write. */
  read(): AsyncIterable<string>;
  /** Removes the file. */
  remove(): Promise<void>;
}

export async function createSpill(): Promise<Spill> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gomirror-spill-'));
  const file = path.join(dir, 'result');
  const out = createWriteStream(file);
  await once(out, 'open');
  return {
    async write(text) {
      if (!out.write(text)) await once(out, 'drain');
    },
    async *read() {
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      yield* createReadStream(file, { encoding: 'utf8' }) as AsyncIterable<string>;
    },
    async remove() {
      out.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

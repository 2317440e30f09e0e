/**
 * Disk access for one database's mirror and state inside a tree. Files of
 * the mirror are immutable once written except `latest`; every write is
 * atomic (temp file, fsync, rename), so a reader never sees half a file.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { GomirrorError } from '../../errors.js';
import { writeFileAtomic, TEMP_FILE_PATTERN } from '../../tree/index.js';
import type { SumdbLayout } from './layout.js';

export interface SumdbStore {
  readonly layout: SumdbLayout;
  /** A mirror file by path relative to the database directory; undefined when missing or empty. */
  read(rel: string): Promise<Buffer | undefined>;
  /** Writes a mirror file unless it already holds exactly these bytes; returns whether it wrote. */
  write(rel: string, data: Uint8Array): Promise<boolean>;
  /** Every stored lookup, as paths relative to the database directory (`lookup/...`). */
  listLookups(): Promise<string[]>;
  readState(): Promise<Buffer | undefined>;
  writeState(note: Buffer, verifierKey: string): Promise<void>;
}

export function createSumdbStore(layout: SumdbLayout): SumdbStore {
  async function readOrUndefined(file: string): Promise<Buffer | undefined> {
    try {
      const data = await readFile(file);
      // Like the go command's cache: an empty file counts as missing.
      return data.length === 0 ? undefined : data;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
      throw new GomirrorError('E_FS', `${file}: ${(err as Error).message}`, { cause: err });
    }
  }

  async function writeIfChanged(file: string, data: Uint8Array): Promise<boolean> {
    const have = await readOrUndefined(file);
    if (have && have.equals(data)) return false;
    try {
      await writeFileAtomic(file, data);
    } catch (err) {
      throw new GomirrorError('E_FS', `writing ${file} failed: ${(err as Error).message}`, { cause: err });
    }
    return true;
  }

  return {
    layout,
    read: (rel) => readOrUndefined(layout.file(rel)),
    async write(rel, data) {
      // `supported` may be empty; everything else that is empty is damage.
      if (data.length === 0) {
        if ((await readFile(layout.file(rel)).catch(() => undefined)) !== undefined) return false;
        await writeFileAtomic(layout.file(rel), data);
        return true;
      }
      return writeIfChanged(layout.file(rel), data);
    },
    async listLookups() {
      const base = layout.file('lookup');
      let entries;
      try {
        entries = await readdir(base, { recursive: true, withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw new GomirrorError('E_FS', `${base}: ${(err as Error).message}`, { cause: err });
      }
      return entries
        .filter((e) => e.isFile() && !TEMP_FILE_PATTERN.test(e.name))
        .map((e) => `lookup/${path.relative(base, path.join(e.parentPath, e.name)).split(path.sep).join('/')}`)
        .sort();
    },
    readState: () => readOrUndefined(layout.stateLatestFile()),
    async writeState(note, verifierKey) {
      await writeIfChanged(layout.stateKeyFile(), Buffer.from(`${verifierKey}\n`));
      await writeIfChanged(layout.stateLatestFile(), note);
    },
  };
}

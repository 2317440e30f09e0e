/**
 * Checks, before any work, that a file a command will write (`--out`,
 * `--report`, `--metrics`) can be created where the user asked: its
 * directory exists, is a directory and is writable. A USB drive that is not
 * mounted or a typo in a path then fails at once with the cause and the path,
 * not at the end of a long run with a bare ENOENT.
 */
import { access, constants, stat } from 'node:fs/promises';
import path from 'node:path';
import { GomirrorError } from '../errors.js';

/** Throws E_FS naming the flag, the path and the reason when `file`'s directory cannot take it. */
export async function requireWritableParent(file: string, flag: string): Promise<void> {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  const where = `${flag} ${file}`;
  let st;
  try {
    st = await stat(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new GomirrorError('E_FS', `${where}: cannot write: the directory ${dir} does not exist`, {
        hint: `Does the directory exist, and is the drive mounted? Create it (mkdir -p ${dir}) or name another path.`,
        cause: err,
      });
    }
    throw new GomirrorError('E_FS', `${where}: cannot write: ${dir}: ${(err as Error).message}`, { cause: err });
  }
  if (!st.isDirectory()) {
    throw new GomirrorError('E_FS', `${where}: cannot write: ${dir} is not a directory`, { hint: 'Name a path inside a directory.' });
  }
  try {
    await access(dir, constants.W_OK);
  } catch (err) {
    throw new GomirrorError('E_FS', `${where}: cannot write: permission denied in ${dir}`, {
      hint: `Run as a user who may write to ${dir} (ls -ld ${dir}), or name another path. Is the drive mounted read-only?`,
      cause: err,
    });
  }
}

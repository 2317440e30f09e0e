import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { GomirrorError, isGomirrorError } from '../errors.js';
import { parseGoSum, type GoSumLine } from './go-sum.js';

/**
 * The lines of a go.sum file, read and parsed one at a time (the tree's
 * record holds every version, so commands that walk it must not load it
 * whole); `undefined` when the file does not exist. A malformed line throws
 * E_GOSUM naming its line number.
 */
export async function openGoSumLines(file: string): Promise<AsyncIterable<GoSumLine> | undefined> {
  const input = createReadStream(file);
  const opened = new Promise<boolean>((resolve, reject) => {
    input.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? resolve(false) : reject(err)));
    input.once('open', () => resolve(true));
  });
  if (!(await opened)) return undefined;
  return (async function* lines(): AsyncGenerator<GoSumLine> {
    let n = 0;
    for await (const row of createInterface({ input, crlfDelay: Infinity })) {
      n++;
      let parsed;
      try {
        parsed = parseGoSum(row, file)[0];
      } catch (err) {
        if (!isGomirrorError(err)) throw err;
        throw new GomirrorError(err.code, err.message.replace(`${file}:1:`, `${file}:${n}:`), { ...(err.hint !== undefined ? { hint: err.hint } : {}) });
      }
      if (parsed !== undefined) yield parsed;
    }
  })();
}

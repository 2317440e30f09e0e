import { open, type FileHandle } from 'node:fs/promises';
import { GomirrorError, ProblemList } from '../errors.js';
import { parseGoSum } from './go-sum.js';
import type { SumStore } from './sums.js';

/** The recorded hashes of one module: what checkModuleDir asks of the tree's go.sum. */
export type ModuleSums = Pick<SumStore, 'get'>;

/**
 * The tree's `.gomirror/go.sum` as a map of where each module's lines lie in
 * the file, not of the lines themselves: verify checks one module at a time,
 * so it reads that module's lines when it reaches the module. At 100,000
 * versions this holds a few bytes per module (25,000 of them) instead of
 * 200,000 hashes. sync writes the file sorted, so a module's lines are one
 * run; lines appended by a checkpoint before a crash make a few more.
 */
export interface SumsByModule {
  /** The module's hashes, read from the file; later lines win, as in openSumStore. */
  forModule(modulePath: string): Promise<ModuleSums>;
  close(): Promise<void>;
}

const CHUNK = 1 << 16;
const NL = 0x0a;

/**
 * Reads `file` once, checking every line as openSumStore does (a malformed
 * line throws E_GOSUM naming it; a torn last line, left by a crash during an
 * append, is dropped). A missing file records nothing.
 */
export async function openSumsByModule(file: string): Promise<SumsByModule> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { forModule: async () => ({ get: () => undefined }), close: async () => undefined };
    throw new GomirrorError('E_FS', `${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const runs = await indexRuns(fh, file);
    return {
      async forModule(modulePath) {
        const r = runs.get(modulePath);
        const hashes = new Map<string, string>();
        for (let i = 0; r !== undefined && i < r.length; i += 2) {
          const start = r[i] as number;
          const len = (r[i + 1] as number) - start;
          const buf = Buffer.alloc(len);
          const { bytesRead } = await fh.read(buf, 0, len, start);
          for (const l of parseGoSum(buf.subarray(0, bytesRead).toString('utf8'), file)) {
            if (l.path === modulePath) hashes.set(key(l.version, l.goMod), l.hash);
          }
        }
        return { get: (_p, v, goMod) => hashes.get(key(v, goMod)) };
      },
      close: () => fh.close(),
    };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

function key(version: string, goMod: boolean): string {
  return goMod ? `${version}/go.mod` : version;
}

/** Module path → flat [start, end, start, end, ...] byte ranges of its lines, adjacent lines merged. */
async function indexRuns(fh: FileHandle, file: string): Promise<Map<string, number[]>> {
  const runs = new Map<string, number[]>();
  const buf = Buffer.alloc(CHUNK);
  let carry: Buffer = Buffer.alloc(0);
  let pos = 0;
  let lineNo = 0;
  // Every malformed line is reported (up to a limit), as openSumStore does.
  const problems = new ProblemList();
  const line = (row: Buffer, start: number, torn: boolean): void => {
    lineNo++;
    let parsed;
    try {
      parsed = parseGoSum(row.toString('utf8'), file)[0];
    } catch (err) {
      if (torn) return;
      const e = err as GomirrorError;
      problems.attempt(() => {
        throw new GomirrorError(e.code, e.message.replace(`${file}:1:`, `${file}:${lineNo}:`), { ...(e.hint !== undefined ? { hint: e.hint } : {}) });
      });
      return;
    }
    if (parsed === undefined) return;
    const end = start + row.length + (torn ? 0 : 1);
    const r = runs.get(parsed.path);
    // Copied flat: the path is a slice of the row's text, which would stay alive with it.
    if (r === undefined) runs.set(Buffer.from(parsed.path).toString(), [start, end]);
    else if (r[r.length - 1] === start) r[r.length - 1] = end;
    else r.push(start, end);
  };
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, CHUNK, pos);
    if (bytesRead === 0) break;
    const data = carry.length > 0 ? Buffer.concat([carry, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
    const base = pos - carry.length;
    let from = 0;
    for (let nl = data.indexOf(NL, from); nl >= 0; nl = data.indexOf(NL, from)) {
      line(data.subarray(from, nl), base + from, false);
      from = nl + 1;
    }
    carry = Buffer.from(data.subarray(from));
    pos += bytesRead;
  }
  if (carry.length > 0) line(carry, pos - carry.length, true);
  problems.throwIfAny();
  return runs;
}

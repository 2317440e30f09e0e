import { open } from 'node:fs/promises';

/** Input files (manifests, go.mod, go.work, go.sum) larger than this are refused: the go command caps go.mod at 16 MiB. */
export const MAX_INPUT_FILE = 64 * 2 ** 20;

/**
 * Reads a text input file named on the command line or in a manifest, at
 * most `limit` bytes, so `--gomod /dev/urandom` or a huge file fails with a
 * clear message instead of exhausting memory. A file holding NUL bytes is
 * not text: refused without quoting any of it. Throws a plain Error whose
 * message the caller wraps with its own code and the file name.
 */
export async function readInputFile(file: string, limit = MAX_INPUT_FILE): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(Math.min(1 << 20, limit + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      chunks.push(buf.subarray(0, bytesRead));
      if (total > limit) throw new Error(`larger than ${limit} bytes, too large for an input file`);
    }
    const data = Buffer.concat(chunks);
    if (data.includes(0)) throw new Error('not a text file (it holds NUL bytes)');
    return data.toString('utf8');
  } finally {
    await fh.close();
  }
}

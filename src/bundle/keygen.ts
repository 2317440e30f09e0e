import { chmod, open, readFile, rm } from 'node:fs/promises';
import { GomirrorError } from '../errors.js';
import { requireWritableParent } from '../tree/index.js';
import { generateSigningKeyPair } from './signature.js';

/** The files `gomirror keygen` wrote. */
export interface KeyPairFiles {
  /** PKCS#8 PEM private key, mode 0600: for `bundle export --sign-key`. */
  readonly privateFile: string;
  /** SPKI PEM public key: for `bundle import --verify-key`. */
  readonly publicFile: string;
  readonly keyId: string;
}

/**
 * Writes a new Ed25519 key pair to `out` and `out.pub`. Never overwrites a
 * key unless `force` is set: losing a signing key is not undoable. Throws
 * E_USAGE when a file exists, E_FS when it cannot be written.
 */
export async function writeKeyPair(out: string, force = false): Promise<KeyPairFiles> {
  await requireWritableParent(out, '--out');
  const pair = generateSigningKeyPair();
  const publicFile = `${out}.pub`;
  await writeNew(out, pair.privatePem, 0o600, force);
  try {
    await writeNew(publicFile, pair.publicPem, 0o644, force);
  } catch (err) {
    await rm(out, { force: true });
    throw err;
  }
  return { privateFile: out, publicFile, keyId: pair.keyId };
}

async function writeNew(file: string, text: string, mode: number, force: boolean): Promise<void> {
  try {
    const fh = await open(file, force ? 'w' : 'wx', mode);
    try {
      // A file that existed keeps its old mode under 'w': set it explicitly.
      await chmod(file, mode);
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new GomirrorError('E_USAGE', `${file} exists; not overwriting a key`, {
        hint: 'Choose another --out, or pass --force to replace the key pair',
      });
    }
    throw new GomirrorError('E_FS', `cannot write ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** Reads a key file; throws E_KEY if it cannot be read. */
export async function readKey(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new GomirrorError('E_KEY', `cannot read key ${file}: ${(err as Error).message}`, { cause: err });
  }
}

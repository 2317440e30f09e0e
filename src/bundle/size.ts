import { GomirrorError } from '../errors.js';

/** The largest file FAT32 can hold: 4 GiB minus one byte. */
export const FAT32_MAX_FILE = 2 ** 32 - 1;

// Volumes smaller than this would make thousands of files; the tar format's
// 512-byte blocks also make anything tinier pointless.
const MIN_VOLUME = 512;

const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/**
 * Parses a `--split` size: bytes (`1048576`), a number with a binary unit
 * (`700M`, `4G`, `1.5GiB`, `512k`), or `fat32` for the largest file a FAT32
 * drive holds (4 GiB − 1; `4G` is one byte too many for it). Throws
 * GomirrorError E_USAGE for anything else or a size under 512 bytes.
 */
export function parseSize(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === 'fat32') return FAT32_MAX_FILE;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/.exec(t);
  if (!m) {
    throw new GomirrorError('E_USAGE', `invalid size ${JSON.stringify(text)}`, {
      hint: 'Give bytes or a number with K, M, G or T (binary units), e.g. 700M, or fat32',
    });
  }
  const bytes = Math.floor(Number(m[1]) * (UNITS[m[2] as string] as number));
  if (bytes < MIN_VOLUME) {
    throw new GomirrorError('E_USAGE', `size ${JSON.stringify(text)} is too small: volumes hold at least ${MIN_VOLUME} bytes`);
  }
  return bytes;
}

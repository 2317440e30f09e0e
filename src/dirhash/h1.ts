/**
 * The "h1:" directory hash (Go: golang.org/x/mod/sumdb/dirhash.Hash1), the
 * hash that go.sum files and the checksum database record for module zips and
 * go.mod files.
 */
import { createHash } from 'node:crypto';

/** One file in a Hash1 summary: its name and the SHA-256 of its content. */
export interface HashEntry {
  /** The file name exactly as hashed (for zips: the full entry name). */
  readonly name: string;
  /** SHA-256 of the content: 32 raw bytes or 64 hex digits. */
  readonly sha256: Buffer | string;
}

/**
 * Computes Hash1 over already-hashed files: the names sorted by their UTF-8
 * bytes, one line `hex  name\n` each, SHA-256 of those lines, base64 with
 * padding after `h1:`. Duplicate names each get their own line, as in Go.
 * Throws if a name contains a newline, which would make the summary ambiguous.
 */
export function hash1(entries: Iterable<HashEntry>): string {
  const lines: { name: Buffer; hex: string }[] = [];
  for (const entry of entries) {
    if (entry.name.includes('\n')) {
      throw new Error(`dirhash: file name with newline is not supported: ${JSON.stringify(entry.name)}`);
    }
    lines.push({ name: Buffer.from(entry.name, 'utf8'), hex: toHex(entry.sha256, entry.name) });
  }
  // Go's sort.Strings compares bytes; JS string order (UTF-16 code units)
  // differs for characters above U+FFFF, so sort the encoded names.
  lines.sort((a, b) => Buffer.compare(a.name, b.name));
  const summary = createHash('sha256');
  for (const line of lines) {
    summary.update(`${line.hex}  `);
    summary.update(line.name);
    summary.update('\n');
  }
  return `h1:${summary.digest('base64')}`;
}

/** The h1 of a .mod file: Hash1 over the single name `go.mod` (no module@version prefix). */
export function hashGoMod(data: Uint8Array): string {
  return hash1([{ name: 'go.mod', sha256: createHash('sha256').update(data).digest() }]);
}

function toHex(sha256: Buffer | string, name: string): string {
  if (typeof sha256 === 'string') {
    if (!/^[0-9a-f]{64}$/.test(sha256)) {
      throw new Error(`dirhash: sha256 of ${JSON.stringify(name)} is not 64 lower-case hex digits`);
    }
    return sha256;
  }
  if (sha256.length !== 32) {
    throw new Error(`dirhash: sha256 of ${JSON.stringify(name)} is ${sha256.length} bytes, want 32`);
  }
  return sha256.toString('hex');
}

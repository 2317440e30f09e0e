/**
 * Signed notes and verifier keys (Go: golang.org/x/mod/sumdb/note), pure.
 *
 * A verifier key is `<name>+<hash>+<base64(0x01 ‖ Ed25519 public key)>`; the
 * hash is the first four bytes of SHA-256(name ‖ "\n" ‖ key data). A signed
 * note is its text (ending in "\n"), a blank line, then one or more lines
 * `— <name> <base64(key hash ‖ signature)>`; the signature covers the text.
 */
import { isUtf8 } from 'node:buffer';
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { GomirrorError } from '../errors.js';

/** A key that can check signatures by one server. */
export interface Verifier {
  readonly name: string;
  /** The key hash, as an unsigned 32-bit number. */
  readonly hash: number;
  /** The key as written: `name+hhhhhhhh+base64`. */
  readonly key: string;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/** One signature line of a note. */
export interface NoteSignature {
  name: string;
  hash: number;
  base64: string;
}

/** An opened note: its text and which signatures were checked. */
export interface Note {
  text: string;
  sigs: NoteSignature[];
  unverifiedSigs: NoteSignature[];
}

const ALG_ED25519 = 1;
// DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 raw key bytes follow.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const SIG_PREFIX = Buffer.from('— ', 'utf8');
const MAX_SIGNATURES = 100;

/** The key hash: first four bytes, big-endian, of SHA-256(name ‖ "\n" ‖ key data). */
export function keyHash(name: string, keyData: Uint8Array): number {
  return createHash('sha256').update(name).update('\n').update(keyData).digest().readUInt32BE(0);
}

/**
 * Go: a server name is non-empty UTF-8 with no Unicode white space and no
 * `+` (unicode.IsSpace, which unlike JavaScript's \s includes U+0085 and
 * excludes U+FEFF).
 */
export function isValidKeyName(name: string): boolean {
  return name !== '' && !name.includes('+') && !/[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/.test(name);
}

/** Parses a verifier key; throws E_SUMDB_SPEC saying what is wrong with it. */
export function parseVerifierKey(vkey: string): Verifier {
  const [name, rest] = chop(vkey, '+');
  const [hash16, key64] = chop(rest, '+');
  const keyData = decodeBase64(key64);
  if (!/^[0-9a-fA-F]{8}$/.test(hash16) || !keyData || keyData.length === 0 || !isValidKeyName(name)) {
    throw new GomirrorError('E_SUMDB_SPEC', `malformed verifier key "${vkey}"`, {
      hint: 'A verifier key looks like sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8',
    });
  }
  const hash = parseInt(hash16, 16);
  if (hash !== keyHash(name, keyData)) {
    throw new GomirrorError('E_SUMDB_SPEC', `verifier key "${vkey}": the hash ${hash16} does not match the key`);
  }
  if (keyData[0] !== ALG_ED25519) {
    throw new GomirrorError('E_SUMDB_SPEC', `verifier key "${vkey}": unknown algorithm ${keyData[0]}`);
  }
  if (keyData.length !== 33) throw new GomirrorError('E_SUMDB_SPEC', `verifier key "${vkey}": an Ed25519 key has 32 bytes`);
  const publicKey: KeyObject = createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, keyData.subarray(1)]),
    format: 'der',
    type: 'spki',
  });
  return {
    name,
    hash,
    key: vkey,
    verify: (message, signature) => {
      try {
        return cryptoVerify(null, message, publicKey, signature);
      } catch {
        return false;
      }
    },
  };
}

/**
 * Opens a signed note (Go: note.Open): checks its syntax, verifies every
 * signature by a known key, keeps the others as unverified. Throws E_SUMDB
 * for a malformed note or one no known key signed, E_SUMDB_SECURITY when a
 * known key's signature is wrong.
 */
export function openNote(msg: Uint8Array, known: readonly Verifier[]): Note {
  const bytes = Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength);
  if (!isCleanText(bytes)) throw malformed('it is not UTF-8 text without control characters');
  const split = bytes.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const text = bytes.subarray(0, split + 1);
  let sigs = bytes.subarray(split + 2);
  if (sigs.length === 0 || sigs[sigs.length - 1] !== 0x0a) throw malformed('the signature block does not end in a newline');

  const note: Note = { text: text.toString('utf8'), sigs: [], unverifiedSigs: [] };
  const seen = new Set<string>();
  const seenUnverified = new Set<string>();
  let count = 0;
  while (sigs.length > 0) {
    const nl = sigs.indexOf(0x0a);
    let line = sigs.subarray(0, nl);
    sigs = sigs.subarray(nl + 1);
    if (!line.subarray(0, SIG_PREFIX.length).equals(SIG_PREFIX)) throw malformed('a signature line does not start with "— "');
    line = line.subarray(SIG_PREFIX.length);
    const [name, b64] = chop(line.toString('utf8'), ' ');
    const sig = decodeBase64(b64);
    if (!sig || !isValidKeyName(name) || b64 === '' || sig.length < 5) throw malformed(`bad signature line "${line.toString()}"`);
    if (++count > MAX_SIGNATURES) throw malformed(`more than ${MAX_SIGNATURES} signatures`);
    const hash = sig.readUInt32BE(0);
    const v = known.filter((k) => k.name === name && k.hash === hash);
    if (v.length === 0) {
      if (!seenUnverified.has(line.toString('utf8'))) {
        seenUnverified.add(line.toString('utf8'));
        note.unverifiedSigs.push({ name, hash, base64: b64 });
      }
      continue;
    }
    if (v.length > 1) throw new GomirrorError('E_SUMDB_SPEC', `ambiguous key ${name}+${hex8(hash)}`);
    const id = `${name}+${hash}`;
    if (seen.has(id)) continue;
    seen.add(id);
    if (!(v[0] as Verifier).verify(text, sig.subarray(4))) {
      throw new GomirrorError('E_SUMDB_SECURITY', `SECURITY ERROR: invalid signature by key ${name}+${hex8(hash)} on a checksum database note`, {
        hint: 'Someone between gomirror and the database altered its answer, or the database misbehaves. Nothing was trusted.',
      });
    }
    note.sigs.push({ name, hash, base64: b64 });
  }
  if (note.sigs.length === 0) {
    const by = note.unverifiedSigs.map((s) => `${s.name}+${hex8(s.hash)}`).join(', ');
    throw new GomirrorError('E_SUMDB', `checksum database note has no signature by a known key (signed by ${by})`, {
      hint: 'Check the key in GOSUMDB / --sumdb: it must be the key of the database that answers',
    });
  }
  return note;
}

/** Whether bytes are valid UTF-8 with no control characters other than newline. */
export function isCleanText(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b < 0x20 && b !== 0x0a) return false;
  return isUtf8(bytes);
}

/** Go's base64.StdEncoding: padded, standard alphabet, nothing else. Null when invalid. */
export function decodeBase64(s: string): Buffer | null {
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) return null;
  return Buffer.from(s, 'base64');
}

function malformed(why: string): GomirrorError {
  return new GomirrorError('E_SUMDB', `malformed checksum database note: ${why}`);
}

function chop(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + sep.length)];
}

/** A key hash as 8 hex digits. */
export const hex8 = (hash: number): string => hash.toString(16).padStart(8, '0');

/**
 * Ed25519 signatures over the exact bytes of a bundle index (node:crypto).
 * Keys are PEM files (PKCS#8 private, SPKI public). A signature file is one
 * line: `gomirror-ed25519 <key id> <base64 signature>`, where the key id is
 * the first 16 hex digits of SHA-256 over the raw 32-byte public key, so a
 * refusal can say which key signed and which one was expected.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { GomirrorError } from '../errors.js';
import { SIGNATURE_ENTRY } from './index-format.js';

const SIG_TAG = 'gomirror-ed25519';

/** A fresh key pair as PEM text. */
export interface SigningKeyPair {
  readonly privatePem: string;
  readonly publicPem: string;
  readonly keyId: string;
}

/** Generates an Ed25519 key pair. */
export function generateSigningKeyPair(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

/** The short id of a public (or private) Ed25519 key. */
export function keyIdOf(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  // The SPKI DER of an Ed25519 key is a fixed 12-byte prefix and the 32 raw key bytes.
  const raw = pub.export({ type: 'spki', format: 'der' }).subarray(-32);
  return createHash('sha256').update(raw).digest('hex').slice(0, 16);
}

/** Parses a PEM private key read from `file`; throws E_KEY unless it is an Ed25519 private key. */
export function parsePrivateKey(pem: string | Buffer, file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new GomirrorError('E_KEY', `${file}: not a PEM private key (${(err as Error).message})`, {
      hint: 'gomirror keygen --out FILE writes FILE (private key, for --sign-key) and FILE.pub',
      cause: err,
    });
  }
  return requireEd25519(key, file);
}

/** Parses a PEM public key (a private key is accepted too: its public half is used); throws E_KEY. */
export function parsePublicKey(pem: string | Buffer, file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new GomirrorError('E_KEY', `${file}: not a PEM public key (${(err as Error).message})`, {
      hint: 'Pass the FILE.pub that gomirror keygen wrote',
      cause: err,
    });
  }
  return requireEd25519(key, file);
}

function requireEd25519(key: KeyObject, file: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new GomirrorError('E_KEY', `${file}: a ${key.asymmetricKeyType ?? 'unknown'} key; bundles are signed with Ed25519 keys`, {
      hint: 'Make one with gomirror keygen --out FILE',
    });
  }
  return key;
}

/** Signs index bytes; returns the signature file's text. */
export function signIndex(indexBytes: Uint8Array, privateKey: KeyObject): string {
  const sig = sign(null, indexBytes, privateKey);
  return `${SIG_TAG} ${keyIdOf(privateKey)} ${sig.toString('base64')}\n`;
}

/** A parsed signature file. */
export interface IndexSignature {
  readonly keyId: string;
  readonly signature: Buffer;
}

/** Parses a signature file's text; undefined if it is not one. */
export function parseSignature(text: string): IndexSignature | undefined {
  const m = /^gomirror-ed25519 ([0-9a-f]{16}) ([A-Za-z0-9+/]{86}==)\n?$/.exec(text);
  if (!m) return undefined;
  return { keyId: m[1] as string, signature: Buffer.from(m[2] as string, 'base64') };
}

/**
 * Checks that `sigText` is a valid signature of `indexBytes` by `publicKey`.
 * Throws GomirrorError E_SIGNATURE (a security error) when the bundle is
 * unsigned, the signature file is malformed, another key signed it, or the
 * signature does not match the index bytes. `bundle` names the bundle.
 */
export function verifyIndexSignature(
  indexBytes: Uint8Array,
  sigText: string | undefined,
  publicKey: KeyObject,
  bundle: string,
): void {
  const expected = keyIdOf(publicKey);
  if (sigText === undefined) {
    throw new GomirrorError('E_SIGNATURE', `SECURITY ERROR: ${bundle} is not signed, and --verify-key requires a signature by key ${expected}`, {
      hint: 'Export it again with --sign-key, or import without --verify-key if you trust the way it came.',
    });
  }
  const sig = parseSignature(sigText);
  if (sig === undefined) {
    throw new GomirrorError('E_SIGNATURE', `SECURITY ERROR: ${bundle}: ${SIGNATURE_ENTRY} is not a gomirror-ed25519 signature`);
  }
  if (sig.keyId !== expected) {
    throw new GomirrorError(
      'E_SIGNATURE',
      `SECURITY ERROR: ${bundle} is signed by key ${sig.keyId}, not by the --verify-key key ${expected}`,
      { hint: 'Check that you were given the right bundle and the right public key.' },
    );
  }
  if (!verify(null, indexBytes, publicKey, sig.signature)) {
    throw new GomirrorError('E_SIGNATURE', `SECURITY ERROR: ${bundle}: the signature by key ${expected} does not match the index; the index was altered`, {
      hint: 'Do not import this bundle; get a fresh copy from its source.',
    });
  }
}

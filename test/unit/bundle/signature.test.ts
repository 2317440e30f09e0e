import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';

import { generateSigningKeyPair, keyIdOf, parsePrivateKey, parsePublicKey, signIndex, verifyIndexSignature } from '../../../src/bundle/index.js';

describe('bundle signatures', () => {
  const pair = generateSigningKeyPair();
  const priv = parsePrivateKey(pair.privatePem, 'k');
  const pub = parsePublicKey(pair.publicPem, 'k.pub');
  const index = Buffer.from('{"format":"gomirror-bundle/1"}\n');

  it('signs in the one-line gomirror-ed25519 format with the key id', () => {
    const sig = signIndex(index, priv);
    assert.match(sig, /^gomirror-ed25519 [0-9a-f]{16} [A-Za-z0-9+/]{86}==\n$/);
    assert.equal(sig.split(' ')[1], pair.keyId);
    assert.equal(keyIdOf(priv), keyIdOf(pub));
    assert.equal(keyIdOf(createPublicKey(pair.privatePem)), pair.keyId);
  });

  it('verifies with the public key, or with the private key file', () => {
    const sig = signIndex(index, priv);
    verifyIndexSignature(index, sig, pub, 'b.tar');
    verifyIndexSignature(index, sig, parsePublicKey(pair.privatePem, 'k'), 'b.tar');
  });

  it('refuses an unsigned bundle', () => {
    assert.throws(() => verifyIndexSignature(index, undefined, pub, 'b.tar'), {
      code: 'E_SIGNATURE',
      message: `SECURITY ERROR: b.tar is not signed, and --verify-key requires a signature by key ${pair.keyId}`,
    });
  });

  it('refuses a bundle signed by another key, naming both keys', () => {
    const other = generateSigningKeyPair();
    const sig = signIndex(index, parsePrivateKey(other.privatePem, 'o'));
    assert.throws(() => verifyIndexSignature(index, sig, pub, 'b.tar'), {
      code: 'E_SIGNATURE',
      message: `SECURITY ERROR: b.tar is signed by key ${other.keyId}, not by the --verify-key key ${pair.keyId}`,
    });
  });

  it('refuses an altered index', () => {
    const sig = signIndex(index, priv);
    const altered = Buffer.from(index);
    altered.writeUInt8((altered.readUInt8(3) ^ 1), 3);
    assert.throws(() => verifyIndexSignature(altered, sig, pub, 'b.tar'), {
      code: 'E_SIGNATURE',
      message: `SECURITY ERROR: b.tar: the signature by key ${pair.keyId} does not match the index; the index was altered`,
    });
  });

  it('refuses a forged signature with the right key id', () => {
    const sig = signIndex(index, priv);
    const [tag, id, b64] = sig.trim().split(' ') as [string, string, string];
    const flipped = b64[0] === 'A' ? `B${b64.slice(1)}` : `A${b64.slice(1)}`;
    const forged = `${tag} ${id} ${flipped}\n`;
    assert.throws(() => verifyIndexSignature(index, forged, pub, 'b.tar'), { code: 'E_SIGNATURE', message: /does not match the index/ });
  });

  it('refuses a malformed signature file', () => {
    assert.throws(() => verifyIndexSignature(index, 'ssh-ed25519 AAAA\n', pub, 'b.tar'), {
      code: 'E_SIGNATURE',
      message: 'SECURITY ERROR: b.tar: gomirror-index.json.sig is not a gomirror-ed25519 signature',
    });
  });

  it('refuses keys that are not Ed25519 PEM keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    assert.throws(() => parsePrivateKey(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }), 'rsa.key'), {
      code: 'E_KEY',
      message: 'rsa.key: a rsa key; bundles are signed with Ed25519 keys',
    });
    assert.throws(() => parsePrivateKey('hello', 'junk.key'), { code: 'E_KEY', message: /^junk\.key: not a PEM private key/ });
    assert.throws(() => parsePublicKey('hello', 'junk.pub'), { code: 'E_KEY', message: /^junk\.pub: not a PEM public key/ });
    assert.throws(() => parsePrivateKey(pair.publicPem, 'k.pub'), { code: 'E_KEY', message: /^k\.pub: not a PEM private key/ });
  });
});

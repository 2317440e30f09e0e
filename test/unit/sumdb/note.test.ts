import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { GomirrorError } from '../../../src/errors.js';
import { hex8, keyHash, openNote, parseVerifierKey, type Verifier } from '../../../src/sumdb/index.js';
import { loadVectors, signNote, type Vectors } from './vectors.js';

// The example in golang.org/x/mod/sumdb/note's package documentation.
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const PETER_NOTE = `${PETER_TEXT}\n${PETER_SIG}`;
const ENOCH_SIG = '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';

const code = (c: string, re?: RegExp) => (e: unknown) => e instanceof GomirrorError && e.code === c && (!re || re.test(e.message));

describe('verifier keys', () => {
  it('reads the well-known sum.golang.org key, whose hash is 033de0ae', () => {
    const v = parseVerifierKey('sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8');
    assert.equal(v.name, 'sum.golang.org');
    assert.equal(hex8(v.hash), '033de0ae');
    const data = Buffer.from('Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8', 'base64');
    assert.equal(data.length, 33);
    assert.equal(hex8(keyHash('sum.golang.org', data)), '033de0ae');
  });

  it('rejects malformed keys, wrong hashes, other algorithms and bad names', () => {
    for (const [k, re] of [
      ['PeterNeumann+c74f20a3', /malformed verifier key/],
      ['PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', /malformed/],
      ['PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T', /malformed/],
      ['PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', /does not match the key/],
      ['Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', /malformed/],
      ['+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', /malformed/],
    ] as const) {
      assert.throws(() => parseVerifierKey(k), code('E_SUMDB_SPEC', re), k);
    }
    // Algorithm 2 with a correct hash for its data.
    const data = Buffer.concat([Buffer.from([2]), Buffer.alloc(32, 7)]);
    const k2 = `x+${hex8(keyHash('x', data))}+${data.toString('base64')}`;
    assert.throws(() => parseVerifierKey(k2), code('E_SUMDB_SPEC', /unknown algorithm 2/));
    const short = Buffer.concat([Buffer.from([1]), Buffer.alloc(31, 7)]);
    assert.throws(() => parseVerifierKey(`x+${hex8(keyHash('x', short))}+${short.toString('base64')}`), code('E_SUMDB_SPEC', /32 bytes/));
  });
});

describe('signed notes', () => {
  let peter: Verifier;
  let v: Vectors;
  before(async () => {
    peter = parseVerifierKey(PETER_VKEY);
    v = await loadVectors();
  });

  it('opens the x/mod documentation example', () => {
    const n = openNote(Buffer.from(PETER_NOTE), [peter]);
    assert.equal(n.text, PETER_TEXT);
    assert.deepEqual(n.sigs.map((s) => [s.name, hex8(s.hash)]), [['PeterNeumann', 'c74f20a3']]);
    assert.deepEqual(n.unverifiedSigs, []);
  });

  it('keeps signatures by unknown keys as unverified, and drops repeats', () => {
    const n = openNote(Buffer.from(`${PETER_TEXT}\n${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}${PETER_SIG}`), [peter]);
    assert.equal(n.sigs.length, 1);
    assert.deepEqual(n.unverifiedSigs.map((s) => s.name), ['EnochRoot']);
  });

  it('refuses a note no known key signed (E_SUMDB) and a bad signature by a known key (E_SUMDB_SECURITY)', () => {
    assert.throws(() => openNote(Buffer.from(`${PETER_TEXT}\n${ENOCH_SIG}`), [peter]), code('E_SUMDB', /no signature by a known key \(signed by EnochRoot\+/));
    const forged = PETER_NOTE.replace('answer', 'ANSWER');
    assert.throws(() => openNote(Buffer.from(forged), [peter]), code('E_SUMDB_SECURITY', /invalid signature by key PeterNeumann\+c74f20a3/));
  });

  it('verifies notes signed by a key made with note.GenerateKey, and our own signing of them', () => {
    const key = parseVerifierKey(v.note.vkey);
    assert.match(openNote(Buffer.from(v.note.signed), [key]).text, /^go\.sum database tree\n3000\n/);
    assert.equal(signNote(PETER_SKEY, PETER_TEXT), PETER_NOTE);
    assert.equal(signNote(v.note.skey, 'go.sum database tree\n3000\nN6/AZxprIaRUY6I2KyG1/yUC8YMSMVD0wGD6RLIxh98=\n'), v.note.signed);
  });

  it('rejects malformed notes', () => {
    for (const [msg, re] of [
      [PETER_NOTE.replace('\n\n', '\n'), /no blank line/],
      [PETER_NOTE.slice(0, -1), /does not end in a newline/],
      [`${PETER_TEXT}\n`, /does not end in a newline/],
      [PETER_NOTE.replace('— ', '- '), /does not start with/],
      [PETER_NOTE.replace('x08go', 'x08go!'), /bad signature line/],
      [PETER_NOTE.replace('problem,', 'problem,\r'), /control characters/],
      [`${PETER_TEXT}\n— PeterNeumann AAAA\n`, /bad signature line/],
      [`${PETER_TEXT}\n${ENOCH_SIG.repeat(1)}${Array.from({ length: 101 }, (_, i) => `— k${i} AAAAAAAA\n`).join('')}`, /more than 100/],
    ] as const) {
      assert.throws(() => openNote(Buffer.from(msg), [peter]), code('E_SUMDB', re), JSON.stringify(msg.slice(-40)));
    }
    const invalidUtf8 = Buffer.concat([Buffer.from(PETER_TEXT), Buffer.from([0xff, 0x0a, 0x0a]), Buffer.from(PETER_SIG)]);
    assert.throws(() => openNote(invalidUtf8, [peter]), code('E_SUMDB', /UTF-8/));
  });
});

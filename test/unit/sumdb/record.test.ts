import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { GomirrorError } from '../../../src/errors.js';
import { compareRecord, formatLookup, formatTree, isValidRecordText, parseLookup, parseTree, recordHashes } from '../../../src/sumdb/index.js';
import { loadVectors, recordText, type Vectors } from './vectors.js';

const ZIP = 'h1:pU6oZhiPkSOZFVub4lYEI5T6hU1kuCOg/Nj85rhoaZ8=';
const MOD = 'h1:oVh6zeOkD79+wTFnJ2GH8ZQes+Igo2Ff83EFZpiW2Kw=';
const TEXT = `example.com/a v1.0.0 ${ZIP}\nexample.com/a v1.0.0/go.mod ${MOD}\n`;
const malformed = (re: RegExp) => (e: unknown) => e instanceof GomirrorError && e.code === 'E_SUMDB' && re.test(e.message);

describe('lookup responses and records (tlog.ParseRecord)', () => {
  let v: Vectors;
  before(async () => {
    v = await loadVectors();
  });

  it('splits a lookup written by the x/mod server into id, record and note', () => {
    const l = parseLookup(Buffer.from(v.note.lookup));
    assert.equal(l.id, 1234);
    assert.ok(l.text.equals(recordText(1234)));
    assert.equal(l.note.toString(), v.note.signed);
    assert.ok(formatLookup(l.id, l.text, l.note).equals(Buffer.from(v.note.lookup)));
  });

  it('rejects ids, texts and layouts the go client rejects', () => {
    const note = 'go.sum database tree\n1\nx\n\n— k sig\n';
    for (const [data, re] of [
      [`x\n${TEXT}\n${note}`, /no record id/],
      [`-1\n${TEXT}\n${note}`, /no record id/],
      [`12`, /no record id/],
      [`12\n${TEXT}`, /no blank line/],
      [`12\nexample.com/a v1.0.0\th1:x\n\n${note}`, /invalid record text/],
    ] as const) {
      assert.throws(() => parseLookup(Buffer.from(data)), malformed(re), JSON.stringify(data.slice(0, 30)));
    }
    assert.equal(isValidRecordText(Buffer.from(TEXT)), true);
    assert.equal(isValidRecordText(Buffer.from(TEXT.slice(0, -1))), false);
    assert.equal(isValidRecordText(Buffer.from(`${TEXT}\n`)), false);
    assert.equal(isValidRecordText(Buffer.from([0x61, 0xc3, 0x0a])), false);
  });

  it('reads tree notes, ignoring extra lines, and nothing else', () => {
    const hash = Buffer.alloc(32, 9);
    const text = formatTree({ n: 1234600, hash });
    assert.equal(text, `go.sum database tree\n1234600\n${hash.toString('base64')}\n`);
    assert.deepEqual(parseTree(`${text}future line\n`), { n: 1234600, hash });
    for (const t of [
      text.replace('1234600', '01234600'),
      text.replace('1234600', '-5'),
      text.replace('go.sum database tree', 'go.sum database tree v2'),
      `go.sum database tree\n5\n${Buffer.alloc(31).toString('base64')}\n`,
      'go.sum database tree\n5\n',
    ]) {
      assert.throws(() => parseTree(t), malformed(/tree note/), t);
    }
  });
});

describe('comparing our hashes with a record (modfetch.checkSumDB)', () => {
  it('accepts matching hashes and names each file that differs', () => {
    assert.deepEqual(compareRecord(TEXT, 'example.com/a', 'v1.0.0', { zip: ZIP, mod: MOD }), []);
    assert.deepEqual(compareRecord(TEXT, 'example.com/a', 'v1.0.0', { zip: MOD, mod: ZIP }), [
      { file: '.zip', expected: ZIP, actual: MOD },
      { file: '.mod', expected: MOD, actual: ZIP },
    ]);
    assert.deepEqual(compareRecord(TEXT, 'example.com/a', 'v1.0.0', { mod: MOD }), []);
  });

  it('lets the first line for a file decide, and raises no objection without one', () => {
    const twice = `example.com/a v1.0.0 ${MOD}\n${TEXT}`;
    assert.deepEqual(compareRecord(twice, 'example.com/a', 'v1.0.0', { zip: ZIP }).map((m) => m.expected), [MOD]);
    assert.deepEqual(compareRecord(TEXT, 'example.com/b', 'v1.0.0', { zip: MOD, mod: MOD }), []);
    assert.deepEqual(compareRecord(TEXT, 'example.com/a', 'v1.0.0/go.mod', { zip: MOD }), [], 'a version is matched whole');
  });

  it('extracts a version’s hashes', () => {
    assert.deepEqual(recordHashes(TEXT, 'example.com/a', 'v1.0.0'), { zip: ZIP, mod: MOD });
    assert.deepEqual(recordHashes(TEXT, 'example.com/a', 'v1.0.1'), {});
  });
});

/** A file with several bad entries: every one is reported in one run, up to a limit (issue #19 item 12). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GomirrorError, MAX_REPORTED_PROBLEMS } from '../../../src/errors.js';
import { parseManifest } from '../../../src/manifest/index.js';
import { parseGoSum } from '../../../src/gosum/go-sum.js';

function errorOf(fn: () => unknown): GomirrorError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GomirrorError, String(err));
    return err;
  }
  assert.fail('no error');
}

describe('every bad entry in one run', () => {
  it('a manifest: bad path, bad version, bad query and an unknown key, all named', () => {
    const text = JSON.stringify({
      modules: [
        { path: 'example.com/ok', versions: ['latest'] },
        { path: 'Example..com/bad', versions: ['latest'] },
        { path: 'example.com/m', versions: ['v1.2', 'v1.2.3.4', '>=banana'] },
        { path: 'example.com/n', verions: ['latest'] },
      ],
    });
    const e = errorOf(() => parseManifest(text, '/x/mirror.json'));
    assert.equal(e.kind, 'input');
    const lines = e.message.split('\n');
    assert.equal(lines.length, 4, e.message);
    assert.match(lines[0] ?? '', /^mirror\.json: modules\[1\]\.path: /);
    assert.match(lines[1] ?? '', /^mirror\.json: modules\[2\]\.versions\[1\]: /);
    assert.match(lines[2] ?? '', /^mirror\.json: modules\[2\]\.versions\[2\]: /);
    assert.match(lines[3] ?? '', /^mirror\.json: modules\[3\]\.verions: unknown key \(did you mean "versions"\?\)/);
    assert.match(e.hint ?? '', /^4 problems; fix them all and run again/);
  });

  it('one bad entry is reported as before, alone', () => {
    const e = errorOf(() => parseManifest(JSON.stringify({ modules: [{ path: 'example.com/m', versions: ['v1.2.3.4'] }] }), 'm.json'));
    assert.equal(e.message.split('\n').length, 1);
    assert.match(e.message, /^m\.json: modules\[0\]\.versions\[0\]: /);
  });

  it(`a go.sum with many malformed lines: the first ${MAX_REPORTED_PROBLEMS}, then how many more`, () => {
    const good = 'example.com/a v1.0.0 h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';
    const rows = [good, ...Array.from({ length: 25 }, (_, i) => `example.com/b${i} v1.0.0 h1:short`)];
    const e = errorOf(() => parseGoSum(rows.join('\n'), 'go.sum'));
    assert.equal(e.code, 'E_GOSUM');
    const lines = e.message.split('\n');
    assert.equal(lines.length, MAX_REPORTED_PROBLEMS + 1);
    assert.match(lines[0] ?? '', /^go\.sum:2: malformed go\.sum line: invalid hash/);
    assert.match(lines[MAX_REPORTED_PROBLEMS - 1] ?? '', /^go\.sum:21: /);
    assert.equal(lines.at(-1), `... and 5 more (only the first ${MAX_REPORTED_PROBLEMS} are shown)`);
    assert.match(e.hint ?? '', /^25 problems/);
  });
});

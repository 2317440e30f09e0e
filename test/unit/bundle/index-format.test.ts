import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';

import { BUNDLE_FORMAT, indexId, parseIndex, serializeIndex, type BundleIndex } from '../../../src/bundle/index.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const H1 = 'h1:' + 'A'.repeat(43) + '=';

const INDEX: BundleIndex = {
  format: BUNDLE_FORMAT,
  tool: 'gomirror 0.1.0',
  created: '2025-01-02T03:04:05.000Z',
  since: { id: sha('previous'), created: '2025-01-01T00:00:00.000Z' },
  files: [
    { path: 'example.com/a/@v/list', size: 7, sha256: sha('v1.0.0\n'), bundled: true },
    { path: 'example.com/a/@v/v1.0.0.zip', size: 100, sha256: sha('zip'), bundled: false },
  ],
  sums: [`example.com/a v1.0.0 ${H1}`, `example.com/a v1.0.0/go.mod ${H1}`],
};

describe('bundle index', () => {
  it('round-trips, one file a line', () => {
    const bytes = serializeIndex(INDEX);
    assert.deepEqual(parseIndex(bytes, 'x'), INDEX);
    const text = bytes.toString('utf8');
    assert.match(text, /^ {4}\{"path":"example\.com\/a\/@v\/list","size":7,"sha256":"[0-9a-f]{64}","bundled":true\},$/m);
    assert.ok(text.endsWith('}\n'));
    assert.equal(indexId(bytes), sha(text));
  });

  it('round-trips an index without files or sums', () => {
    const empty: BundleIndex = { ...INDEX, since: null, files: [], sums: [] };
    assert.deepEqual(parseIndex(serializeIndex(empty), 'x'), empty);
  });

  const mutate = (f: (o: Record<string, unknown>) => void): Buffer => {
    const o = JSON.parse(serializeIndex(INDEX).toString('utf8')) as Record<string, unknown>;
    f(o);
    return Buffer.from(JSON.stringify(o));
  };
  const files = (o: Record<string, unknown>): Array<Record<string, unknown>> => o.files as Array<Record<string, unknown>>;
  const bad: Array<[string, Buffer, string]> = [
    ['not JSON', Buffer.from('{'), /not JSON/.source],
    ['an array', Buffer.from('[]'), 'not a JSON object'],
    ['another format', mutate((o) => (o.format = 'gomirror-bundle/2')), 'format is "gomirror-bundle/2", want "gomirror-bundle/1"'],
    ['a bad time', mutate((o) => (o.created = 'yesterday')), '"created" must be a time'],
    ['a bad since', mutate((o) => (o.since = { id: 'abc', created: 'x' })), '"since" must be null or {"id": sha256, "created": time}'],
    ['a traversal path', mutate((o) => (files(o)[0]!.path = '../../etc/passwd')), 'files[0]: "../../etc/passwd" is not a file of the tree layout'],
    ['a state file', mutate((o) => (files(o)[0]!.path = '.gomirror/go.sum')), 'files[0]: ".gomirror/go.sum" is not a file of the tree layout'],
    ['a duplicate', mutate((o) => (files(o)[1]!.path = files(o)[0]!.path)), 'files[1]: example.com/a/@v/list is listed twice'],
    ['a negative size', mutate((o) => (files(o)[0]!.size = -1)), 'files[0]: bad size'],
    ['a short sha256', mutate((o) => (files(o)[0]!.sha256 = 'abc')), 'files[0]: bad sha256'],
    ['no bundled flag', mutate((o) => delete files(o)[0]!.bundled), 'files[0]: "bundled" must be true or false'],
    ['a bad sums line', mutate((o) => (o.sums = ['example.com/a v1.0.0'])), 'x sums:1: malformed go.sum line: wrong number of fields 2'],
  ];
  for (const [what, bytes, message] of bad) {
    it(`refuses ${what}`, () => {
      assert.throws(() => parseIndex(bytes, 'x'), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'E_BUNDLE');
        assert.ok(err.message.startsWith('x: invalid bundle index: '), err.message);
        assert.match(err.message, new RegExp(message.startsWith('not JSON') ? message : escape(message)));
        return true;
      });
    });
  }
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

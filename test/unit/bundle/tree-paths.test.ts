import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { classifyTreePath, commitRank, describeBadTreePath, isImmutable } from '../../../src/bundle/index.js';

describe('classifyTreePath', () => {
  const cases: Array<[string, unknown]> = [
    ['example.com/!burnt!sushi/toml/@v/v1.0.0-!r!c1.zip', { kind: 'version', modulePath: 'example.com/BurntSushi/toml', version: 'v1.0.0-RC1', ext: 'zip' }],
    ['example.com/legacy/@v/v2.0.0+incompatible.mod', { kind: 'version', modulePath: 'example.com/legacy', version: 'v2.0.0+incompatible', ext: 'mod' }],
    ['gopkg.in/yaml.v2/@v/v2.4.0.info', { kind: 'version', modulePath: 'gopkg.in/yaml.v2', version: 'v2.4.0', ext: 'info' }],
    ['example.com/alpha/v2/@v/list', { kind: 'list', modulePath: 'example.com/alpha/v2' }],
    ['example.com/pseudoonly/@latest', { kind: 'latest', modulePath: 'example.com/pseudoonly' }],
    ['sumdb/sum.golang.org/latest', { kind: 'sumdb', name: 'sum.golang.org', part: 'latest' }],
    ['sumdb/sum.golang.org/supported', { kind: 'sumdb', name: 'sum.golang.org', part: 'supported' }],
    ['sumdb/sum.golang.org/lookup/example.com/!burnt!sushi/toml@v1.0.0', { kind: 'sumdb', name: 'sum.golang.org', part: 'lookup' }],
    ['sumdb/sum.golang.org/tile/8/0/x001/234.p/5', { kind: 'sumdb', name: 'sum.golang.org', part: 'tile' }],
    ['sumdb/sum.golang.org/tile/8/data/000', { kind: 'sumdb', name: 'sum.golang.org', part: 'tile' }],
    ['sumdb/sum.golang.org/lookup/example.com/legacy@v2.0.0+incompatible', { kind: 'sumdb', name: 'sum.golang.org', part: 'lookup' }],
    ['sumdb/sum.golang.org/tile/8/1/000.p/17', { kind: 'sumdb', name: 'sum.golang.org', part: 'tile' }],
    // Vulnerability IDs are upper case: the database's own name rules apply under vulndb/.
    ['vulndb/ID/GO-2024-0001.json', { kind: 'vulndb', file: { part: 'entry', id: 'GO-2024-0001', gz: false } }],
    ['vulndb/ID/GO-2024-0001.json.gz', { kind: 'vulndb', file: { part: 'entry', id: 'GO-2024-0001', gz: true } }],
    ['vulndb/index/db.json', { kind: 'vulndb', file: { part: 'index', name: 'db', gz: false } }],
    ['vulndb/index/modules.json.gz', { kind: 'vulndb', file: { part: 'index', name: 'modules', gz: true } }],
  ];
  for (const [rel, want] of cases) {
    it(rel, () => assert.deepEqual(classifyTreePath(rel), want));
  }
  for (const rel of ['index.html', '_catalog/index.jsonl', '_catalog/style.css', '_catalog/m/example.com/!burnt!sushi/toml/@index.html']) {
    it(`catalog: ${rel}`, () => assert.deepEqual(classifyTreePath(rel), { kind: 'catalog' }));
  }

  const notTree = [
    '.gomirror/go.sum',
    '.gomirror/lock',
    'example.com/alpha/@v/v1.0.0.zip.tmp-123-abc',
    'example.com/alpha/@v/list.tmp-99-0a1b2c',
    'README.md',
    'index.htm',
    '_catalog',
    '_Catalog/index.jsonl',
    '_catalog/../x',
    '_catalog/m/a.com/@index.html.tmp-12-abc',
    '_catalog/m/a.com/A/@index.html',
    'example.com/alpha/@v/v1.0.0.txt',
    'example.com/Alpha/@v/list', // upper case is never on disk: it is escaped
    'example.com/alpha/@v/../@v/list',
    'example.com/./alpha/@v/list',
    'example.com//alpha/@v/list',
    '@v/list',
    'alpha/@v/list', // no dot in the first element: not a module path
    'example.com/alpha/@v/v1.0.0/extra.zip',
    'example.com/@v/x/@v/list',
    'sumdb/sum.golang.org/other',
    'sumdb/sum.golang.org/lookup',
    'sumdb/sum.golang.org/lookup/.htaccess',
    'sumdb/sum.golang.org/lookup/example.com/x/index.html',
    'sumdb/sum.golang.org/lookup/example.com/x@notaversion',
    'sumdb/sum.golang.org/lookup/example.com/x@v1.0',
    'sumdb/sum.golang.org/tile/.htaccess',
    'sumdb/sum.golang.org/tile/8/0/01',
    'sumdb/sum.golang.org/tile/8/0/000.p/x',
    'sumdb/sum.golang.org/latest/x',
    'example.com\\alpha/@v/list',
    'vulndb/index/other.json',
    'vulndb/ID/.hidden.json',
    'vulndb/ID/GO-1..2.json',
    'vulndb/ID/GO-2024-0001.json.tmp-12-ab',
    'vulndb/ID/x/GO-2024-0001.json',
    'vulndb/db.json',
  ];
  for (const rel of notTree) {
    it(`not a tree file: ${rel}`, () => assert.equal(classifyTreePath(rel), undefined));
  }
});

describe('isImmutable and commitRank', () => {
  const ranks: Array<[string, boolean, number]> = [
    ['example.com/alpha/@v/v1.0.0.zip', true, 0],
    ['example.com/alpha/@v/v1.0.0.info', true, 0],
    ['sumdb/sum.golang.org/tile/8/0/000', true, 0],
    ['example.com/alpha/@v/list', false, 1],
    ['example.com/alpha/@latest', false, 1],
    ['sumdb/sum.golang.org/lookup/example.com/alpha@v1.0.0', false, 2],
    ['sumdb/sum.golang.org/latest', false, 2],
    ['sumdb/sum.golang.org/supported', false, 3],
    // Entries before the indexes that name them, index/db last of all.
    ['vulndb/ID/GO-2024-0001.json.gz', false, 1],
    ['vulndb/index/vulns.json', false, 2],
    ['vulndb/index/modules.json.gz', false, 3],
    ['vulndb/index/db.json', false, 4],
  ];
  for (const [rel, immutable, rank] of ranks) {
    it(`${rel}: immutable=${immutable}, rank ${rank}`, () => {
      const t = classifyTreePath(rel);
      assert.ok(t);
      assert.equal(isImmutable(t), immutable);
      assert.equal(commitRank(t), rank);
    });
  }
});

describe('describeBadTreePath', () => {
  const cases: Array<[string, string | undefined]> = [
    ['example.com/alpha/@v/list', undefined],
    ['../etc/passwd', 'path traversal (`..`)'],
    ['example.com/../../x', 'path traversal (`..`)'],
    ['/etc/passwd', 'absolute path'],
    ['example.com\\..\\x', 'backslash in the name'],
    ['example.com/a\0b/@v/list', 'NUL in the name'],
    ['example.com//alpha/@v/list', 'unclean path (empty or `.` element)'],
    ['./example.com/alpha/@v/list', 'unclean path (empty or `.` element)'],
    ['.gomirror/go.sum', 'tool state (.gomirror/) never travels in a bundle'],
    ['.gomirror/lock', 'tool state (.gomirror/) never travels in a bundle'],
    ['example.com/alpha/@v/v1.0.0.zip.tmp-1-ab', 'a temporary file'],
    ['example.com/Alpha/@v/list', 'not a file of the tree layout'],
    ['notes.txt', 'not a file of the tree layout'],
  ];
  for (const [rel, want] of cases) {
    it(`${JSON.stringify(rel)} → ${want ?? 'ok'}`, () => assert.equal(describeBadTreePath(rel), want));
  }
});
